"""Reminders and confirmations: durable rows created with each change, sent by the job over
Telegram and email, never lost, never doubled, never for a cancelled, moved or past one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, update

from bot.application import build_application
from bot.formatting import policy_of
from bot.jobs import deliver_pending, send_agendas_now
from bot.mailer import Mailer
from db.booking import Actor, cancel, reschedule
from db.deliveries import claim_due, sync_offsets
from db.models import Appointment, Channel, Delivery, DeliveryKind, DeliveryWorker, Role
from db.workers import beat, reap
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import FakeRequest
from tests.smtp_server import SmtpTestServer

# The test clock is Tuesday 2026-12-01 09:00 in Madrid; Wednesday 10:00 is 25 h away.
WED_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpTestServer]:
    server = SmtpTestServer(security="starttls")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def _deliveries(h: Harness, appointment_id: int | None = None) -> list[Delivery]:
    async with h.services.session_factory() as s:
        query = select(Delivery).order_by(Delivery.kind, Delivery.channel, Delivery.offset_minutes)
        if appointment_id is not None:
            query = query.where(Delivery.appointment_id == appointment_id)
        return list((await s.scalars(query)).all())


def _shape(rows: list[Delivery]) -> set[tuple[str, str, int | None, str]]:
    return {(d.kind, d.channel, d.offset_minutes, d.status) for d in rows}


async def _patient_in_chat(h: Harness, email: str = "ana@example.com", name: str = "Ana García"):  # type: ignore[no-untyped-def]
    patient = await make_user(h.services, email, name=name, language="en")
    chat = h.user(name.split()[0])
    await log_in_chat(chat, email)
    return patient, chat


async def _run(h: Harness) -> int:
    return await deliver_pending(h.app.bot, h.services)


async def test_booking_creates_reminders_for_each_offset_and_channel(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    rows = await _deliveries(harness, appt.id)
    assert _shape(rows) == {
        ("reminder", "telegram", 1440, "pending"),
        ("reminder", "email", 1440, "pending"),
        ("reminder", "telegram", 60, "pending"),
        ("reminder", "email", 60, "pending"),
        ("booked", "email", None, "pending"),
        ("doctor_booked", "telegram", None, "pending"),
    }
    # The doctor's notice goes to the doctor; everything else to the patient.
    assert {(d.kind, d.recipient_id) for d in rows if d.recipient_id != patient.id} == {
        ("doctor_booked", doctor.user_id)
    }
    due = {(d.channel, d.offset_minutes): d.due_at for d in rows if d.kind == "reminder"}
    assert due[("telegram", 1440)] == WED_10 - timedelta(hours=24)
    assert due[("email", 60)] == WED_10 - timedelta(hours=1)


async def test_an_offset_already_past_at_booking_is_skipped(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    soon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 3 h away: the 24 h reminder is past
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=soon
    )
    reminders = [d for d in await _deliveries(harness, appt.id) if d.kind == "reminder"]
    assert {d.offset_minutes for d in reminders} == {60}


async def test_due_times_across_a_dst_change(harness: Harness) -> None:
    # Madrid moves from CET to CEST at 02:00 on 2027-03-28: "24 h before" is real time.
    harness.clock.set(datetime(2027, 3, 26, 8, 0, tzinfo=UTC))
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    monday_10_cest = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=monday_10_cest
    )
    rows = {(d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    day_before = rows[("telegram", 1440)].due_at
    assert day_before == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    tz = harness.services.settings.timezone
    assert day_before.astimezone(tz).strftime("%d %H:%M %Z") == "28 10:00 CEST"


async def test_move_recomputes_and_cancel_removes(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    actor = Actor(patient.id, Role.PATIENT)
    policy = policy_of(harness.services.settings)
    new_start = WED_10 + timedelta(days=1)
    async with harness.services.transaction() as s:
        await reschedule(
            s, appointment_id=appt.id, actor=actor, new_start=new_start, policy=policy,
            now=harness.clock.now(),
        )  # fmt: skip
    rows = await _deliveries(harness, appt.id)
    reminders = [d for d in rows if d.kind == "reminder"]
    assert len(reminders) == 4
    assert {d.appointment_version for d in reminders} == {1}
    assert {d.due_at for d in reminders} == {
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=1),
    }
    assert ("rescheduled", "email", None, "pending") in _shape(rows)
    assert ("booked", "email", None, "pending") not in _shape(rows)  # the old confirmation
    moved = next(d for d in rows if d.kind == "doctor_rescheduled")
    assert (moved.recipient_id, moved.previous_starts_at) == (doctor.user_id, WED_10)
    # The patient moved it: no "the clinic moved it" notice for them.
    assert "clinic_rescheduled" not in {d.kind for d in rows}

    async with harness.services.transaction() as s:
        await cancel(
            s, appointment_id=appt.id, actor=actor, policy=policy, now=harness.clock.now()
        )
    # Unsent reminders and confirmations are gone; each notice to the doctor stays (the older
    # ones are settled as superseded when claimed).
    assert _shape(await _deliveries(harness, appt.id)) == {
        ("cancelled", "email", None, "pending"),
        ("doctor_booked", "telegram", None, "pending"),
        ("doctor_rescheduled", "telegram", None, "pending"),
        ("doctor_cancelled", "telegram", None, "pending"),
    }


async def test_reminders_are_sent_on_time_by_chat_and_email(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    doctor = await make_doctor(harness.services, "house@example.com", name="Dr. <b>House</b>")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    assert await _run(harness) == 2  # the confirmation, and the doctor's notice (no chat)
    confirmation = (await smtp.wait_for_messages(1))[0]
    assert confirmation.rcpt_tos == ("ana@example.com",)
    before = len(chat.texts())

    harness.clock.set(WED_10 - timedelta(hours=24, minutes=1))
    assert await _run(harness) == 0  # not due yet

    harness.clock.set(WED_10 - timedelta(hours=24))
    assert await _run(harness) == 2
    reminder = chat.last
    assert len(chat.texts()) == before + 1
    assert reminder.text.startswith("⏰ Reminder: your appointment with Dr. <b>House</b>")
    assert "is in 24 hours" in reminder.text
    assert "Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid)" in reminder.text
    # I'll come, then Cancel / Reschedule; not yet I'm here (the visit is tomorrow).
    assert [[b["callback_data"] for b in row] for row in reminder.buttons] == [
        [f"vi:c:{appt.id}:0"],
        [f"ap:c:{appt.id}", f"ap:r:{appt.id}"],
    ]
    messages = await smtp.wait_for_messages(2)
    email = messages[1].message
    assert "Reminder" in str(email["Subject"])
    assert "in 24 hours" in str(email["Subject"])  # the same phrase as in chat
    ics = next(p for p in email.iter_attachments() if p.get_filename() == "appointment.ics")
    event = next(iter(Calendar.from_ical(ics.get_content()).walk("VEVENT")))
    assert event.decoded("DTSTART") == WED_10
    rows = {(d.kind, d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    assert rows[("reminder", "telegram", 1440)].status == "sent"
    assert rows[("reminder", "email", 1440)].status == "sent"
    assert rows[("reminder", "email", 60)].status == "pending"

    assert await _run(harness) == 0  # nothing twice
    assert len(smtp.messages) == 2


async def test_cancelled_appointment_reminder_is_never_sent(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    # Cancelled behind the use case's back: the job still refuses to remind.
    async with harness.services.transaction() as s:
        await s.execute(
            update(Appointment)
            .where(Appointment.id == appt.id)
            .values(status="cancelled", cancelled_at=harness.clock.now())
        )
    before = len(chat.texts())
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _run(harness)
    assert len(chat.texts()) == before
    reminders = [d for d in await _deliveries(harness, appt.id) if d.kind == "reminder"]
    assert {d.status for d in reminders} == {"skipped"}
    assert {d.last_error for d in reminders} == {"appointment cancelled"}


async def test_downtime_catch_up_sends_only_the_nearest_reminder(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    before = len(chat.texts())
    harness.clock.set(WED_10 - timedelta(minutes=30))  # the bot was down for a day
    await _run(harness)
    assert len(chat.texts()) == before + 1
    assert "is in 30 minutes" in chat.last.text
    rows = {(d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    assert rows[("telegram", 60)].status == "sent"
    assert rows[("telegram", 1440)].status == "skipped"
    assert rows[("telegram", 1440)].last_error == "superseded by a later reminder"
    # Email is off in this harness: recorded as skipped, not failed silently.
    assert rows[("email", 60)].status == "skipped"
    assert rows[("email", 60)].last_error == "email is not configured"


async def test_nothing_is_sent_for_an_appointment_that_has_begun(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    before = len(chat.texts())
    harness.clock.set(WED_10 + timedelta(minutes=5))
    await _run(harness)
    assert len(chat.texts()) == before
    reminders = [d for d in await _deliveries(harness, appt.id) if d.kind == "reminder"]
    assert {d.status for d in reminders} == {"skipped"}


async def test_a_dead_workers_claims_are_taken_over_and_a_live_ones_never(
    harness: Harness,
) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    await _run(harness)  # the booking's confirmation and notice
    harness.clock.set(WED_10 - timedelta(hours=1))
    async with harness.services.transaction() as s:  # a process claims, then dies
        await beat(s, worker_id="gone", label="a process that dies")
        claimed = await claim_due(
            s, worker="gone", channel=Channel.TELEGRAM, now=harness.clock.now()
        )
    assert {c.kind for c in claimed} == {DeliveryKind.REMINDER}
    before = len(chat.texts())
    await _run(harness)
    assert len(chat.texts()) == before  # its claim: nobody else sends it
    takeover = harness.services.settings.delivery_takeover
    async with harness.services.transaction() as s:  # still beating: not dead
        assert await reap(s, me="other", takeover=takeover) == []
        await s.execute(  # its heartbeat stops
            update(DeliveryWorker)
            .where(DeliveryWorker.id == "gone")
            .values(heartbeat_at=func.clock_timestamp() - takeover - timedelta(seconds=1))
        )
        assert await reap(s, me="other", takeover=takeover) == ["gone"]
    await _run(harness)
    assert len(chat.texts()) == before + 1
    sent = [
        d for d in await _deliveries(harness) if d.channel == "telegram" and d.status == "sent"
    ]
    assert len(sent) == 1 and sent[0].attempts == 2 and sent[0].claimed_by is None


async def test_smtp_down_then_up_while_chat_still_goes(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    await smtp.stop()
    harness.clock.set(WED_10 - timedelta(hours=24))
    before = len(chat.texts())
    await _run(harness)
    assert len(chat.texts()) == before + 1  # the chat reminder went anyway
    rows = {(d.kind, d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    email = rows[("reminder", "email", 1440)]
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.last_error and "password" not in email.last_error
    assert email.next_attempt_at == harness.clock.now() + timedelta(minutes=1)

    await smtp.start()
    harness.clock.advance(timedelta(minutes=1))
    await _run(harness)
    rows = {(d.kind, d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    assert rows[("reminder", "email", 1440)].status == "sent"
    assert rows[("booked", "email", None)].status == "sent"
    assert len(smtp.messages) == 2
    assert smtp.connections == 1  # one connection for the batch


async def test_retries_give_up_with_the_error_kept(harness: Harness, smtp: SmtpTestServer) -> None:
    harness.services.mailer = Mailer(smtp.config(password="wrong-password"))
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    for _ in range(6):
        await _run(harness)
        harness.clock.advance(timedelta(hours=1))
    confirmation = next(d for d in await _deliveries(harness, appt.id) if d.kind == "booked")
    assert (confirmation.status, confirmation.attempts) == ("failed", 6)
    assert confirmation.last_error and "535" in confirmation.last_error
    assert "wrong-password" not in confirmation.last_error


async def test_telegram_rate_limit_is_honoured(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    harness.telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7
    )
    harness.clock.set(WED_10 - timedelta(hours=1))
    before = len(chat.texts())
    await _run(harness)
    row = next(
        d
        for d in await _deliveries(harness, appt.id)
        if d.channel == "telegram" and d.offset_minutes == 60
    )
    assert row.status == "pending"
    assert row.next_attempt_at == harness.clock.now() + timedelta(seconds=7)
    assert len(chat.texts()) == before
    harness.clock.advance(timedelta(seconds=7))
    await _run(harness)
    assert len(chat.texts()) == before + 1


async def test_blocked_chat_is_recorded_and_email_still_goes(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    harness.telegram.blocked.add(chat.chat_id)
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _run(harness)
    rows = {(d.kind, d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    blocked = rows[("reminder", "telegram", 60)]
    assert blocked.status == "failed" and "blocked" in (blocked.last_error or "")
    assert blocked.attempts == 1
    assert rows[("reminder", "email", 60)].status == "sent"
    harness.clock.advance(timedelta(hours=2))
    await _run(harness)
    rows = {(d.kind, d.channel, d.offset_minutes): d for d in await _deliveries(harness, appt.id)}
    assert rows[("reminder", "telegram", 60)].attempts == 1  # not retried


async def test_changed_offsets_apply_to_upcoming_appointments(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient = await make_user(harness.services, "ana@example.com")
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    async with harness.services.transaction() as s:
        created, dropped = await sync_offsets(
            s, (timedelta(hours=2), timedelta(hours=1)), harness.clock.now()
        )
    assert (created, dropped) == (2, 2)
    reminders = [d for d in await _deliveries(harness, appt.id) if d.kind == "reminder"]
    assert sorted({d.offset_minutes for d in reminders}) == [60, 120]
    async with harness.services.transaction() as s:  # the next start changes nothing more
        assert await sync_offsets(
            s, (timedelta(hours=2), timedelta(hours=1)), harness.clock.now()
        ) == (0, 0)


async def test_hostile_names_are_escaped_in_the_chat_reminder(harness: Harness) -> None:
    doctor = await make_doctor(
        harness.services, "house@example.com", name="Dr. <script>alert(1)</script> & Co"
    )
    patient, chat = await _patient_in_chat(harness)
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _run(harness)
    assert "Dr. <script>alert(1)</script> & Co" in chat.last.text  # shown as typed
    assert "&lt;script&gt;" in chat.last.raw  # sent escaped


async def test_doctors_get_their_agenda_once_a_day(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com", name="Dr. House")
    patient = await make_user(
        harness.services, "ana@example.com", name="Ana", phone="+34600111222"
    )
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    doc_chat = harness.user("House")
    await log_in_chat(doc_chat, "house@example.com")
    harness.clock.set(datetime(2026, 12, 2, 6, 0, tzinfo=UTC))  # 07:00 in Madrid: too early
    assert await send_agendas_now(harness.app.bot, harness.services) == 0
    harness.clock.set(datetime(2026, 12, 2, 6, 30, tzinfo=UTC))  # 07:30
    assert await send_agendas_now(harness.app.bot, harness.services) == 1
    assert doc_chat.last.text.startswith("☀️ Good morning, Dr. House.")
    assert "Wednesday 2 December 2026 (Europe/Madrid)" in doc_chat.last.text
    assert "10:00–10:30 Ana (+34 600 11 12 22)" in doc_chat.last.text
    assert await send_agendas_now(harness.app.bot, harness.services) == 0  # once


async def test_admin_sees_delivery_counts_and_failures(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    harness.telegram.blocked.add(chat.chat_id)
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _run(harness)
    await make_user(harness.services, "boss@example.com", name="Boss", role=Role.ADMIN)
    boss = harness.user("Boss")
    await log_in_chat(boss, "boss@example.com")
    report = (await boss.send("/reminders"))[-1].text
    assert "Next 24 h" in report and "Last 24 h" in report
    upcoming, past = report.split("Last 24 h")
    assert "Telegram: 0 pending, 0 sent, 1 failed, 0 skipped" in upcoming  # due now: blocked
    # The superseded 24 h reminder, and the doctor's notice of the booking (no chat with us).
    assert "Telegram: 0 pending, 0 sent, 0 failed, 2 skipped" in past
    assert "blocked" in report
    assert "Email is not configured" in report
    other = harness.user("Pat")
    await make_user(harness.services, "pat@example.com")
    await log_in_chat(other, "pat@example.com")
    assert (await other.send("/reminders"))[-1].text == "That is not available to your account."


async def test_rate_limiter_waits_out_a_429_and_sends(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    patient, chat = await _patient_in_chat(harness)
    await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    limited = build_application(
        harness.services, request=FakeRequest(harness.telegram), polling=False, rate_limiter=True
    )
    await limited.initialize()
    harness.telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1
    )
    harness.clock.set(WED_10 - timedelta(hours=1))
    before = len(chat.texts())
    try:
        await deliver_pending(limited.bot, harness.services)
    finally:
        await limited.shutdown()
    assert len(chat.texts()) == before + 1  # sent in the same run, after waiting
    tries = [
        p
        for p in harness.telegram.calls_of("sendMessage")
        if p["chat_id"] == chat.chat_id and "Reminder" in p["text"]
    ]
    assert len(tries) == 2  # refused once with 429, then sent
    row = next(
        d for d in await _deliveries(harness) if d.channel == "telegram" and d.offset_minutes == 60
    )
    assert (row.status, row.attempts) == ("sent", 1)


async def test_booking_in_chat_sends_the_confirmation_email_at_once(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    await make_doctor(harness.services, "house@example.com")
    _, chat = await _patient_in_chat(harness)
    await chat.send("/book")
    await chat.press("Cardiology")
    await chat.press("House")
    await chat.press("Wed 2 Dec")
    await chat.press("10:00")
    await chat.press("Skip")
    # Confirming queued the email and started a delivery pass at once (the harness runs the
    # job the queue would have run).
    await chat.press("Confirm")
    (message,) = await smtp.wait_for_messages(1)
    assert message.rcpt_tos == ("ana@example.com",)
    ics = next(
        p for p in message.message.iter_attachments() if p.get_filename() == "appointment.ics"
    )
    calendar = Calendar.from_ical(ics.get_content())
    assert calendar["METHOD"] == "REQUEST"
    assert next(iter(calendar.walk("VEVENT"))).decoded("DTSTART") == WED_10
