"""Concurrent attempts in separate sessions, each on its own connection, as many chats or
several bot processes would send them, released together; PostgreSQL decides.

Tests using this commit (a per-test rolled-back connection cannot hold concurrent
transactions), so they remove what they create again at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Services
from db.errors import DomainError

# How long a contest may take before it counts as not having overlapped (never reached when
# the database behaves; it only keeps a broken run from hanging).
PATIENCE = 10.0

T = TypeVar("T")
Attempt = Callable[[AsyncSession], Awaitable[T]]


@dataclass
class Contest(Generic[T]):
    outcomes: list[T | DomainError]
    # How many of the other sessions PostgreSQL held waiting on the first success's
    # uncommitted transaction, all at the same moment.
    waited: int

    def wins(self) -> list[T]:
        return [o for o in self.outcomes if not isinstance(o, DomainError)]

    def losses(self) -> list[DomainError]:
        return [o for o in self.outcomes if isinstance(o, DomainError)]


async def contend(services: Services, attempts: Sequence[Attempt[T]]) -> Contest[T]:
    """Run every attempt in its own session and transaction, released together.

    The first attempt to succeed keeps its transaction open until all the others are blocked
    behind it inside PostgreSQL (seen in ``pg_blocking_pids``), then commits. That proves the
    attempts truly overlapped and that the database, not the order of the code, chose the winner.
    """
    start_line = asyncio.Barrier(len(attempts))
    first_win = asyncio.Event()
    commit = asyncio.Event()
    pids = [0] * len(attempts)
    winners: list[int] = []

    async def run(index: int, attempt: Attempt[T]) -> T | DomainError:
        try:
            async with services.session_factory() as s, s.begin():
                pids[index] = int(await s.scalar(text("SELECT pg_backend_pid()")) or 0)
                await start_line.wait()
                result = await attempt(s)
                winners.append(pids[index])
                first_win.set()
                await commit.wait()
            return result
        except DomainError as refused:  # rolled back, as a handler's transaction would be
            return refused

    tasks = [asyncio.create_task(run(i, attempt)) for i, attempt in enumerate(attempts)]
    waited = 0
    try:
        deadline = asyncio.get_running_loop().time() + PATIENCE
        while not first_win.is_set() and not all(task.done() for task in tasks):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.005)
        if first_win.is_set():
            waited = await _blocked_behind(
                services, winners[0], [pid for pid in pids if pid != winners[0]], deadline
            )
    finally:
        commit.set()
        await start_line.abort()  # frees any attempt still at the line if another one failed
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    results: list[T | DomainError] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, DomainError):
            raise outcome  # a failure other than a refusal by the clinic's rules
        results.append(outcome)
    return Contest(outcomes=results, waited=waited)


async def _blocked_behind(
    services: Services, winner: int, others: list[int], deadline: float
) -> int:
    """Wait until every other session is blocked by ``winner``; how many were at the end."""
    query = text(
        "SELECT count(*) FROM unnest(CAST(:others AS integer[])) AS waiting(pid) "
        "WHERE CAST(:winner AS integer) = ANY(pg_blocking_pids(waiting.pid))"
    )
    blocked = 0
    async with services.session_factory() as s:
        while asyncio.get_running_loop().time() < deadline:
            blocked = int(await s.scalar(query, {"others": others, "winner": winner}) or 0)
            await s.rollback()
            if blocked == len(others):
                break
            await asyncio.sleep(0.005)
    return blocked
