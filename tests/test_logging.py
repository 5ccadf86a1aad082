"""What the bot writes to its log at LOG_LEVEL=DEBUG: the clinic's own debug lines, and never a
user's message, a password, an invite token, a JWT or the bot token, from any logger."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Services
from bot.runtime import configure_logging
from db.clock import SystemClock
from db.doctors import create_invite
from db.engine import make_session_factory
from db.models import Chat, ChatSession, Doctor, LoginFailure, Specialty, User
from tests.conftest import JWT_SECRET, START, Harness, make_settings
from tests.factories import make_doctor
from tests.fake_telegram import TOKEN, ChatUser, FakeBotApiServer, FakeTelegram
from tests.smtp_server import free_port

NAME = "Ana García"
EMAIL = "ana.garcia@example.com"
TYPED_EMAIL = "  Ana.Garcia@Example.COM "
PASSWORD = "s3cret-pass-Ana"
DOCTOR_EMAIL = "house@example.com"
DOCTOR_PASSWORD = "vicodin-and-puzzles"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Logging as it was before the test (handlers and every logger's level)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = logging.Logger.manager.loggerDict
    levels = {name: lg.level for name, lg in loggers.items() if isinstance(lg, logging.Logger)}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, lg in list(loggers.items()):
            if isinstance(lg, logging.Logger):
                lg.setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture
def debug_log(migrated_url: str, restored_logging: None) -> Callable[[], str]:
    """Logging set up as ``clinic-bot run`` sets it up at LOG_LEVEL=DEBUG (before the bot and
    its database connections exist), with the process's stderr read into a buffer; what has
    been written to it so far."""
    settings = make_settings(migrated_url, LOG_LEVEL="DEBUG")
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        configure_logging(settings, settings.database_url)
        configure_logging(settings, migrated_url)
    return stderr.getvalue


async def test_a_debug_log_of_register_login_and_invite_holds_no_secret(
    debug_log: Callable[[], str], harness: Harness
) -> None:
    ana = harness.user("Ana")
    await ana.send("/register")
    await ana.send(NAME)
    await ana.send(TYPED_EMAIL)
    await ana.send(PASSWORD)
    assert "account is ready, Ana García" in (await ana.send("Skip"))[-1].text
    await ana.send("/logout")
    await ana.send("/login")
    await ana.send(TYPED_EMAIL)
    assert "Logged in as Ana García" in (await ana.send(PASSWORD))[-1].text

    doctor = await make_doctor(harness.services, DOCTOR_EMAIL, password=None)
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)
    greg = harness.user("Greg")
    assert "Welcome, Dr. Gregory House" in (await greg.send(f"/start inv_{token}"))[-1].text
    assert "Your password is set" in (await greg.send(DOCTOR_PASSWORD))[-1].text

    async with harness.services.session_factory() as s:
        jwts = list(await s.scalars(select(ChatSession.token)))
    assert len(jwts) == 3  # Ana's registration and login, and the doctor's invite

    log = debug_log()
    secrets = {
        "password": PASSWORD,
        "doctor's password": DOCTOR_PASSWORD,
        "invite token": token,
        "bot token": TOKEN,
        "name": NAME,
        "email": EMAIL,
        "typed email": TYPED_EMAIL.strip(),
        "doctor's email": DOCTOR_EMAIL,
    }
    secrets.update({f"JWT {n}": jwt for n, jwt in enumerate(jwts)})
    leaked = {what: value for what, value in secrets.items() if value in log}
    assert not leaked, f"in the log: {sorted(leaked)}"
    # Operators still get the clinic's own debug lines.
    assert " DEBUG db.accounts: " in log


def test_library_errors_keep_their_words_but_not_the_data_they_carry(
    debug_log: Callable[[], str],
) -> None:
    update = {"update_id": 1, "message": {"text": PASSWORD, "from": {"first_name": NAME}}}
    logging.getLogger("telegram.ext.Updater").critical(
        "Error while parsing updates! Received data was %r", [update]
    )
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
    try:
        raise ValueError(f"cannot read /start inv_AbCdEfGh12345678 with {jwt} for {EMAIL}")
    except ValueError:
        logging.getLogger("telegram.ext.Application").exception("An error was raised")

    log = debug_log()
    assert "CRITICAL telegram.ext.Updater: Error while parsing updates! Received data was" in log
    assert "ERROR telegram.ext.Application: An error was raised" in log
    assert "ValueError: cannot read /start inv_*** with *** for ***@example.com" in log
    for secret in (PASSWORD, NAME, "inv_AbCdEfGh12345678", jwt, EMAIL):
        assert secret not in log


# --- The real process ----------------------------------------------------------------------------

RUN_DOMAIN = "logs.example"
RUN_SPECIALTY = "Log-free Dermatology"
ROOT = Path(__file__).resolve().parents[1]


async def _remove_run_data(services: Services, emails: list[str], chats: list[int]) -> None:
    async with services.transaction() as s:
        ours = select(User.id).where(User.email.in_(emails)).scalar_subquery()
        await s.execute(delete(Doctor).where(Doctor.user_id.in_(ours)))  # hours
        await s.execute(delete(User).where(User.email.in_(emails)))  # sessions, invites
        await s.execute(delete(Specialty).where(Specialty.name == RUN_SPECIALTY))
        await s.execute(delete(Chat).where(Chat.chat_id.in_(chats)))
        await s.execute(delete(LoginFailure).where(LoginFailure.email.in_(emails)))


async def test_clinic_bot_run_at_debug_logs_no_secret(
    migrated_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    """The real process, polling a Bot API server on 127.0.0.1: the updates carrying the
    password and the invite token pass through the library's polling and dispatch."""
    services = Services(
        settings=make_settings(migrated_url),
        session_factory=make_session_factory(engine),
        clock=SystemClock(),  # the process under test runs on the real clock
    )
    email, doctor_email = f"ana@{RUN_DOMAIN}", f"doc@{RUN_DOMAIN}"
    patient, doctor = ChatUser(FakeTelegram(), None, 881_001), 881_002
    telegram = patient.telegram
    doctor_chat = ChatUser(telegram, None, doctor)
    try:
        made = await make_doctor(
            services, doctor_email, specialty=RUN_SPECIALTY, password=None, name="Dr. Run"
        )
        async with services.transaction() as s:
            token = await create_invite(
                s, user_id=made.user_id, created_by=None, now=services.clock.now()
            )
        server = FakeBotApiServer(telegram)
        await server.start()
        env = {
            **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}},
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": server.url,
            "DATABASE_URL": migrated_url,
            "JWT_SECRET": JWT_SECRET,
            "PORT": str(free_port()),
            "LOG_LEVEL": "DEBUG",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60

        async def say(chat: ChatUser, text: str, expect: str) -> None:
            seen = len(telegram.bot_messages(chat.chat_id))
            telegram.queue_update(chat.message_update(text))
            while not any(expect in m.text for m in telegram.bot_messages(chat.chat_id)[seen:]):
                assert loop.time() < deadline, f"no {expect!r} after {text!r}"
                assert process.returncode is None, "the bot exited"
                await asyncio.sleep(0.05)

        try:
            await say(patient, "/register", "full name")
            await say(patient, NAME, "email address")
            await say(patient, email, "password")
            await say(patient, PASSWORD, "share your phone")
            await say(patient, "Skip", "account is ready")
            await say(patient, "/logout", "logged out")
            await say(patient, "/login", "email address")
            await say(patient, email, "password")
            await say(patient, PASSWORD, "Logged in")
            await say(doctor_chat, f"/start inv_{token}", "Welcome, Dr. Run")
            await say(doctor_chat, DOCTOR_PASSWORD, "Your password is set")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            await server.stop()
        log = stderr.decode()
        assert process.returncode == 0, log
        async with services.session_factory() as s:
            jwts = list(
                await s.scalars(
                    select(ChatSession.token).where(ChatSession.chat_id.in_([881_001, doctor]))
                )
            )
    finally:
        await _remove_run_data(services, [email, doctor_email], [881_001, doctor])

    assert len(jwts) == 3
    assert "Receiving updates by long polling" in log
    secrets = {
        "password": PASSWORD,
        "doctor's password": DOCTOR_PASSWORD,
        "invite token": token,
        "bot token": TOKEN,
        "JWT secret": JWT_SECRET,
        "name": NAME,
        "email": email,
        "doctor's email": doctor_email,
    }
    secrets.update({f"JWT {n}": jwt for n, jwt in enumerate(jwts)})
    leaked = {what: value for what, value in secrets.items() if value in log}
    assert not leaked, f"in the log: {sorted(leaked)}"
    # Operators still get the clinic's own debug lines.
    assert " DEBUG db.accounts: " in log
