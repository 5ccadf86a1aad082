"""The reminder's one relative-time phrase, end to end through the bot (and the in-process SMTP
server).

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; a doctor made by ``make_doctor``
works Mon–Fri 09:00–17:00 in 30-minute slots; the cancellation window is 2 hours; reminders go
24 h and 1 h before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from alembic import command
from sqlalchemy import select

from bot.formatting import lead_phrase, reminder_lead
from bot.jobs import deliver_pending
from bot.mailer import Mailer
from db.migrate import alembic_config
from db.models import Appointment, User
from tests.conftest import Harness, make_settings
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message
from tests.smtp_server import SmtpTestServer

WED_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wed 2 Dec, 10:00 in Madrid
TODAY_10_30 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 1 h 30 min after the test's start
IDENTITY = {
    "CLINIC_NAME": "Clínica Sol & Mar",
    "CLINIC_ADDRESS": "Calle Mayor 1, Madrid",
    "CLINIC_PHONE": "+34 910 123 456",
    "CLINIC_MAP_URL": "https://maps.example.com/?q=Calle+Mayor+1&z=17",
}


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpTestServer]:
    server = SmtpTestServer(security="starttls")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _identify(h: Harness, **env: str) -> None:
    """Run the bot with the clinic's identity read from ``env`` (as from the environment)."""
    url = h.services.settings.database_url
    assert url is not None
    h.services.settings = make_settings(url, **env)


async def _patient(
    h: Harness, email: str = "ana@example.com", name: str = "Ana García", language: str = "en"
) -> tuple[ChatUser, User]:
    user = await make_user(h.services, email, name=name, language=language)
    chat = h.user(name.split()[0], language)
    await log_in_chat(chat, email)
    return chat, user


async def _appointment(h: Harness, appointment_id: int) -> Appointment:
    async with h.services.session_factory() as s:
        row = await s.get(Appointment, appointment_id)
        assert row is not None
        return row


async def _only_appointment(h: Harness) -> Appointment:
    async with h.services.session_factory() as s:
        [row] = (await s.scalars(select(Appointment))).all()
        return row


def _answer(h: Harness) -> str:
    return str(h.telegram.answers[-1].get("text"))


def _rows(message: Message) -> list[list[str]]:
    return [[button["text"] for button in row] for row in message.buttons]


async def _remind(h: Harness) -> int:
    return await deliver_pending(h.app.bot, h.services)


# --- one relative-time phrase -------------------------------------------------------------------


def test_the_phrase_comes_from_the_offset_unless_sent_late() -> None:
    hours24 = timedelta(hours=24)
    assert reminder_lead(hours24, hours24) == hours24
    assert reminder_lead(hours24, timedelta(hours=20, minutes=47)) == timedelta(hours=21)
    assert reminder_lead(hours24, hours24 - timedelta(minutes=70)) == hours24  # a slow send
    assert reminder_lead(timedelta(hours=1), timedelta(minutes=30)) == timedelta(minutes=30)
    assert reminder_lead(timedelta(hours=1), timedelta(minutes=2)) == timedelta(minutes=2)
    phrases = {
        timedelta(minutes=1): ("1 minute", "1 minuto"),
        timedelta(minutes=30): ("30 minutes", "30 minutos"),
        timedelta(hours=1): ("1 hour", "1 hora"),
        timedelta(minutes=90): ("1 hour and 30 minutes", "1 hora y 30 minutos"),
        timedelta(hours=24): ("24 hours", "24 horas"),
        timedelta(days=2): ("2 days", "2 días"),
        timedelta(days=2, hours=3, minutes=5): (
            "2 days, 3 hours and 5 minutes",
            "2 días, 3 horas y 5 minutos",
        ),
    }
    for amount, (en, es) in phrases.items():
        assert (lead_phrase("en", amount), lead_phrase("es", amount)) == (en, es)


async def test_chat_and_email_say_the_same_lead(harness: Harness, smtp: SmtpTestServer) -> None:
    harness.services.mailer = Mailer(smtp.config())
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    thu_15 = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thu 3 Dec, 15:00 in Madrid
    for starts_at in (WED_10, thu_15):
        await book_directly(
            harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=starts_at
        )
    await _remind(harness)  # the bookings' confirmations
    await smtp.wait_for_messages(2)
    # On time, give or take the scan: both say the offset.
    harness.clock.set(WED_10 - timedelta(hours=24) + timedelta(seconds=50))
    await _remind(harness)
    assert "is in 24 hours." in ana.last.text
    email = (await smtp.wait_for_messages(3))[2].message
    assert " in 24 hours, on Wed 2 Dec 2026 at 10:00" in str(email["Subject"])
    body = email.get_body(("plain",))
    assert body is not None and "Your appointment at Clinic is in 24 hours." in body.get_content()
    # Sent late (the bot was down for a day): both say the time really left.
    harness.clock.set(thu_15 - timedelta(hours=3, minutes=10))
    await _remind(harness)
    assert "is in 3 hours." in ana.last.text
    email = (await smtp.wait_for_messages(4))[3].message
    assert " in 3 hours, on Thu 3 Dec 2026 at 15:00" in str(email["Subject"])


# --- the migration -------------------------------------------------------------------------------


def test_the_migration_goes_down_and_up_again(scratch_database: str) -> None:
    config = alembic_config(scratch_database)
    command.downgrade(config, "0009")
    with psycopg.connect(scratch_database) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'appointments' AND column_name IN "
            "('reason', 'confirmed_at', 'arrived_at')"
        ).fetchall()
    assert columns == []
    command.upgrade(config, "head")
    with psycopg.connect(scratch_database) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'appointments' AND column_name IN "
            "('reason', 'confirmed_at', 'arrived_at') ORDER BY column_name"
        ).fetchall()
    assert columns == [("arrived_at",), ("confirmed_at",), ("reason",)]
