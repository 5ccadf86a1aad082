"""The async engine and session factory. ``postgresql://`` URLs use the psycopg 3 driver."""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session


def driver_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver, whatever PostgreSQL scheme it was given with."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"not a PostgreSQL URL: {parsed.drivername}")


# Connections kept open: enough for the updates handled at once and the delivery jobs together,
# so none is opened and closed per use; a few more only for bursts.
POOL_SIZE = 20
POOL_OVERFLOW = 5
# Connections are replaced on a timer rather than checked before every use: a dropped one is
# noticed by the statement that fails, and the update's transaction is retried once.
POOL_RECYCLE_SECONDS = 1800


def make_engine(url: str | URL, **options: Any) -> AsyncEngine:
    """An async engine for ``url``: a fixed pool, no round trip before each checkout, and a
    server that does not answer fails a connection attempt after 10 s instead of hanging it.

    Statement parameters (passwords' hashes, tokens, names, emails) are kept out of its log
    lines and out of the text of its errors, which may be logged.
    """
    options.setdefault("pool_pre_ping", False)
    options.setdefault("hide_parameters", True)
    options.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    options.setdefault("pool_size", POOL_SIZE)
    options.setdefault("max_overflow", POOL_OVERFLOW)
    options.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    options.setdefault("pool_timeout", 30)
    return create_async_engine(driver_url(url), **options)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


# --- whether a transaction changed anything -----------------------------------------------------

# Tables whose writes are bookkeeping, not a change the user made (the chat's conversation).
BOOKKEEPING_TABLES = frozenset({"chats"})
_WROTE = "clinic.wrote"


# Execution options of a statement that is bookkeeping (e.g. renewing a session's token).
BOOKKEEPING = {"clinic_bookkeeping": True}


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.execution_options.get("clinic_bookkeeping"):
        return
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in BOOKKEEPING_TABLES:
            state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, context: object) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


def wrote(session: AsyncSession) -> bool:
    """Whether ``session`` changed anything besides bookkeeping (for truthful error replies)."""
    return bool(session.sync_session.info.get(_WROTE))
