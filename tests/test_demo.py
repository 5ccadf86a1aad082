"""``clinic-bot seed-demo`` run as a real process against the test database: what a newcomer sees,
from the terminal to a demo doctor logging in with the printed link."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import build_application
from bot.context import Services
from bot.demo import DEMO_DOCTORS
from db.clock import SystemClock
from db.doctors import hash_invite, list_doctors, weekly_hours
from db.engine import make_session_factory
from db.models import (
    Appointment,
    Chat,
    ChatSession,
    Doctor,
    Invite,
    Specialty,
    TimeOff,
    User,
    WorkingHours,
)
from tests.conftest import JWT_SECRET, make_settings
from tests.fake_telegram import (
    BOT_USERNAME,
    TOKEN,
    ChatUser,
    FakeBotApiServer,
    FakeRequest,
    FakeTelegram,
)
from tests.test_cli import run_cli

DEMO_DOMAIN = "%@demo.clinic.invalid"
DOCTOR_CHAT = 880_000_001
COMMAND = re.compile(r"^    /start (inv_[A-Za-z0-9_-]+)$", re.MULTILINE)
LINK = re.compile(rf"^    https://t\.me/{BOT_USERNAME}\?start=(inv_[A-Za-z0-9_-]+)$", re.MULTILINE)


@pytest.fixture
async def committed(engine: AsyncEngine) -> AsyncIterator[Services]:
    """Services on the real engine, so what the CLI commits is visible; everything the demo
    created (and the chat that used it) is removed afterwards."""
    services = Services(
        settings=make_settings(engine.url.render_as_string(hide_password=False)),
        session_factory=make_session_factory(engine),
        clock=SystemClock(),
    )
    async with services.session_factory() as s:
        specialties_before = set((await s.scalars(select(Specialty.name))).all())
    yield services
    demo_specialties = {demo.specialty for demo in DEMO_DOCTORS} - specialties_before
    async with services.transaction() as s:
        ids = list((await s.scalars(select(User.id).where(User.email.like(DEMO_DOMAIN)))).all())
        booked = await s.scalar(
            select(func.count()).where(
                or_(Appointment.doctor_id.in_(ids), Appointment.patient_id.in_(ids))
            )
        )
        assert booked == 0, "the demo creates no appointments"
        await s.execute(delete(WorkingHours).where(WorkingHours.doctor_id.in_(ids)))
        await s.execute(delete(TimeOff).where(TimeOff.doctor_id.in_(ids)))
        await s.execute(delete(Invite).where(Invite.user_id.in_(ids)))
        await s.execute(delete(ChatSession).where(ChatSession.user_id.in_(ids)))
        await s.execute(delete(Doctor).where(Doctor.user_id.in_(ids)))
        await s.execute(delete(User).where(User.id.in_(ids)))
        await s.execute(delete(Specialty).where(Specialty.name.in_(demo_specialties)))
        await s.execute(delete(Chat).where(Chat.chat_id == DOCTOR_CHAT))


def _env(url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "JWT_SECRET": JWT_SECRET,
        "CLINIC_TIMEZONE": "Europe/Madrid",
        **extra,
    }


async def _seed(tmp_path: Path, env: dict[str, str]) -> str:
    # In a thread: the fake Bot API server answering getMe runs on this event loop.
    result = await asyncio.to_thread(run_cli, "seed-demo", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _open_invites(services: Services, email: str) -> list[Invite]:
    async with services.session_factory() as s:
        return list(
            (
                await s.scalars(
                    select(Invite)
                    .join(User, User.id == Invite.user_id)
                    .where(
                        User.email == email,
                        Invite.used_at.is_(None),
                        Invite.expires_at > services.clock.now(),
                    )
                )
            ).all()
        )


async def test_seed_demo_twice_then_a_doctor_accepts(
    committed: Services, migrated_url: str, tmp_path: Path
) -> None:
    # --- first run, without a bot token: the /start commands to send ------------------------
    first = await _seed(tmp_path, _env(migrated_url))
    assert first.startswith(
        "Demo clinic: created 4 of 4 doctors.\n4 specialties, 4 doctors; times in Europe/Madrid."
    )
    assert "TELEGRAM_BOT_TOKEN is not set" in first
    for demo, expected_hours in zip(
        DEMO_DOCTORS,
        [
            "Mon–Fri 09:00–13:00, 16:00–20:00",
            "Mon–Fri 09:00–17:00",
            "Mon–Fri 09:00–17:00; Sat 09:00–13:00",
            "Mon–Thu 08:00–15:00",
        ],
        strict=True,
    ):
        assert (
            f"{demo.name} — {demo.specialty}, {demo.slot_minutes}-min appointments\n"
            f"  email: {demo.email}\n"
            f"  hours: {expected_hours}\n"
            f"  invite (one use), expires "
        ) in first
    commands = COMMAND.findall(first)
    assert len(commands) == 4 and len(set(commands)) == 4
    assert "https://t.me/" not in first
    assert "No passwords were created" in first
    assert "The demo doctors are marked ready: patients can book them" in first

    async with committed.session_factory() as s:
        doctors = [d for d in await list_doctors(s) if d.email.endswith("@demo.clinic.invalid")]
        assert sorted(d.specialty for d in doctors) == [
            "Cardiology", "Dermatology", "General practice", "Pediatrics",
        ]  # fmt: skip
        assert sorted(d.slot_minutes for d in doctors) == [15, 20, 30, 45]
        assert not any(d.has_password for d in doctors) and all(d.active for d in doctors)
        # Marked ready, so patients can book them before any invite is accepted.
        assert all(d.bookable for d in doctors)
        by_email = {d.email: d for d in doctors}
        for demo in DEMO_DOCTORS:
            hours = await weekly_hours(s, by_email[demo.email].user_id)
            assert hours == sorted(demo.hours, key=lambda r: (r.weekday, r.start_minute))
        hashes = set((await s.scalars(select(Invite.token_hash))).all())
    assert {hash_invite(c.removeprefix("inv_")) for c in commands} <= hashes
    for command in commands:  # only the hash is stored
        leaks = await _count_raw(committed, command.removeprefix("inv_"))
        assert leaks == 0

    # --- a demo doctor sends the printed command to the bot and sets a password --------------
    lucia_command = commands[0]
    telegram = FakeTelegram()
    app = build_application(
        committed, request=FakeRequest(telegram), polling=False, rate_limiter=False
    )
    await app.initialize()
    try:
        lucia = ChatUser(telegram, app, DOCTOR_CHAT, first_name="Lucía")
        welcome = await lucia.send(f"/start {lucia_command}")
        assert "Welcome, Dr. Lucía Fernández" in welcome[-1].text
        done = await lucia.send("demo-doctor-password")
        assert "logged in as Dr. Lucía Fernández (doctor)" in done[-1].text
        assert "Mon–Fri 09:00–13:00, 16:00–20:00" in done[-1].text
        await lucia.send("/logout")
    finally:
        await app.shutdown()

    # --- second run, with a bot token: links; nothing created twice --------------------------
    api = FakeBotApiServer(FakeTelegram())
    await api.start()
    try:
        second = await _seed(
            tmp_path, _env(migrated_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url)
        )
    finally:
        await api.stop()
    assert api.requests >= 1  # getMe, for the bot's username
    assert second.startswith(
        "Demo clinic: already there, nothing created twice.\n4 specialties, 4 doctors;"
    )
    assert (
        "Dr. Lucía Fernández — General practice, 15-min appointments\n"
        "  email: lucia.fernandez@demo.clinic.invalid\n"
        "  hours: Mon–Fri 09:00–13:00, 16:00–20:00\n"
        "  has accepted the invite and set a password: logs in with /login\n"
    ) in second
    links = LINK.findall(second)
    assert len(links) == 3 and not set(links) & set(commands)
    assert all(len(link) <= 64 for link in links)
    assert TOKEN not in second
    async with committed.session_factory() as s:
        demo_users = await s.scalar(
            select(func.count()).select_from(User).where(User.email.like(DEMO_DOMAIN))
        )
        specialties = (await s.scalars(select(Specialty.name))).all()
        passwords = (
            await s.scalars(
                select(User.email).where(
                    User.email.like(DEMO_DOMAIN), User.password_hash.is_not(None)
                )
            )
        ).all()
    assert demo_users == 4
    for demo in DEMO_DOCTORS:
        assert specialties.count(demo.specialty) == 1
    assert passwords == ["lucia.fernandez@demo.clinic.invalid"]  # the one she chose
    # Each pending doctor has exactly one live invite: the new one (the first run's is void).
    for demo, link in zip(DEMO_DOCTORS[1:], links, strict=True):
        (live,) = await _open_invites(committed, demo.email)
        assert live.token_hash == hash_invite(link.removeprefix("inv_"))
    assert await _open_invites(committed, DEMO_DOCTORS[0].email) == []


async def test_seed_demo_refuses_a_token_telegram_rejects(
    committed: Services, migrated_url: str, tmp_path: Path
) -> None:
    api = FakeBotApiServer(FakeTelegram())
    await api.start()
    try:
        result = await asyncio.to_thread(
            run_cli,
            "seed-demo",
            env=_env(
                migrated_url,
                TELEGRAM_BOT_TOKEN="123456:AAWrongTokenWrongTokenWrong",
                TELEGRAM_API_URL=api.url,
            ),
            cwd=tmp_path,
        )
    finally:
        await api.stop()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "clinic-bot: configuration error: TELEGRAM_BOT_TOKEN: Telegram rejected this token; "
        "copy it again from @BotFather"
    )
    assert "AAWrongToken" not in result.stdout + result.stderr
    async with committed.session_factory() as s:
        created = await s.scalar(
            select(func.count()).select_from(User).where(User.email.like(DEMO_DOMAIN))
        )
    assert created == 0


async def _count_raw(services: Services, token: str) -> int:
    """Invite rows holding the raw token anywhere."""
    async with services.session_factory() as s:
        found = await s.scalar(
            text("SELECT count(*) FROM invites i WHERE position(:raw in i::text) > 0"),
            {"raw": token},
        )
    return int(found or 0)


async def test_seed_demo_changes_nothing_when_a_demo_email_belongs_to_someone_else(
    committed: Services, migrated_url: str, tmp_path: Path
) -> None:
    taken = DEMO_DOCTORS[1].email
    async with committed.transaction() as s:
        s.add(User(email=taken, name="A patient", role="patient", password_hash=None))
    result = await asyncio.to_thread(run_cli, "seed-demo", env=_env(migrated_url), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"seed-demo: {taken} already belongs to an account that is not a demo doctor; "
        "nothing was changed"
    )
    async with committed.session_factory() as s:
        doctors = [d for d in await list_doctors(s) if d.email.endswith("@demo.clinic.invalid")]
        specialties = (await s.scalars(select(Specialty.name))).all()
    assert doctors == []
    assert "General practice" not in specialties  # created before the clash, then rolled back
