"""Test harness: a real PostgreSQL (``TEST_DATABASE_URL``'s server, else an embedded one), each
test in a transaction rolled back at the end, and the bot wired to a fake Telegram Bot API."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import TypeHandler

from bot.application import (
    ClinicApplication,
    build_application,
    start_services,
    stop_services,
)
from bot.context import Services
from bot.jobs import KICK_JOB
from bot.settings import Settings, settings_from_env
from db.clock import FrozenClock
from db.engine import make_engine
from db.migrate import upgrade_to_head
from tests.fake_telegram import TOKEN, ChatUser, FakeRequest, FakeTelegram

JWT_SECRET = "k7Qm2xV9pL4sR8tW1yZ6bN3cF5hJ0dGa"
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Madrid


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _connect_creating(url: str) -> psycopg.Connection[Any]:
    """Connect to ``url``'s database, creating it first when the server does not have it."""
    try:
        return psycopg.connect(_conninfo(url), autocommit=True)
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    database = make_url(url).database
    server = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_conninfo(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    return psycopg.connect(_conninfo(url), autocommit=True)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this run, dropped at the end."""
    base = os.environ.get("TEST_DATABASE_URL")
    server = None
    if not base:
        import pgserver

        tmp = Path(tempfile.mkdtemp(prefix="clinic-test-pg-"))
        server = pgserver.get_server(tmp, cleanup_mode="delete")
        base = server.get_uri("postgres")
    name = f"clinic_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = _connect_creating(base)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        if server is not None:
            server.cleanup()


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    upgrade_to_head(database_url)
    return database_url


@pytest.fixture(scope="session")
def template_url(database_url: str) -> Iterator[str]:
    """A database at the newest schema that :func:`scratch_database` copies."""
    name = f"{make_url(database_url).database}_template"
    with psycopg.connect(_conninfo(database_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade_to_head(url)
    try:
        yield url
    finally:
        with psycopg.connect(_conninfo(database_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_database(database_url: str, template_url: str) -> Iterator[str]:
    """An empty clinic database of the test's own, at the newest schema, dropped afterwards:
    for real bot processes, which commit and run on the real clock."""
    name = f"{make_url(database_url).database}_{secrets.token_hex(4)}"
    template = make_url(template_url).database
    with psycopg.connect(_conninfo(database_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_conninfo(database_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(migrated_url, pool_size=25, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection whose outer transaction is rolled back after the test."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            await outer.rollback()


class SerialSession(AsyncSession):
    """A session on the test's one connection; sessions take turns, as each would have its own
    connection in production (PTB flushes persistence concurrently, for one)."""

    def __init__(self, *args: Any, lock: asyncio.Lock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = lock

    async def __aenter__(self) -> SerialSession:
        await self._turn.acquire()
        return await super().__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        try:
            await super().__aexit__(*exc)  # type: ignore[arg-type]
        finally:
            self._turn.release()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        class_=SerialSession,
        lock=asyncio.Lock(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "CLINIC_TIMEZONE": "Europe/Madrid",
    }
    env.update(overrides)
    return settings_from_env(env)


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    return make_settings(migrated_url)


@pytest.fixture
def services(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


@dataclass
class Harness:
    """The bot under test, its fake Telegram, and the people talking to it."""

    services: Services
    telegram: FakeTelegram
    app: ClinicApplication
    errors: list[BaseException] = field(default_factory=list)
    _next_user: int = 100_000

    @property
    def clock(self) -> FrozenClock:
        assert isinstance(self.services.clock, FrozenClock)
        return self.services.clock

    def user(
        self, name: str = "Ana", language: str = "en", user_id: int | None = None
    ) -> ChatUser:
        if user_id is None:
            self._next_user += 1
            user_id = self._next_user
        return ChatUser(self.telegram, self.app, user_id, first_name=name, language_code=language)

    def rebind(self, chat: ChatUser) -> ChatUser:
        chat.application = self.app
        return chat

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database."""
        await stop_services(self.app)
        await self.app.shutdown()
        self.app = _build(self.services, self.telegram, self.errors)
        await self.app.initialize()

    async def session(self) -> AsyncSession:
        return self.services.session_factory()

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.services.session_factory() as s:
            return (await s.execute(text(sql), params)).scalar()


def _build(
    services: Services, telegram: FakeTelegram, errors: list[BaseException]
) -> ClinicApplication:
    app = build_application(
        services, request=FakeRequest(telegram), polling=False, rate_limiter=False
    )

    async def record(update: object, context: Any) -> None:
        errors.append(context.error)

    async def deliver_kicked(update: object, context: Any) -> None:
        """What the job queue does right after an update whose change queued deliveries (it
        is not running in these tests): one delivery pass, before the test looks."""
        assert app.job_queue is not None
        kicked = app.job_queue.get_jobs_by_name(KICK_JOB)
        for job in kicked:
            job.schedule_removal()
        if kicked:
            await kicked[0].run(app)

    app.add_error_handler(record)
    app.add_handler(TypeHandler(object, deliver_kicked), group=1)
    return app


@pytest.fixture
async def harness(services: Services) -> AsyncIterator[Harness]:
    telegram = FakeTelegram()
    errors: list[BaseException] = []
    app = _build(services, telegram, errors)
    await app.initialize()
    await start_services(app)
    h = Harness(services=services, telegram=telegram, app=app, errors=errors)
    try:
        yield h
    finally:
        await stop_services(h.app)
        await h.app.shutdown()
    assert not h.errors, f"handlers raised: {h.errors!r}"
