"""A private PostgreSQL server in a local data directory, for running without ``DATABASE_URL``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "clinic"


class EmbeddedUnavailable(RuntimeError):
    """The embedded server cannot run here (the ``pgserver`` package is missing)."""


def start_embedded(data_dir: Path, database: str = DATABASE_NAME) -> tuple[str, Any]:
    """Start (or attach to) the server keeping its files in ``data_dir/postgres``.

    Returns the connection URL of ``database`` (created if missing) and the server handle;
    the server stops when the last process using it exits.
    """
    try:
        import pgserver
    except ImportError:
        raise EmbeddedUnavailable(
            "DATABASE_URL: not set and the embedded PostgreSQL is not installed; "
            "install it with: pip install 'clinic-bot[embedded]' (CPython 3.11/3.12), "
            "or set DATABASE_URL to a PostgreSQL server"
        ) from None
    pgdata = (data_dir / "postgres").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    if not database.isidentifier():
        raise ValueError(f"not a plain database name: {database!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("Created the embedded database %s in %s", database, pgdata)
    uri: str = server.get_uri(database)
    return uri, server
