"""A visit's reason and the patient's "I'll come" / "I'm here" in the schema: the migration, both
ways."""

from __future__ import annotations

import psycopg
from alembic import command

from db.migrate import alembic_config


def test_the_migration_goes_down_and_up_again(scratch_database: str) -> None:
    config = alembic_config(scratch_database)
    command.downgrade(config, "0009")
    with psycopg.connect(scratch_database) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'appointments' AND column_name IN "
            "('reason', 'confirmed_at', 'arrived_at')"
        ).fetchall()
    assert columns == []
    command.upgrade(config, "head")
    with psycopg.connect(scratch_database) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'appointments' AND column_name IN "
            "('reason', 'confirmed_at', 'arrived_at') ORDER BY column_name"
        ).fetchall()
    assert columns == [("arrived_at",), ("confirmed_at",), ("reason",)]
