"""The async engine and session factory. ``postgresql://`` URLs use the psycopg 3 driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def driver_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver, whatever PostgreSQL scheme it was given with."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"not a PostgreSQL URL: {parsed.drivername}")


def make_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """An async engine for ``url``; connections are checked on checkout (survives restarts)."""
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    return create_async_engine(driver_url(url), **options)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
