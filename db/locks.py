"""Clinic-wide locks that rules spanning every doctor need.

A clinic closure blocks every doctor at once, so locking doctors' rows one by one (as a
doctor's own time off does) cannot keep a booking out of it: a doctor created meanwhile would
not be locked. Instead every booking and every move holds the clinic's lock *shared* for its
transaction (they never wait for one another), and a closure takes it *exclusively*: a booking
either commits before the closure looks for the appointments in its time, or waits for the
closure and then sees it. A transaction-scoped advisory lock of PostgreSQL, released at commit
or rollback whatever happens to the process.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

# The advisory lock's key: the bytes of "closures", so it is recognisable in pg_locks.
CLINIC_LOCK: Final = int.from_bytes(b"closures", "big")


async def lock_clinic(s: AsyncSession, *, shared: bool) -> None:
    """Hold the clinic's lock until this transaction ends: shared for a booking or a move,
    exclusive for a closure. Take it before any row lock, so that nobody waits for it while
    holding a row a closure needs."""
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    await s.execute(select(lock(CLINIC_LOCK)))
