"""Database connections dropped under the bot (a restart, a failover): the next update is
answered as if nothing happened — its transaction is retried once on a fresh connection,
without a round trip before every checkout."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import ClinicApplication, build_application
from bot.context import Services
from db.clock import FrozenClock
from db.engine import make_engine, make_session_factory
from db.models import Chat, ChatSession, LoginFailure, User
from tests.conftest import START, make_settings
from tests.factories import PASSWORD, make_user
from tests.fake_telegram import ChatUser, FakeRequest, FakeTelegram

TAG = "clinic-connection-loss-test"
EMAIL = "dropped@connection.example"
CHAT = 880_001


@pytest.fixture
async def bot(
    migrated_url: str,
) -> AsyncIterator[tuple[ClinicApplication, FakeTelegram, AsyncEngine]]:
    engine = make_engine(migrated_url, connect_args={"application_name": TAG})
    services = Services(
        settings=make_settings(migrated_url),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    await make_user(services, EMAIL, name="Dee Dropped")
    telegram = FakeTelegram()
    app = build_application(
        services, request=FakeRequest(telegram), polling=False, rate_limiter=False
    )
    await app.initialize()
    try:
        yield app, telegram, engine
    finally:
        await app.shutdown()
        async with services.transaction() as s:
            users = select(User.id).where(User.email == EMAIL)
            await s.execute(delete(ChatSession).where(ChatSession.user_id.in_(users)))
            await s.execute(delete(LoginFailure).where(LoginFailure.email == EMAIL))
            await s.execute(delete(Chat).where(Chat.chat_id == CHAT))
            await s.execute(delete(User).where(User.email == EMAIL))
        await engine.dispose()


async def _drop_connections(engine: AsyncEngine) -> int:
    """Terminate every server connection the bot's pool holds, as a database restart would."""
    other = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    async with other.connect() as conn:
        killed = (
            await conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :tag"
                ),
                {"tag": TAG},
            )
        ).scalar_one()
    await other.dispose()
    return int(killed)


async def test_updates_are_answered_across_dropped_connections(
    bot: tuple[ClinicApplication, FakeTelegram, AsyncEngine],
) -> None:
    app, telegram, engine = bot
    dee = ChatUser(telegram, app, CHAT, "Dee")
    await dee.send("/login")
    assert await _drop_connections(engine) >= 1
    # A conversation step on a connection that died: retried, answered, state kept.
    assert "password" in (await dee.send(EMAIL))[-1].text
    assert await _drop_connections(engine) >= 1
    assert "Logged in as Dee Dropped" in (await dee.send(PASSWORD))[-1].text
    assert await _drop_connections(engine) >= 1
    me = (await dee.send("/me"))[-1].text
    assert "Dee Dropped" in me and EMAIL in me
    assert "went wrong" not in " ".join(m.text for m in telegram.bot_messages(CHAT))
