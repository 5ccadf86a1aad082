"""The migrations on databases holding older data, both ways; the models agree with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, pool

from db.engine import driver_url
from db.migrate import alembic_config
from db.models import Base

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)

OLD_DATA = """
INSERT INTO specialties (id, name) VALUES (1, 'Cardiology');
INSERT INTO users (id, email, name, role) VALUES
  (1, 'house@example.com', 'Dr. House', 'doctor'), (2, 'ana@example.com', 'Ana', 'patient');
INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes) VALUES (1, 'House', 1, 30);
INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status, version,
                          created_at, updated_at)
VALUES (1, 1, 2, %(start)s, %(start)s + interval '30 minutes', 'booked', 0, %(now)s, %(now)s);
INSERT INTO deliveries (appointment_id, appointment_version, kind, channel, offset_minutes,
                        due_at, next_attempt_at, status, attempts, lease_until, created_at,
                        updated_at)
VALUES (1, 0, 'reminder', 'telegram', 60, %(now)s, %(now)s, 'pending', 1,
        %(now)s + interval '5 minutes', %(now)s, %(now)s);
INSERT INTO agendas_sent (doctor_id, day, sent_at) VALUES (1, '2026-11-30', %(now)s);
"""


@pytest.fixture
def at_0006(scratch_database: str) -> str:
    """A scratch database taken back to the schema before the outbox, with data in it."""
    config = alembic_config(scratch_database)
    command.downgrade(config, "0006")
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        for statement in OLD_DATA.split(";"):
            if statement.strip():
                conn.execute(statement, {"now": NOW, "start": NOW + timedelta(hours=3)})
    return scratch_database


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_upgrade_keeps_deliveries_and_agendas_and_releases_leases(at_0006: str) -> None:
    command.upgrade(alembic_config(at_0006), "0007")
    assert _rows(
        at_0006,
        "SELECT kind, recipient_id, appointment_id, status, claimed_by, uncertain "
        "FROM deliveries ORDER BY id",
    ) == [
        ("reminder", 2, 1, "pending", None, False),  # the patient; the old lease released
        ("agenda", 1, None, "sent", None, False),  # already sent today: not sent again
    ]
    assert _rows(at_0006, "SELECT to_regclass('agendas_sent')") == [(None,)]

    # From there on to the latest revision, the outbox is what the models declare.
    command.upgrade(alembic_config(at_0006), "head")
    engine = create_engine(
        driver_url(make_url(at_0006)).render_as_string(hide_password=False),
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    outbox = {"deliveries", "delivery_workers"}
    assert [d for d in differences if _table_of(d) in outbox] == []


def test_downgrade_and_upgrade_again(at_0006: str) -> None:
    config = alembic_config(at_0006)
    command.upgrade(config, "0007")
    command.downgrade(config, "0006")
    assert _rows(
        at_0006, "SELECT kind, appointment_id, status, lease_until FROM deliveries ORDER BY id"
    ) == [("reminder", 1, "pending", None)]
    assert _rows(at_0006, "SELECT doctor_id, day::text FROM agendas_sent") == [(1, "2026-11-30")]
    command.upgrade(config, "head")


def _table_of(difference: Any) -> str:
    """The table an autogenerate difference is about."""
    item = difference[0] if isinstance(difference, list) else difference
    kind = item[0]
    if kind in ("add_table", "remove_table"):
        return str(item[1].name)
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return str(item[2])
    return str(item[1].table.name)  # an index or a constraint


def test_the_models_and_the_migrations_agree(scratch_database: str) -> None:
    """Every table, column, index and constraint the models declare is what the migrations
    built (a scratch database at head)."""
    engine = create_engine(
        driver_url(make_url(scratch_database)).render_as_string(hide_password=False),
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_front_desk_revision_down_and_up_with_its_data(scratch_database: str) -> None:
    """Down from the front desk's revision: a patient the clinic registered without an email
    gets an address that cannot receive mail (and keeps their visit); the "the clinic booked"
    notices go. Up again, nothing is lost."""
    config = alembic_config(scratch_database)
    start = NOW + timedelta(days=1)
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO specialties (id, name) VALUES (1, 'Cardiology');"
            "INSERT INTO users (id, email, name, role) VALUES "
            "(1, 'house@example.com', 'Dr. House', 'doctor'), (2, NULL, 'Ana', 'patient'),"
            "(3, 'desk@example.com', 'Desk', 'staff');"
            "INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes) "
            "VALUES (1, 'House', 1, 30)"
        )
        conn.execute(
            "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, status, "
            "version, created_at, updated_at, booked_by, change_reason) VALUES (1, 1, 2, %(s)s, "
            "%(s)s + interval '30 minutes', 'booked', 0, %(now)s, %(now)s, 3, 'emergency')",
            {"s": start, "now": NOW},
        )
        conn.execute(
            "INSERT INTO deliveries (recipient_id, appointment_id, appointment_version, kind, "
            "channel, due_at, next_attempt_at, status, attempts, created_at, updated_at) "
            "VALUES (2, 1, 0, 'clinic_booked', 'telegram', %(now)s, %(now)s, 'pending', 0, "
            "%(now)s, %(now)s)",
            {"now": NOW},
        )
    command.downgrade(config, "0009")
    assert _rows(scratch_database, "SELECT email FROM users WHERE id = 2") == [
        ("patient-2@no-email.invalid",)
    ]
    assert _rows(scratch_database, "SELECT patient_id, status FROM appointments") == [
        (2, "booked")
    ]
    assert _rows(scratch_database, "SELECT count(*) FROM deliveries") == [(0,)]
    command.upgrade(config, "head")
    assert _rows(scratch_database, "SELECT booked_by, change_reason FROM appointments") == [
        (None, None)
    ]


def test_the_booked_as_revision_fills_in_who_booked_from_their_role(
    scratch_database: str,
) -> None:
    """Up to the revision that keeps the booker's role: older visits take their booker's role,
    the patient's own (or unknown) booking counts as the patient's. Down and up again."""
    config = alembic_config(scratch_database)
    command.downgrade(config, "0016")
    start = NOW + timedelta(days=1)
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO specialties (id, name) VALUES (1, 'Cardiology');"
            "INSERT INTO users (id, email, name, role) VALUES "
            "(1, 'house@example.com', 'Dr. House', 'doctor'), (2, 'ana@example.com', 'Ana', "
            "'patient'), (3, 'desk@example.com', 'Desk', 'staff'), "
            "(4, 'boss@example.com', 'Boss', 'admin');"
            "INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes) "
            "VALUES (1, 'House', 1, 30)"
        )
        for id_, booker in [(1, None), (2, 2), (3, 3), (4, 4)]:
            conn.execute(
                "INSERT INTO appointments (id, doctor_id, patient_id, starts_at, ends_at, "
                "status, version, created_at, updated_at, booked_by) VALUES (%(id)s, 1, 2, "
                "%(s)s, %(s)s + interval '30 minutes', 'booked', 0, %(now)s, %(now)s, %(by)s)",
                {"id": id_, "s": start + timedelta(hours=id_), "now": NOW, "by": booker},
            )
    command.upgrade(config, "head")
    booked = "SELECT id, booked_as FROM appointments ORDER BY id"
    assert _rows(scratch_database, booked) == [
        (1, "patient"),
        (2, "patient"),
        (3, "staff"),
        (4, "admin"),
    ]
    command.downgrade(config, "0016")
    assert _rows(scratch_database, "SELECT count(*) FROM appointments") == [(4,)]
    command.upgrade(config, "head")
    assert [row[1] for row in _rows(scratch_database, booked)] == [
        "patient",
        "patient",
        "staff",
        "admin",
    ]


def test_the_profile_notice_revision_down_and_up(scratch_database: str) -> None:
    """Down from the revision of the doctors' "your details changed" notices, those notices go
    and the rest of the outbox stays; up again, they can be written."""
    config = alembic_config(scratch_database)
    notice = (
        "INSERT INTO deliveries (recipient_id, kind, channel, due_at, next_attempt_at, status, "
        "attempts, created_at, updated_at) VALUES (1, %(kind)s, 'telegram', %(now)s, %(now)s, "
        "'pending', 0, %(now)s, %(now)s)"
    )
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, email, name, role) VALUES "
            "(1, 'house@example.com', 'Dr. House', 'doctor')"
        )
        conn.execute(notice, {"kind": "profile_changed", "now": NOW})
        conn.execute(notice, {"kind": "email_claimed", "now": NOW})
    command.downgrade(config, "0017")
    assert _rows(scratch_database, "SELECT kind FROM deliveries") == [("email_claimed",)]
    command.upgrade(config, "head")
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(notice, {"kind": "profile_changed", "now": NOW})
    assert _rows(scratch_database, "SELECT kind FROM deliveries ORDER BY id") == [
        ("email_claimed",),
        ("profile_changed",),
    ]


def test_the_closure_names_revision_down_and_up(scratch_database: str) -> None:
    """Down from the revision of closure names, closures stay without them; up, they can have
    one again, never a blank one."""
    config = alembic_config(scratch_database)
    closure = (
        "INSERT INTO clinic_closures (starts_at, ends_at, whole_days, created_at, name) "
        "VALUES (%(now)s, %(now)s + interval '1 day', true, %(now)s, %(name)s)"
    )
    with psycopg.connect(scratch_database, autocommit=True) as conn:
        conn.execute(closure, {"now": NOW, "name": "Christmas"})
    command.downgrade(config, "0019")
    assert _rows(scratch_database, "SELECT count(*) FROM clinic_closures") == [(1,)]
    command.upgrade(config, "head")
    assert _rows(scratch_database, "SELECT name FROM clinic_closures") == [(None,)]
    with (
        psycopg.connect(scratch_database, autocommit=True) as conn,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        conn.execute(closure, {"now": NOW, "name": "  "})
