"""Login throttling: guesses at one account from many chats at the same moment, each on its own
connection, never get more password checks than the limit; and strangers' failures never lock
the account's own chats out.

The concurrent tests commit, so everything they create is removed again at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.context import Services
from db.accounts import (
    THROTTLE_LIMIT,
    THROTTLE_WINDOW,
    Denial,
    LoggedIn,
    LoginDenied,
    log_in,
    throttle_wait,
)
from db.clock import FrozenClock
from db.engine import make_session_factory
from db.models import ChatSession, LoginFailure, Role, User
from tests.conftest import JWT_SECRET, START, Harness, make_settings
from tests.factories import PASSWORD, make_user
from tests.races import Attempt, contend

DOMAIN = "throttle.example"
OWNER = f"owner@{DOMAIN}"
STRANGER_CHATS = range(880_001, 880_013)  # twelve chats


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    """Services on the real engine (a connection per session); cleaned up afterwards."""
    services = Services(
        settings=make_settings(engine.url.render_as_string(hide_password=False)),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    try:
        yield services
    finally:
        async with services.transaction() as s:
            await s.execute(delete(LoginFailure).where(LoginFailure.email.like(f"%@{DOMAIN}")))
            await s.execute(delete(User).where(User.email.like(f"%@{DOMAIN}")))  # sessions
    async with services.session_factory() as s:
        left = await s.scalar(
            select(func.count()).select_from(User).where(User.email.like(f"%@{DOMAIN}"))
        )
    assert left == 0


def guess(services: Services, chat_id: int, password: str) -> Attempt[LoggedIn | LoginDenied]:
    async def attempt(s: AsyncSession) -> LoggedIn | LoginDenied:
        return await log_in(
            s,
            chat_id=chat_id,
            email=OWNER,
            password=password,
            secret=JWT_SECRET,
            now=services.clock.now(),
        )

    return attempt


async def failures_at(services: Services, email: str) -> int:
    async with services.session_factory() as s:
        count = await s.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.email == email)
        )
    return int(count or 0)


async def test_twelve_chats_guessing_at_once_get_five_password_checks(
    committed: Services,
) -> None:
    await make_user(committed, OWNER, role=Role.ADMIN)

    contest = await contend(
        committed, [guess(committed, chat, "wrong-guess") for chat in STRANGER_CHATS]
    )

    outcomes = contest.wins()
    assert all(isinstance(outcome, LoginDenied) for outcome in outcomes)
    reasons = Counter(outcome.reason for outcome in outcomes if isinstance(outcome, LoginDenied))
    # Only THROTTLE_LIMIT passwords were checked (each one a "wrong password"); the rest were
    # refused before any check.
    assert reasons == {
        Denial.INVALID: THROTTLE_LIMIT,
        Denial.THROTTLED: len(STRANGER_CHATS) - THROTTLE_LIMIT,
    }
    # While the first guess was being checked, the eleven others waited for it inside
    # PostgreSQL: they truly arrived together.
    assert contest.waited == len(STRANGER_CHATS) - 1
    assert await failures_at(committed, OWNER) == THROTTLE_LIMIT
    throttled = [o for o in outcomes if isinstance(o, LoginDenied) and o.retry_after]
    assert {o.retry_after for o in throttled} == {THROTTLE_WINDOW}

    # The right password from yet another chat is refused too, without being checked.
    async with committed.transaction() as s:
        late = await guess(committed, 880_999, PASSWORD)(s)
    assert isinstance(late, LoginDenied) and late.reason is Denial.THROTTLED
    assert await failures_at(committed, OWNER) == THROTTLE_LIMIT


async def test_the_owners_chat_logs_in_while_strangers_are_locked_out(
    committed: Services,
) -> None:
    owner = await make_user(committed, OWNER)
    owners_chat = 880_500
    # The owner used this chat before; that session has long expired.
    async with committed.transaction() as s:
        assert isinstance(await guess(committed, owners_chat, PASSWORD)(s), LoggedIn)
    assert isinstance(committed.clock, FrozenClock)
    committed.clock.advance(timedelta(days=3))
    for chat in STRANGER_CHATS[:THROTTLE_LIMIT]:
        async with committed.transaction() as s:
            denied = await guess(committed, chat, "wrong-guess")(s)
        assert isinstance(denied, LoginDenied) and denied.reason is Denial.INVALID

    attempts = [guess(committed, chat, PASSWORD) for chat in STRANGER_CHATS]
    attempts.append(guess(committed, owners_chat, PASSWORD))
    contest = await contend(committed, attempts)

    *strangers, mine = contest.wins()
    # Every other chat is refused, even with the right password; the owner's chat is let in.
    reasons = [o.reason for o in strangers if isinstance(o, LoginDenied)]
    assert reasons == [Denial.THROTTLED] * len(STRANGER_CHATS)
    assert isinstance(mine, LoggedIn) and mine.user.id == owner.id
    assert contest.waited == len(STRANGER_CHATS)  # they all arrived together
    assert await failures_at(committed, OWNER) == THROTTLE_LIMIT
    async with committed.session_factory() as s:
        sessions = await s.scalar(
            select(func.count())
            .select_from(ChatSession)
            .where(ChatSession.user_id == owner.id, ChatSession.chat_id == owners_chat)
        )
    assert sessions == 2


async def test_strangers_cannot_lock_the_owner_out(harness: Harness) -> None:
    await make_user(harness.services, "ada@example.com", name="Ada Admin", role=Role.ADMIN)
    ada = harness.user("Ada")
    await ada.send("/login")
    await ada.send("ada@example.com")
    assert "Logged in" in (await ada.send(PASSWORD))[-1].text
    assert "logged out" in (await ada.send("/logout"))[-1].text

    mallory = harness.user("Mallory")
    for _ in range(THROTTLE_LIMIT):
        await mallory.send("/login")
        await mallory.send("ada@example.com")
        assert "Wrong email or password" in (await mallory.send("guess-guess"))[-1].text
    assert "Too many failed attempts" in (await mallory.send("/login"))[-1].text

    # Any chat that never held Ada's session is locked out, right password or not.
    other = harness.user("Other")
    await other.send("/login")
    await other.send("ada@example.com")
    assert "Too many failed attempts" in (await other.send(PASSWORD))[-1].text

    # Ada's own chat is not: its session was revoked, but it was hers.
    await ada.send("/login")
    await ada.send("ada@example.com")
    assert "Logged in as Ada Admin (admin)" in (await ada.send(PASSWORD))[-1].text

    # Her chat is still throttled by its own failures.
    await ada.send("/logout")
    for _ in range(THROTTLE_LIMIT):
        await ada.send("/login")
        await ada.send("ada@example.com")
        assert "Wrong email or password" in (await ada.send("mistyped-it"))[-1].text
    assert "Too many failed attempts" in (await ada.send("/login"))[-1].text
    async with harness.services.session_factory() as s:
        wait = await throttle_wait(
            s, chat_id=ada.chat_id, email="ada@example.com", now=harness.clock.now()
        )
    assert wait == THROTTLE_WINDOW
