"""Asking for emailed codes from many chats at the same moment, each on its own connection,
never gets more codes than the throttle allows; the account's own chat is not locked out.

These tests commit, so everything they create is removed again at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.context import Services
from db.accounts import log_in
from db.clock import FrozenClock
from db.email_codes import RESEND_AFTER, CodeIssued, CodeThrottled, MailKind, issue_code
from db.engine import make_session_factory
from db.models import CodePurpose, EmailCode, User
from tests.conftest import JWT_SECRET, START, make_settings
from tests.factories import PASSWORD, make_user
from tests.races import Attempt, contend

DOMAIN = "codes.example"
OWNER = f"owner@{DOMAIN}"
STRANGER_CHATS = range(881_001, 881_013)  # twelve chats


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
            await s.execute(delete(EmailCode).where(EmailCode.email.like(f"%@{DOMAIN}")))
            await s.execute(delete(User).where(User.email.like(f"%@{DOMAIN}")))


def ask(
    services: Services, chat_id: int, purpose: CodePurpose = CodePurpose.RESET
) -> Attempt[CodeIssued | CodeThrottled]:
    async def attempt(s: AsyncSession) -> CodeIssued | CodeThrottled:
        return await issue_code(
            s,
            purpose=purpose,
            chat_id=chat_id,
            email=OWNER,
            secret=JWT_SECRET,
            now=services.clock.now(),
            name="Someone",
        )

    return attempt


async def _codes(services: Services) -> int:
    async with services.session_factory() as s:
        count = await s.scalar(
            select(func.count()).select_from(EmailCode).where(EmailCode.email == OWNER)
        )
    return int(count or 0)


@pytest.mark.parametrize("purpose", [CodePurpose.RESET, CodePurpose.REGISTER])
async def test_twelve_chats_asking_at_once_get_one_code(
    committed: Services, purpose: CodePurpose
) -> None:
    await make_user(committed, OWNER)
    contest = await contend(committed, [ask(committed, chat, purpose) for chat in STRANGER_CHATS])
    outcomes = contest.wins()
    issued = [o for o in outcomes if isinstance(o, CodeIssued)]
    throttled = [o for o in outcomes if isinstance(o, CodeThrottled)]
    # One code a minute per address, however many ask together: they waited for each other.
    assert len(issued) == 1 and len(throttled) == len(STRANGER_CHATS) - 1
    assert contest.waited == len(STRANGER_CHATS) - 1
    assert {o.retry_after for o in throttled} == {RESEND_AFTER}
    assert await _codes(committed) == 1
    mail = issued[0].mail
    assert mail is not None and mail.to == OWNER
    expected = MailKind.CODE if purpose is CodePurpose.RESET else MailKind.ALREADY_REGISTERED
    assert mail.kind is expected


async def test_the_owners_chat_gets_a_code_while_strangers_wait(committed: Services) -> None:
    await make_user(committed, OWNER)
    owners_chat = 881_500
    async with committed.transaction() as s:
        await log_in(
            s,
            chat_id=owners_chat,
            email=OWNER,
            password=PASSWORD,
            secret=JWT_SECRET,
            now=committed.clock.now(),
        )
    assert isinstance(committed.clock, FrozenClock)
    for chat in STRANGER_CHATS[:5]:
        async with committed.transaction() as s:
            assert isinstance(await ask(committed, chat)(s), CodeIssued)
        committed.clock.advance(timedelta(seconds=61))

    attempts = [ask(committed, chat) for chat in STRANGER_CHATS[5:]]
    attempts.append(ask(committed, owners_chat))
    contest = await contend(committed, attempts)
    *strangers, mine = contest.wins()
    assert all(isinstance(o, CodeThrottled) for o in strangers)
    assert isinstance(mine, CodeIssued) and mine.mail is not None
    assert await _codes(committed) == 6
