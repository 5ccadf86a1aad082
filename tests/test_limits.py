"""No message the bot builds goes over Telegram's limits, whatever the clinic holds.

A clinic at its largest — hundreds of doctors and patients with 120-character names, a
hundred 80-character specialties, a doctor booked every 15 minutes of a day, hundreds of
entries of time off, long delivery errors — and every list walked through, page by page, in
English and in Spanish. The Bot API stand-in refuses what Telegram refuses (a text over 4096
UTF-16 units, more than 100 buttons or 8 in a row, callback data over 64 bytes, a button
answer over 200 characters), so a screen over a limit fails the test; and no screen may rely
on the last-resort cut of an overlong text either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.jobs import deliver_pending, send_agendas_now
from bot.texts import t
from db.models import (
    Appointment,
    Delivery,
    Doctor,
    Role,
    Specialty,
    TimeOff,
    User,
    WorkingHours,
)
from tests.conftest import START, Harness
from tests.factories import PASSWORD, log_in_chat, make_user, password_hash
from tests.fake_telegram import (
    MAX_CALLBACK_ANSWER,
    MAX_INLINE_BUTTONS,
    MAX_INLINE_ROW,
    MAX_TEXT,
    ChatUser,
    FakeTelegram,
    Message,
    _ApiError,
    telegram_length,
)

MADRID = ZoneInfo("Europe/Madrid")
WEDNESDAY = datetime(2026, 12, 2, tzinfo=MADRID)
THURSDAY = datetime(2026, 12, 3, tzinfo=MADRID)
DOCTORS, SPECIALTIES, CROWDED = 250, 100, 150  # CROWDED doctors share one specialty
TIME_OFF = 300
PAST = 45
FILLER = "Mariángeles de la Santísima Trinidad Fernández-Villaverde y Ortega del Castillo "


def long_name(kind: str, number: int, length: int = 120) -> str:
    """A name of exactly ``length`` characters, told apart by its number (every seventh has
    an emoji, which Telegram counts as two)."""
    head = f"{kind} {number:03d} {'🩺 ' if number % 7 == 0 else ''}"
    name = (head + FILLER * 3)[: length - 1].rstrip()
    return name + "z" * (length - len(name))


def long_email(number: int) -> str:
    """An email of 251 characters (254 at most)."""
    local = (f"doctor.{number:03d}." + "a" * 64)[:64]
    return f"{local}@{'b' * 60}.{'c' * 60}.{'d' * 56}.example"


@dataclass
class Clinic:
    busy: int  # the doctor booked every 15 minutes of Wednesday, with a chat
    free: int  # a doctor with every 15 minutes of Thursday free
    crowded: str  # the specialty of CROWDED doctors
    patient: str  # email of a patient with upcoming and many past appointments
    booker: str  # email of a patient with nothing booked


async def _build(s: AsyncSession) -> Clinic:
    """The clinic at its largest, written directly (it would take long through the bot)."""
    hashed = await password_hash(PASSWORD)
    specialties = [Specialty(name=long_name("Specialty", n, 80)) for n in range(SPECIALTIES)]
    s.add_all(specialties)
    await s.flush()
    doctors = []
    for n in range(DOCTORS):
        user = User(
            email=long_email(n), name=long_name("Dr.", n), role=Role.DOCTOR.value,
            password_hash=hashed if n < 2 else None,
        )  # fmt: skip
        s.add(user)
        await s.flush()
        specialty = specialties[0] if n < CROWDED else specialties[n % SPECIALTIES]
        doctors.append(
            Doctor(
                user_id=user.id,
                display_name=user.name,
                specialty_id=specialty.id,
                slot_minutes=15,
                active=n % 50 != 49,
                marked_ready=n % 3 != 2,
            )
        )
    s.add_all(doctors)
    await s.flush()
    busy, free = doctors[0].user_id, doctors[1].user_id
    s.add(WorkingHours(doctor_id=busy, weekday=2, start_minute=0, end_minute=1440))
    s.add(WorkingHours(doctor_id=free, weekday=3, start_minute=0, end_minute=1440))
    patients = []
    for n in range(120):
        patients.append(
            User(
                email=f"patient{n}@example.com",
                name=long_name("Patient", n),
                phone="+" + "9" * 31,
                role=Role.PATIENT.value,
                password_hash=hashed,
            )
        )
    s.add_all(patients)
    await s.flush()
    appointments = []
    for slot in range(96):
        starts = WEDNESDAY + timedelta(minutes=15 * slot)
        appointments.append(_appointment(busy, patients[slot].id, starts))
    # The first patient: three upcoming (the limit) and many past appointments.
    for n in range(3):
        starts = THURSDAY + timedelta(days=7, hours=9 + n)
        appointments.append(_appointment(doctors[n + 5].user_id, patients[0].id, starts))
    for n in range(PAST):
        starts = WEDNESDAY - timedelta(days=10 + n)
        appointments.append(
            _appointment(doctors[n + 5].user_id, patients[0].id, starts, status="attended")
        )
    s.add_all(appointments)
    for n in range(TIME_OFF):
        starts = THURSDAY + timedelta(days=1 + n // 5, hours=n % 5)
        s.add(TimeOff(doctor_id=busy, starts_at=starts, ends_at=starts + timedelta(minutes=30)))
    await s.flush()
    for appointment in appointments[:5]:
        s.add(_failure(appointment))
    await s.flush()
    return Clinic(
        busy=busy,
        free=free,
        crowded=specialties[0].name,
        patient=patients[0].email,
        booker=patients[-1].email,
    )


def _appointment(
    doctor: int, patient: int, starts: datetime, status: str = "booked"
) -> Appointment:
    return Appointment(
        doctor_id=doctor, patient_id=patient, starts_at=starts,
        ends_at=starts + timedelta(minutes=15), status=status, version=0,
        created_at=START - timedelta(days=60), updated_at=START - timedelta(days=60),
    )  # fmt: skip


def _failure(appointment: Appointment) -> Delivery:
    return Delivery(
        recipient_id=appointment.doctor_id, appointment_id=appointment.id,
        appointment_version=0, kind="doctor_booked", channel="telegram", status="failed",
        attempts=6, due_at=START, next_attempt_at=START, created_at=START, updated_at=START,
        last_error="refused: " + "a very long error from the Bot API " * 300,
    )  # fmt: skip


async def _walk(
    chat: ChatUser, message: Message, lang: str, next_key: str = "page.next", most: int = 60
) -> int:
    """Press "Next ▶" until the last page; how many pages there were."""
    label = t(lang, next_key)
    pages = 1
    for _ in range(most):
        if label not in message.button_texts:
            return pages
        await chat.press(label, message)
        pages += 1
    raise AssertionError("more pages than expected")


def _check_every_call(telegram: FakeTelegram) -> int:
    """Every message and keyboard the bot sent is within Telegram's limits, and none relied on
    the last-resort cut of an overlong text; how many were checked."""
    checked = 0
    for method, params in telegram.calls:
        if method in ("sendMessage", "editMessageText"):
            text = str(params["text"])
            assert not text.endswith("\n…"), text[-200:]
            checked += 1
        if method == "answerCallbackQuery":
            assert telegram_length(str(params.get("text") or "")) <= MAX_CALLBACK_ANSWER
        markup: dict[str, Any] = params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        assert sum(len(row) for row in rows) <= MAX_INLINE_BUTTONS
        assert all(len(row) <= MAX_INLINE_ROW for row in rows)
    return checked


@pytest.mark.parametrize("lang", ["en", "es"])
async def test_every_list_at_its_largest_stays_within_telegrams_limits(
    harness: Harness, lang: str
) -> None:
    async with harness.services.transaction() as s:
        clinic = await _build(s)
    await make_user(
        harness.services, "boss@clinic.example", name=long_name("Boss", 1), role=Role.ADMIN,
        language=lang,
    )  # fmt: skip
    admin = harness.user("Boss", language=lang)
    await log_in_chat(admin, "boss@clinic.example")
    telegram = harness.telegram

    # /doctors: every page, a card, the confirmation of a deactivation with 96 appointments.
    listing = (await admin.send("/doctors"))[-1]
    assert await _walk(admin, listing, lang) == -(-DOCTORS // 8)
    await admin.send("/doctors")
    card = admin.last
    await admin.press("1. ", card)
    await admin.press(t(lang, "admin.card.deactivate_button"), card)
    assert "96" in card.text
    await admin.press(t(lang, "admin.off.back_button"), card)
    await admin.press(t(lang, "admin.card.back_button"), card)
    # Editing another, every detail at its longest before and after.
    await admin.press("3. ", card)
    await admin.press(t(lang, "admin.card.edit_button"), card)
    await admin.press(t(lang, "admin.form.change.n"), card)
    await admin.send(long_name("Dr.", 998))
    await admin.press(t(lang, "admin.form.change.e"))
    await admin.send(long_email(998))
    await admin.press(t(lang, "admin.form.change.s"))
    edit = admin.last
    assert await _walk(admin, edit, lang) == SPECIALTIES // 10
    await admin.press(t(lang, "admin.add.new_specialty_button"), edit)
    summary = (await admin.send(long_name("Specialty", 998, 80)))[-1]
    await admin.press(t(lang, "admin.form.change.l"), summary)
    await admin.press("60 min", summary)
    await admin.press(t(lang, "admin.edit.save_button"), summary)
    assert long_name("Dr.", 998) in summary.text

    # /adddoctor at its longest.
    await admin.send("/adddoctor")
    step = (await admin.send(long_name("Dr.", 999)))[-1]
    assert await _walk(admin, step, lang) == -(-(SPECIALTIES + 1) // 10)
    await admin.send(clinic.crowded)
    await admin.send(long_email(999))
    await admin.press("15 min")
    await admin.press(t(lang, "admin.add.confirm_button"))
    assert "inv_" in admin.last.text

    # /schedule: every page of doctors; the busy doctor's day (before and after it), week.
    doctors = (await admin.send("/schedule"))[-1]
    assert await _walk(admin, doctors, lang) == -(-(DOCTORS + 1) // 10)
    await admin.send("/schedule")
    day = admin.last
    await admin.press(admin.last.button_texts[0], day)  # the busy doctor sorts first
    await admin.press(day.button_texts[1], day)  # the next day: Wednesday
    assert await _walk(admin, day, lang) > 2
    harness.clock.set(THURSDAY.astimezone(UTC) + timedelta(hours=12))
    await log_in_chat(admin, "boss@clinic.example")  # a day later: the session had lapsed
    await admin.send("/schedule")
    day = admin.last
    await admin.press(admin.last.button_texts[0], day)
    await admin.press(day.button_texts[0], day)  # the day before: Wednesday, all started
    assert await _walk(admin, day, lang) > 2
    await admin.press(t(lang, "schedule.next_7"), day)

    # /reminders with the longest errors.
    assert "a very long error" in (await admin.send("/reminders"))[-1].text

    # The busy doctor: the day's agenda in parts, /hours with 300 entries of time off, and
    # blocking the day that holds 96 appointments.
    harness.clock.set(START)
    doctor = harness.user("Busy", language=lang)
    await log_in_chat(doctor, long_email(0))
    harness.clock.set((WEDNESDAY + timedelta(hours=7, minutes=31)).astimezone(UTC))
    await send_agendas_now(harness.app.bot, harness.services)
    parts = [m for m in telegram.bot_messages(doctor.chat_id) if "☀️" in m.text]
    assert len(parts) > 2
    harness.clock.set(START)
    overview = (await doctor.send("/hours"))[-1]
    await doctor.press(t(lang, "hours.remove_time_off"), overview)
    assert await _walk(doctor, overview, lang, "off.later") == -(-TIME_OFF // 8)
    await doctor.send("/hours")
    await doctor.press(t(lang, "hours.add_time_off"))
    await doctor.send("2/12")
    await doctor.press(t(lang, "off.whole"))
    await doctor.send("2/12")
    assert "96" in doctor.last.text

    # A patient books: every page of specialties and of the crowded one's doctors; 96 times.
    booker = harness.user("Booker", language=lang)
    await log_in_chat(booker, clinic.booker)
    book = (await booker.send("/book"))[-1]
    assert await _walk(booker, book, lang) > 3
    await booker.send(clinic.crowded)
    book = booker.last
    assert await _walk(booker, book, lang) > 10
    await booker.send(long_name("Dr.", 1))
    await booker.press(booker.last.button_texts[0])  # the first day: Thursday
    times = booker.last
    assert await _walk(booker, times, lang) == 2
    await booker.send("23:45")
    await booker.send(t(lang, "book.btn.confirm"))

    # A patient with the most upcoming appointments and many past ones.
    patient = harness.user("Patient", language=lang)
    await log_in_chat(patient, clinic.patient)
    mine = (await patient.send("/appointments"))[-1]
    await patient.press(mine.button_texts[0], mine)
    await patient.press(t(lang, "appts.btn.list"), mine)
    await patient.press(t(lang, "appts.btn.past"), mine)
    pages = 1
    while t(lang, "appts.btn.older") in mine.button_texts:
        await patient.press(t(lang, "appts.btn.older"), mine)
        pages += 1
    assert pages == -(-PAST // 10)

    await deliver_pending(harness.app.bot, harness.services)
    assert _check_every_call(telegram) > 150


def test_the_bot_api_stand_in_refuses_what_telegram_refuses() -> None:
    telegram = FakeTelegram()
    chat = {"chat_id": 1}

    def refused(method: str, **params: Any) -> str:
        try:
            getattr(telegram, f"_api_{method}")({**chat, **params})
        except _ApiError as exc:
            return exc.description
        raise AssertionError(f"{method} took {params}")

    def buttons(count: int, per_row: int, data: str = "x") -> dict[str, Any]:
        cells = [{"text": str(n), "callback_data": data} for n in range(count)]
        return {"inline_keyboard": [cells[i : i + per_row] for i in range(0, count, per_row)]}

    assert "too long" in refused("sendMessage", text="x" * (MAX_TEXT + 1))
    # Counted as Telegram counts: an emoji is two UTF-16 units.
    assert "too long" in refused("sendMessage", text="🩺" * (MAX_TEXT // 2 + 1))
    telegram._api_sendMessage(
        {**chat, "text": "<b>" + "x" * MAX_TEXT + "</b>", "parse_mode": "HTML"}
    )
    assert "TOO_LONG" in refused("sendMessage", text="x", reply_markup=buttons(101, 8))
    assert "TOO_LONG" in refused("sendMessage", text="x", reply_markup=buttons(9, 9))
    assert "DATA_INVALID" in refused("sendMessage", text="x", reply_markup=buttons(1, 1, "x" * 65))
    assert "TEXT_INVALID" in refused(
        "sendMessage",
        text="x",
        reply_markup={"inline_keyboard": [[{"text": " ", "callback_data": "x"}]]},
    )
    telegram._api_sendMessage({**chat, "text": "x", "reply_markup": buttons(100, 8)})
    sent = telegram.bot_messages(1)[-1]
    assert "too long" in refused(
        "editMessageText", message_id=sent.message_id, text="x" * (MAX_TEXT + 1)
    )
    assert "TOO_LONG" in refused(
        "editMessageReplyMarkup", message_id=sent.message_id, reply_markup=buttons(101, 1)
    )
    assert "TOO_LONG" in refused("answerCallbackQuery", text="x" * (MAX_CALLBACK_ANSWER + 1))
    assert "DESCRIPTION" in refused(
        "setMyCommands", commands=[{"command": "help", "description": "x" * 257}]
    )
    assert "COMMAND_INVALID" in refused(
        "setMyCommands", commands=[{"command": "Help!", "description": "x"}]
    )
