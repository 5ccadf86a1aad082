"""Apply the Alembic migrations in ``db/migrations`` programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this package's migrations against ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    """Migrate the database to the newest revision (safe to run from several processes)."""
    command.upgrade(alembic_config(database_url), "head")


def current_heads(database_url: str) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    from db.engine import driver_url

    engine = create_engine(driver_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
