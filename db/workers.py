"""Delivery workers: the bot processes that send the outbox, each alive while it beats.

A worker's claimed deliveries are its own for as long as its heartbeat is fresh; there is no
lease to run out under a live worker, however long a batch takes. Freshness is judged by the
database's clock alone (``clock_timestamp()``), so the hosts' clocks never matter.

A worker is dead when it has not beaten for ``takeover`` **and** the database itself has been
up for longer than ``takeover``: after a database restart every worker gets a full ``takeover``
to beat again (and to record the outcomes it kept while the database was down) before its
claims may be taken. Removing a dead worker's row releases its claims (``ON DELETE SET NULL``).

Every function takes an open session and never commits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_BEAT = text(
    "UPDATE delivery_workers SET heartbeat_at = clock_timestamp() WHERE id = :id RETURNING id"
)
_JOIN = text(
    "INSERT INTO delivery_workers (id, label, started_at, heartbeat_at) "
    "VALUES (:id, :label, clock_timestamp(), clock_timestamp()) "
    "ON CONFLICT (id) DO UPDATE SET heartbeat_at = clock_timestamp()"
)
_REAP = text(
    """
    DELETE FROM delivery_workers
    WHERE id <> :me
      AND heartbeat_at < clock_timestamp() - make_interval(secs => :takeover)
      AND pg_postmaster_start_time() < clock_timestamp() - make_interval(secs => :takeover)
    RETURNING id
    """
)
_LEAVE = text("DELETE FROM delivery_workers WHERE id = :id")


async def beat(s: AsyncSession, *, worker_id: str, label: str) -> bool:
    """Record that the worker is alive. False when its row was gone (it had been taken for
    dead, and its claims released): it is registered again."""
    if (await s.execute(_BEAT, {"id": worker_id})).first() is not None:
        return True
    await s.execute(_JOIN, {"id": worker_id, "label": label[:200]})
    return False


async def reap(s: AsyncSession, *, me: str, takeover: timedelta) -> list[str]:
    """Remove the dead workers (see the module docstring), releasing their claims; their ids."""
    rows = await s.execute(_REAP, {"me": me, "takeover": takeover.total_seconds()})
    return [str(worker_id) for worker_id in rows.scalars().all()]


async def leave(s: AsyncSession, *, worker_id: str) -> None:
    """A worker stopping cleanly: its row goes and its remaining claims are released."""
    await s.execute(_LEAVE, {"id": worker_id})
