"""Every message that matters goes through the outbox: doctors' notices, "the clinic cancelled"
notices and the morning agenda are retried through a Telegram outage and arrive once; a send
whose answer was lost after Telegram took it is tried once more only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.application import ClinicApplication, build_application
from bot.context import Services
from bot.formatting import policy_of
from bot.jobs import deliver_pending, send_agendas_now
from db.booking import Actor, deactivate_and_cancel
from db.models import Delivery, Role, User
from tests.conftest import Harness, make_settings
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, FakeBotApiServer, FakeTelegram

# The test clock is Tuesday 2026-12-01 09:00 in Madrid.
WED_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def _run(h: Harness) -> int:
    return await deliver_pending(h.app.bot, h.services)


async def _rows(h: Harness, kind: str) -> list[Delivery]:
    async with h.services.session_factory() as s:
        return list((await s.scalars(select(Delivery).where(Delivery.kind == kind))).all())


def _count(chat: ChatUser, text: str) -> int:
    return sum(text in message for message in chat.texts())


async def test_notices_wait_out_a_telegram_outage_and_arrive_once(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com", name="Dr. House")
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. Wilson")
    house_chat = harness.user("House")
    await log_in_chat(house_chat, "house@example.com")
    patients = []
    for i in range(4):
        patient = await make_user(harness.services, f"p{i}@example.com", name=f"Pat {i}")
        chat = harness.user(f"Pat{i}")
        await log_in_chat(chat, f"p{i}@example.com")
        await book_directly(
            harness.services,
            patient_id=patient.id,
            doctor_id=wilson.user_id,
            starts_at=WED_10 + timedelta(minutes=30 * i),
        )
        patients.append(chat)
    await _run(harness)  # Wilson's booking notices (he has no chat with the bot)
    admin = await make_user(harness.services, "boss@example.com", role=Role.ADMIN)

    harness.telegram.outages["sendMessage"] = 500  # Telegram fails every send for a while
    ana = await make_user(harness.services, "ana@example.com", name="Ana Booker")
    await book_directly(
        harness.services, patient_id=ana.id, doctor_id=house.user_id, starts_at=WED_10
    )
    async with harness.services.transaction() as s:
        outcome = await deactivate_and_cancel(
            s,
            doctor_id=wilson.user_id,
            newest_shown=10**9,
            actor=Actor(admin.id, Role.ADMIN),
            policy=policy_of(harness.services.settings),
            now=harness.clock.now(),
        )
    assert len(outcome.cancelled) == 4
    await _run(harness)
    assert _count(house_chat, "New appointment: Ana Booker") == 0
    assert all(_count(chat, "The clinic cancelled") == 0 for chat in patients)
    waiting = await _rows(harness, "clinic_cancelled") + await _rows(harness, "doctor_booked")
    assert {d.status for d in waiting if d.recipient_id != wilson.user_id} == {"pending"}
    assert all(
        "Internal Server Error" in (d.last_error or "") for d in waiting if d.status == "pending"
    )

    del harness.telegram.outages["sendMessage"]  # Telegram is back
    harness.clock.advance(timedelta(minutes=1))
    await _run(harness)
    harness.clock.advance(timedelta(minutes=10))
    await _run(harness)  # nothing more
    assert _count(house_chat, "New appointment: Ana Booker") == 1
    for i, chat in enumerate(patients):
        assert _count(chat, "The clinic cancelled your appointment with Dr. Wilson") == 1, i
    # The deactivated doctor is not told of each cancellation.
    assert await _rows(harness, "doctor_cancelled") == []


async def test_an_agenda_that_fails_is_retried(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com", name="Dr. House")
    patient = await make_user(harness.services, "ana@example.com", name="Ana")
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    doc_chat = harness.user("House")
    await log_in_chat(doc_chat, "house@example.com")
    await _run(harness)  # the booking's notice
    harness.clock.set(datetime(2026, 12, 2, 6, 30, tzinfo=UTC))  # 07:30 in Madrid
    harness.telegram.fail_next("sendMessage", 500, "Internal Server Error")
    assert await send_agendas_now(harness.app.bot, harness.services) == 1
    assert _count(doc_chat, "Good morning") == 0
    (agenda,) = await _rows(harness, "agenda")
    assert (agenda.status, agenda.recipient_id) == ("pending", doctor.user_id)
    assert await send_agendas_now(harness.app.bot, harness.services) == 0  # queued once a day

    harness.clock.advance(timedelta(minutes=1))
    await _run(harness)
    assert _count(doc_chat, "☀️ Good morning, Dr. House.") == 1
    assert "10:00–10:30 Ana" in doc_chat.last.text
    harness.clock.advance(timedelta(minutes=10))
    await send_agendas_now(harness.app.bot, harness.services)
    await _run(harness)
    assert _count(doc_chat, "Good morning") == 1


Http = tuple[Services, ClinicApplication, FakeTelegram]


@pytest.fixture
async def over_http(services: Services, migrated_url: str) -> AsyncIterator[Http]:
    """The bot on its real HTTP stack against a Bot API server on 127.0.0.1; one reminder an
    hour before each appointment."""
    telegram = FakeTelegram()
    server = FakeBotApiServer(telegram)
    await server.start()
    live = Services(
        settings=make_settings(migrated_url, TELEGRAM_API_URL=server.url, REMINDER_OFFSETS="1h"),
        session_factory=services.session_factory,
        clock=services.clock,
    )
    app = build_application(live, polling=False, rate_limiter=False)
    await app.initialize()
    try:
        yield live, app, telegram
    finally:
        await app.shutdown()
        await server.stop()


async def test_a_send_whose_answer_was_lost_is_tried_once_more_only(
    over_http: Http,
) -> None:
    services, app, telegram = over_http
    doctor = await make_doctor(services, "house@example.com")
    chats = {}
    for name, starts in (("ana", WED_10), ("bob", WED_10 + timedelta(hours=1))):
        patient = await make_user(services, f"{name}@example.com", name=name.title())
        chats[name] = 610_000 + patient.id
        async with services.transaction() as s:
            await s.execute(
                update(User).where(User.id == patient.id).values(last_chat_id=chats[name])
            )
        await book_directly(
            services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=starts
        )
    await deliver_pending(app.bot, services)  # the bookings' notices and confirmations

    def reminders(name: str) -> int:
        return sum("Reminder" in m.text for m in telegram.bot_messages(chats[name]))

    # Ana's reminder: Telegram takes it, and the connection is cut before the answer.
    services.clock.set(WED_10 - timedelta(hours=1))  # type: ignore[attr-defined]
    telegram.cuts["sendMessage"] = 1
    await deliver_pending(app.bot, services)
    assert reminders("ana") == 1
    services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await deliver_pending(app.bot, services)
    assert reminders("ana") == 2  # the one way a reminder arrives twice
    # Bob's: the answer is lost twice; it is not sent a third time.
    services.clock.set(WED_10)  # type: ignore[attr-defined]
    telegram.cuts["sendMessage"] = 2
    for _ in range(3):
        await deliver_pending(app.bot, services)
        services.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    assert reminders("bob") == 2
    async with services.session_factory() as s:
        rows = {
            (d.recipient_id, d.status, d.attempts, d.uncertain)
            for d in await s.scalars(
                select(Delivery).where(
                    Delivery.kind == "reminder",
                    Delivery.channel == "telegram",
                    Delivery.offset_minutes == 60,
                )
            )
        }
        failed = await s.scalar(
            select(Delivery.last_error).where(
                Delivery.kind == "reminder", Delivery.status == "failed"
            )
        )
    assert {(status, attempts, uncertain) for _, status, attempts, uncertain in rows} == {
        ("sent", 2, True),
        ("failed", 2, True),
    }
    assert failed and failed.startswith("may have arrived, not sent again")
