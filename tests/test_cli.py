"""The command line, run as a real process: configuration errors, migrate, create-admin."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.context import Services
from db.clock import FrozenClock
from db.engine import make_session_factory
from db.models import ChatSession, User
from tests.conftest import JWT_SECRET, START, Harness, make_settings
from tests.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, env: dict[str, str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        check=False,
    )


def test_missing_token_stops_with_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "run", env={"DATABASE_URL": "postgresql://u@h/db", "JWT_SECRET": JWT_SECRET}, cwd=tmp_path
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "clinic-bot: configuration error: TELEGRAM_BOT_TOKEN: is not set; "
        "create a bot with @BotFather and set its token"
    ]


def test_placeholder_secret_stops_with_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "migrate",
        env={
            "DATABASE_URL": "postgresql://u@h/db",
            "JWT_SECRET": "secret123",
            "TELEGRAM_BOT_TOKEN": TOKEN,
        },
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "JWT_SECRET: is too weak" in result.stderr
    assert "secret123" not in result.stderr


def test_migrate_is_idempotent(migrated_url: str, tmp_path: Path) -> None:
    result = run_cli(
        "migrate", env={"DATABASE_URL": migrated_url, "JWT_SECRET": JWT_SECRET}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
    assert JWT_SECRET not in result.stderr


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    """Services on the real engine: what the CLI commits is visible; cleaned up afterwards."""
    services = Services(
        settings=make_settings(str(engine.url.render_as_string(hide_password=False))),
        session_factory=make_session_factory(engine),
        clock=FrozenClock(START),
    )
    yield services
    async with services.transaction() as s:
        ids = (await s.scalars(select(User.id).where(User.email.like("%@cli.example")))).all()
        await s.execute(delete(ChatSession).where(ChatSession.user_id.in_(ids)))
        await s.execute(delete(User).where(User.id.in_(ids)))


async def test_create_admin_then_log_in_in_chat(
    committed: Services, migrated_url: str, tmp_path: Path, harness: Harness
) -> None:
    env = {"DATABASE_URL": migrated_url, "JWT_SECRET": JWT_SECRET}
    result = run_cli(
        "create-admin",
        " Boss@CLI.example ",
        "--name",
        "The Boss",
        env=env,
        stdin="admin-pass-123\n",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Created admin boss@cli.example" in result.stdout
    assert "admin-pass-123" not in result.stdout + result.stderr

    async with committed.session_factory() as s:
        user = await s.scalar(select(User).where(User.email == "boss@cli.example"))
    assert user is not None and user.role == "admin" and user.name == "The Boss"

    boss = harness.user("Boss")
    await boss.send("/login")
    await boss.send("boss@cli.example")
    assert "Logged in as The Boss (admin)" in (await boss.send("admin-pass-123"))[-1].text
    assert "adddoctor" in harness.telegram.menu(boss.chat_id)
    await boss.send("/logout")


async def test_create_admin_promotes_and_refuses_short_passwords(
    committed: Services, migrated_url: str, tmp_path: Path
) -> None:
    async with committed.transaction() as s:
        s.add(User(email="pat@cli.example", name="Pat", role="patient", password_hash="x"))
    env = {"DATABASE_URL": migrated_url, "JWT_SECRET": JWT_SECRET}
    short = run_cli(
        "create-admin", "pat@cli.example", "--name", "Pat", env=env, stdin="short\n", cwd=tmp_path
    )
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
    result = run_cli(
        "create-admin",
        "pat@cli.example",
        "--name",
        "Pat Admin",
        env=env,
        stdin="long-enough-1\n",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Promoted admin pat@cli.example" in result.stdout
    async with committed.session_factory() as s:
        user = await s.scalar(select(User).where(User.email == "pat@cli.example"))
    assert user is not None and user.role == "admin" and user.password_hash != "x"


def test_embedded_database_starts_migrates_and_keeps_its_secret(tmp_path: Path) -> None:
    pytest.importorskip("pgserver", reason="the embedded server is an optional extra")
    env = {"DATA_DIR": str(tmp_path / "data")}
    first = run_cli("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    secret = tmp_path / "data" / "jwt_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    value = secret.read_text()
    assert value not in first.stderr
    second = run_cli("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert secret.read_text() == value
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()


def test_waiting_for_an_unreachable_database_gives_up() -> None:
    import psycopg

    from db.migrate import wait_for_database

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(psycopg.OperationalError):
        wait_for_database(f"postgresql://postgres@127.0.0.1:{port}/clinic", timeout=1)


async def test_run_answers_over_long_polling_and_stops_on_sigterm(
    migrated_url: str, tmp_path: Path
) -> None:
    import asyncio
    import signal

    from tests.fake_telegram import FakeBotApiServer, FakeTelegram

    telegram = FakeTelegram()
    server = FakeBotApiServer(telegram)
    await server.start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}},
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": migrated_url,
        "JWT_SECRET": JWT_SECRET,
        "PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    chat_id = 777_123
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not telegram.calls_of("getUpdates"):
            assert loop.time() < deadline, "the bot never polled"
            assert process.returncode is None, "the bot exited"
            await asyncio.sleep(0.05)
        telegram.queue_update(
            telegram.new_update(
                {
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Ana"},
                        "text": "/start",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                    }
                }
            )
        )
        while not telegram.bot_messages(chat_id):
            assert loop.time() < deadline, "the bot never answered"
            await asyncio.sleep(0.05)
        assert "Welcome" in telegram.bot_messages(chat_id)[0].text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        await server.stop()
    assert process.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "Receiving updates by long polling" in log and "Stopping" in log
    assert TOKEN not in log and JWT_SECRET not in log
