"""Apply the Alembic migrations in ``db/migrations`` programmatically."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this package's migrations against ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def wait_for_database(database_url: str, *, timeout: float = 60.0) -> None:
    """Block until the server accepts connections (a container may start before it)."""
    import time

    import psycopg

    from db.engine import driver_url

    conninfo = driver_url(database_url).set(drivername="postgresql")
    dsn = conninfo.render_as_string(hide_password=False)
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=5).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() + delay > deadline:
                raise
            log.info("Waiting for the database to accept connections")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def upgrade_to_head(database_url: str) -> None:
    """Migrate the database to the newest revision (safe to run from several processes)."""
    command.upgrade(alembic_config(database_url), "head")
