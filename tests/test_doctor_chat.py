"""Doctors in chat, end to end through the bot: /schedule (and admins opening any doctor's),
attendance, /hours with weekly hours and time off, typed answers in English and Spanish, and
every wrong press on the way.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid (the clinic's zone in tests); a
doctor made by ``make_doctor`` works Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.callbacks import (
    HoursAction,
    HoursAddRange,
    HoursClearDay,
    HoursWeekday,
    MarkAttendance,
    OffConfirm,
    OffDay,
    OffDaysPage,
    OffRemove,
    OpenSchedule,
    PickerHour,
    PickerMinute,
    ScheduleDoctors,
    StepData,
    decode,
)
from bot.formatting import policy_of
from db.booking import Actor, AppointmentView, cancel
from db.closures import close_clinic
from db.doctors import DoctorView, add_time_off, weekly_hours
from db.models import Appointment, Role, TimeOff, User
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

MADRID = ZoneInfo("Europe/Madrid")
STALE = "This button is no longer valid."
OUT_OF_DATE = "That screen was out of date: here is where you are."
WRONG_ROLE = "That is not available to your account."


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 in the clinic's zone (1 December is a Tuesday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def doctor_in_chat(
    h: Harness,
    email: str = "house@example.com",
    name: str = "Dr. Gregory House",
    language: str = "en",
) -> tuple[DoctorView, ChatUser]:
    doctor = await make_doctor(h.services, email, name=name)
    chat = h.user(name.split()[-1], language)
    await log_in_chat(chat, email)
    return doctor, chat


async def patient(h: Harness, email: str, name: str, phone: str | None = None) -> User:
    """A patient who never logs in here: no password, so no slow hash (see ``make_user``)."""
    async with h.services.transaction() as s:
        user = User(email=email, name=name, role=Role.PATIENT.value, phone=phone)
        s.add(user)
    return user


async def patient_in_chat(h: Harness, email: str, name: str) -> tuple[User, ChatUser]:
    user = await make_user(h.services, email, name=name)
    chat = h.user(name.split()[0])
    await log_in_chat(chat, email)
    return user, chat


async def book(h: Harness, who: User, doctor: DoctorView, starts_at: datetime) -> AppointmentView:
    return await book_directly(
        h.services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=starts_at
    )


async def appointment(h: Harness, appointment_id: int) -> Appointment:
    async with h.services.session_factory() as s:
        found = await s.get(Appointment, appointment_id)
        assert found is not None
        return found


async def time_off_of(h: Harness, doctor_id: int) -> list[tuple[datetime, datetime, bool]]:
    async with h.services.session_factory() as s:
        rows = await s.scalars(
            select(TimeOff).where(TimeOff.doctor_id == doctor_id).order_by(TimeOff.starts_at)
        )
        return [(r.starts_at, r.ends_at, r.whole_days) for r in rows]


async def hours_of(h: Harness, doctor_id: int) -> list[tuple[int, int, int]]:
    async with h.services.session_factory() as s:
        return [
            (r.weekday, r.start_minute, r.end_minute) for r in await weekly_hours(s, doctor_id)
        ]


def last_answer(h: Harness) -> str | None:
    assert h.telegram.answers, "no button press was answered"
    text = h.telegram.answers[-1].get("text")
    return str(text) if text is not None else None


def lines_of(message: Message) -> list[str]:
    return message.text.splitlines()


def flow_of(message: Message) -> int:
    """The conversation number the message's step buttons carry."""
    for row in message.buttons:
        for button in row:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError("no step buttons on the message")


def day(number: int) -> date:
    return date(2026, 12, number)


def schedule_data(doctor: DoctorView, first: date, days: str = "1") -> str:
    return OpenSchedule(doctor=doctor.user_id, day=first, days="7" if days == "7" else "1").pack()


@contextmanager
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (the test's own savepoints aside)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)


async def open_conversation(h: Harness, chat: ChatUser) -> str | None:
    """The name of the chat's open conversation, as stored."""
    return await h.scalar("SELECT conversation FROM chats WHERE chat_id = :c", c=chat.chat_id)


# --- /schedule ----------------------------------------------------------------------------------


async def test_doctor_sees_today_in_order_with_patient_name_and_phone(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    carl = await patient(harness, "carl@example.com", "Carl Sagan", phone="+34600999888")
    dana = await patient(harness, "dana@example.com", "Dana Scully")
    await book(harness, bob, house, at(1, 11, 30))
    await book(harness, ana, house, at(1, 10))
    await book(harness, ana, house, at(2, 10))  # tomorrow: not today's
    await book(harness, carl, wilson, at(1, 10))  # another doctor's
    gone = await book(harness, dana, house, at(1, 14))
    async with harness.services.transaction() as s:
        await cancel(
            s,
            appointment_id=gone.id,
            actor=Actor(dana.id, Role.PATIENT),
            policy=policy_of(harness.services.settings),
            now=harness.clock.now(),
        )

    view = (await chat.send("/schedule"))[-1]

    lines = lines_of(view)
    assert lines[0] == "📋 Dr. Gregory House — Tuesday 1 December 2026 (Europe/Madrid)"
    # 10:00 in Madrid is 09:00 UTC: the times are the clinic's.
    assert lines[2:] == [
        "10:00–10:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
        "11:30–12:00 · Bob Stone · no phone · 🕒 booked",
    ]
    assert "Carl" not in view.text and "Dana" not in view.text
    assert "Tomorrow" in view.button_texts and "Next 7 days" in view.button_texts
    assert "Today" not in view.button_texts
    assert not [b for b in view.button_texts if "attended" in b or "no-show" in b]


async def test_tomorrow_and_the_next_seven_days_grouped_by_day(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    bob = await patient(harness, "bob@example.com", "Bob Stone", phone="+34600222333")
    await book(harness, bob, house, at(4, 16, 30))
    await book(harness, ana, house, at(2, 9))
    await book(harness, ana, house, at(4, 9))
    await book(harness, bob, house, at(8, 10))  # the 8th is past the 7 days

    view = (await chat.send("/schedule"))[-1]
    assert "No appointments." in view.text

    await chat.press("Tomorrow")
    assert view.edits == 1  # edited in place
    assert lines_of(view) == [
        "📋 Dr. Gregory House — Wednesday 2 December 2026 (Europe/Madrid)",
        "",
        "09:00–09:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
    ]
    assert "Today" in view.button_texts and "Tomorrow" not in view.button_texts
    assert last_answer(harness) is None  # answered, silently

    await chat.press("Next 7 days")
    lines = lines_of(view)
    assert lines[0] == (
        "📋 Dr. Gregory House — Tuesday 1 December 2026 to Monday 7 December 2026 (Europe/Madrid)"
    )
    assert lines[2:] == [
        "Tue 1 Dec",
        "—",
        "",
        "Wed 2 Dec",
        "09:00–09:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
        "",
        "Thu 3 Dec",
        "—",
        "",
        "Fri 4 Dec",
        "09:00–09:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
        "16:30–17:00 · Bob Stone · +34 600 22 23 33 · 🕒 booked",
        "",
        "Sat 5 Dec",
        "—",
        "",
        "Sun 6 Dec",
        "—",
        "",
        "Mon 7 Dec",
        "—",
    ]

    await chat.press("7 days ▶")
    assert "Tuesday 8 December 2026" in view.text and "10:00–10:30 · Bob Stone" in view.text

    await chat.press("Today")
    assert lines_of(view)[0].endswith("Tuesday 1 December 2026 (Europe/Madrid)")
    await chat.press("Next 7 days")
    await chat.press("Fri 4 Dec")
    assert lines_of(view)[0] == "📋 Dr. Gregory House — Friday 4 December 2026 (Europe/Madrid)"
    assert len(lines_of(view)) == 4


async def test_the_schedule_shows_time_off_and_clinic_closures(harness: Harness) -> None:
    """A day the doctor is off, or the clinic is closed, says so, for the whole day or from when
    to when; so does the week."""
    house, chat = await doctor_in_chat(harness)
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    boss = await make_user(harness.services, "boss@example.com", name="Boss", role=Role.ADMIN)
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    await book(harness, ana, house, at(2, 9))
    now = harness.clock.now()
    async with harness.services.transaction() as s:
        await add_time_off(
            s, doctor_id=house.user_id, starts_at=at(2, 14), ends_at=at(2, 17),
            whole_days=False, now=now,
        )  # fmt: skip
        await add_time_off(
            s, doctor_id=wilson.user_id, starts_at=at(3, 0), ends_at=at(4, 0),
            whole_days=True, now=now,
        )  # fmt: skip
        await close_clinic(
            s, starts_at=at(4, 0), ends_at=at(5, 0), whole_days=True, shown=set(),
            actor=Actor(boss.id, Role.ADMIN), policy=policy_of(harness.services.settings),
            now=now, name="Founders' Day",
        )  # fmt: skip

    view = (await chat.send("/schedule"))[-1]
    await chat.press("Tomorrow")
    assert lines_of(view)[2:] == [
        "🌴 Time off: 14:00–17:00",
        "09:00–09:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
    ]
    await chat.press("Next 7 days")
    lines = lines_of(view)
    assert lines[2:14] == [
        "Tue 1 Dec",
        "—",
        "",
        "Wed 2 Dec",
        "🌴 Time off: 14:00–17:00",
        "09:00–09:30 · Ana García · +34 600 11 12 22 · 🕒 booked",
        "",
        "Thu 3 Dec",  # Dr. Wilson's day off is not Dr. House's
        "—",
        "",
        "Fri 4 Dec",
        "🚫 The clinic is closed (Founders' Day): all day",
    ]
    await chat.press("Fri 4 Dec")
    assert lines_of(view)[2:] == [
        "🚫 The clinic is closed (Founders' Day): all day",
        "No appointments.",
    ]


async def test_schedule_in_spanish(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness, language="es")
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    await book(harness, ana, house, at(1, 10))

    view = (await chat.send("/schedule"))[-1]

    assert lines_of(view)[0] == (
        "📋 Dr. Gregory House — martes 1 de diciembre de 2026 (Europe/Madrid)"
    )
    assert "10:00–10:30 · Ana García · +34 600 11 12 22 · 🕒 reservada" in view.text
    assert {"Mañana", "Próximos 7 días"} <= set(view.button_texts)


async def test_admin_picks_a_doctor_then_sees_and_marks_their_schedule(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com", name="Dr. Gregory House")
    wilson = await make_doctor(
        harness.services, "wilson@example.com", name="Dr. James Wilson", specialty="Oncology"
    )
    await make_user(harness.services, "boss@example.com", name="Lisa Cuddy", role=Role.ADMIN)
    admin = harness.user("Lisa")
    await log_in_chat(admin, "boss@example.com")
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    await book(harness, ana, house, at(1, 10))
    wilsons = await book(harness, bob, wilson, at(1, 10))

    listing = (await admin.send("/schedule"))[-1]
    assert listing.text == "Whose schedule?"
    assert listing.button_texts == [
        "Dr. Gregory House · Cardiology",
        "Dr. James Wilson · Oncology",
    ]

    await admin.press("Dr. James Wilson · Oncology")
    assert lines_of(listing)[0] == (
        "📋 Dr. James Wilson — Tuesday 1 December 2026 (Europe/Madrid)"
    )
    assert "Bob Stone" in listing.text and "Ana" not in listing.text
    assert "« Doctors" in listing.button_texts

    await admin.press("« Doctors")
    assert listing.text == "Whose schedule?"
    await admin.press("Dr. Gregory House · Cardiology")
    assert "Ana García · +34 600 11 12 22" in listing.text and "Bob" not in listing.text

    # Admins may mark attendance too, for any doctor.
    harness.clock.set(at(1, 10, 5))
    await admin.send("/schedule")
    await admin.press("Dr. James Wilson · Oncology")
    await admin.press("✔ 10:00 attended")
    assert (await appointment(harness, wilsons.id)).status == "attended"
    assert "10:00–10:30 · Bob Stone · no phone · ✔ attended" in admin.last.text


async def test_patients_and_strangers_are_refused_the_doctor_commands(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(1, 10))
    harness.clock.set(at(1, 10, 5))

    for command in ("/schedule", "/hours"):
        assert (await ana_chat.send(command))[-1].text == WRONG_ROLE
    await ana_chat.press_data(schedule_data(house, day(1)))
    assert last_answer(harness) == WRONG_ROLE
    await ana_chat.press_data(MarkAttendance(appointment=booked.id, mark="n").pack())
    assert last_answer(harness) == WRONG_ROLE
    await ana_chat.press_data(HoursAction(action="a").pack())
    assert last_answer(harness) == WRONG_ROLE
    await ana_chat.press_data(ScheduleDoctors().pack())
    assert last_answer(harness) == WRONG_ROLE
    assert (await appointment(harness, booked.id)).status == "booked"
    assert await time_off_of(harness, house.user_id) == []

    stranger = harness.user("Eve")
    assert (await stranger.send("/schedule"))[-1].text == "Please /login first."
    assert (await stranger.send("/hours"))[-1].text == "Please /login first."

    await make_user(harness.services, "boss@example.com", name="Lisa Cuddy", role=Role.ADMIN)
    admin = harness.user("Lisa")
    await log_in_chat(admin, "boss@example.com")
    assert (await admin.send("/hours"))[-1].text == WRONG_ROLE
    await admin.press_data(HoursAction(action="e").pack())
    assert last_answer(harness) == WRONG_ROLE


async def test_a_forged_schedule_button_for_another_doctor_is_refused(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    bob = await patient(harness, "bob@example.com", "Bob Stone", phone="+34600222333")
    await book(harness, bob, wilson, at(1, 10))
    view = (await chat.send("/schedule"))[-1]
    before = (view.text, view.edits)

    await chat.press_data(schedule_data(wilson, day(1)), view)
    assert last_answer(harness) == "You can only see your own schedule."
    await chat.press_data(schedule_data(wilson, day(1), "7"), view)
    assert last_answer(harness) == "You can only see your own schedule."
    await chat.press_data(ScheduleDoctors().pack(), view)  # the admins' list of doctors
    assert last_answer(harness) == WRONG_ROLE
    await chat.press_data(schedule_data(house, date(9999, 12, 31)), view)
    assert last_answer(harness) == "That day is too far away; open /schedule again."
    # Forged data never reaches a handler: ids beyond the database's integers, bad dates.
    for forged in (
        f"sc:{wilson.user_id}:20261201:3",
        "sc:99999999999:20261201:1",
        f"sc:{house.user_id}:20261341:1",
        f"sc:{house.user_id}:20261201:1:extra",
    ):
        await chat.press_data(forged, view)
        assert last_answer(harness) == STALE

    assert (view.text, view.edits) == before
    assert not any("Bob" in text for text in chat.texts())


async def test_attended_and_no_show_after_the_start(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    first = await book(harness, ana, house, at(1, 10))
    second = await book(harness, bob, house, at(1, 10, 30))
    later = await book(harness, ana, house, at(1, 15))
    harness.clock.set(at(1, 10, 40))

    view = (await chat.send("/schedule"))[-1]
    assert view.buttons[0] == [
        {
            "text": "✔ 10:00 attended",
            "callback_data": MarkAttendance(appointment=first.id, mark="a").pack(),
        },
        {
            "text": "✖ 10:00 no-show",
            "callback_data": MarkAttendance(appointment=first.id, mark="n").pack(),
        },
    ]
    assert view.button_texts[2:4] == ["✔ 10:30 attended", "✖ 10:30 no-show"]
    assert not [b for b in view.button_texts if "15:00" in b]  # not started yet

    await chat.press("✔ 10:00 attended")
    assert (await appointment(harness, first.id)).status == "attended"
    assert "10:00–10:30 · Ana García · +34 600 11 12 22 · ✔ attended" in view.text
    assert view.button_texts[0] == "✖ 10:00 no-show"  # only the correction is left
    assert view.edits == 1

    await chat.press("✖ 10:30 no-show")
    assert (await appointment(harness, second.id)).status == "no_show"
    assert "10:30–11:00 · Bob Stone · no phone · ✖ no-show" in view.text

    # A correction.
    await chat.press("✖ 10:00 no-show")
    assert (await appointment(harness, first.id)).status == "no_show"
    assert (await appointment(harness, later.id)).status == "booked"
    assert all(answer.get("text") is None for answer in harness.telegram.answers[-3:])


async def test_attendance_is_refused_before_the_start(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(1, 10))
    view = (await chat.send("/schedule"))[-1]
    assert not [b for b in view.button_texts if "attended" in b]

    await chat.press_data(MarkAttendance(appointment=booked.id, mark="a").pack(), view)

    assert last_answer(harness) == "That appointment has not started yet."
    assert (await appointment(harness, booked.id)).status == "booked"
    assert view.edits == 0


async def test_a_forged_attendance_for_another_doctors_appointment_is_refused(
    harness: Harness,
) -> None:
    _, chat = await doctor_in_chat(harness)
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    theirs = await book(harness, bob, wilson, at(1, 10))
    harness.clock.set(at(1, 10, 45))
    view = (await chat.send("/schedule"))[-1]

    for data in (
        MarkAttendance(appointment=theirs.id, mark="a"),
        MarkAttendance(appointment=theirs.id, mark="n"),
        MarkAttendance(appointment=999_999_999, mark="a"),
    ):
        await chat.press_data(data.pack(), view)
        assert last_answer(harness) == "That appointment is not in your schedule."
    for forged in (f"at:{theirs.id}:x", "at:99999999999:a", f"at:{theirs.id}"):
        await chat.press_data(forged, view)
        assert last_answer(harness) == STALE

    assert (await appointment(harness, theirs.id)).status == "booked"
    assert view.edits == 0 and "Bob" not in view.text


async def test_a_booking_made_in_chat_reaches_the_doctor_and_their_schedule(
    harness: Harness,
) -> None:
    _, chat = await doctor_in_chat(harness)
    await make_user(harness.services, "ana@example.com", name="Ana García", phone="+34600111222")
    ana = harness.user("Ana")
    await log_in_chat(ana, "ana@example.com")

    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("Dr. Gregory House")
    await ana.press("Tue 1 Dec")
    await ana.press("10:00")
    await ana.press("Skip")
    await ana.press("Confirm")

    assert chat.last.text == (
        "📅 New appointment: Ana García (+34 600 11 12 22) on Tuesday 1 December 2026, "
        "10:00–10:30 (Europe/Madrid)."
    )
    view = (await chat.send("/schedule"))[-1]
    assert lines_of(view)[2:] == ["10:00–10:30 · Ana García · +34 600 11 12 22 · 🕒 booked"]


# --- /hours: weekly hours -----------------------------------------------------------------------


async def test_hours_shows_weekly_hours_and_time_off(harness: Harness) -> None:
    _, chat = await doctor_in_chat(harness)

    view = (await chat.send("/hours"))[-1]

    assert lines_of(view) == [
        "🕘 Your weekly hours (Europe/Madrid)",
        "Mon 09:00–17:00",
        "Tue 09:00–17:00",
        "Wed 09:00–17:00",
        "Thu 09:00–17:00",
        "Fri 09:00–17:00",
        "Sat —",
        "Sun —",
        "",
        "🏖 Time off (Europe/Madrid)",
        "No upcoming time off.",
    ]
    assert view.button_texts == ["Edit a day", "Add time off"]


async def test_editing_a_day_clears_it_and_adds_ranges(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]

    await chat.press("Edit a day")
    assert view.text == "Which day of the week do you want to change?"
    assert view.button_texts[:7] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]  # fmt: skip
    await chat.press("Monday")
    assert view.text == "Monday (Europe/Madrid): 09:00–17:00"
    assert view.button_texts == ["Add a range", "Clear day", "Done"]

    await chat.press("Clear day")
    assert lines_of(view) == [
        "✅ Monday cleared.",
        "",
        "Monday (Europe/Madrid): no hours (day off)",
    ]
    assert [r for r in await hours_of(harness, house.user_id) if r[0] == 0] == []

    await chat.press("Add a range")
    assert "New range on Monday (Europe/Madrid)." in view.text
    assert "Pick the start hour" in view.text
    await chat.press("09")
    assert view.button_texts == ["09:00", "09:15", "09:30", "09:45", "« Back"]
    await chat.press("09:00")
    assert "Starts at 09:00. Pick the end hour" in view.text
    await chat.press("13")
    await chat.press("13:00")
    assert lines_of(view)[0] == "✅ Added 09:00–13:00."

    await chat.press("Add a range")
    await chat.press("15")
    await chat.press("15:00")
    await chat.press("19")
    await chat.press("19:00")
    # An overlapping range is merged into the one it overlaps.
    await chat.press("Add a range")
    await chat.press("12")
    await chat.press("12:00")
    await chat.press("14")
    await chat.press("14:00")
    assert view.text.endswith("Monday (Europe/Madrid): 09:00–14:00, 15:00–19:00")

    await chat.press("Done")
    assert "Mon 09:00–14:00, 15:00–19:00" in lines_of(view)
    assert await hours_of(harness, house.user_id) == [
        (0, 540, 840), (0, 900, 1140),
        (1, 540, 1020), (2, 540, 1020), (3, 540, 1020), (4, 540, 1020),
    ]  # fmt: skip


async def test_saturday_and_sunday_ranges_ending_at_and_near_midnight(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]

    await chat.press("Edit a day")
    await chat.press("Saturday")
    assert view.button_texts == ["Add a range", "Done"]  # nothing to clear
    await chat.press("Add a range")
    start_hours = view.button_texts[:-1]
    assert start_hours == [f"{hour:02d}" for hour in range(24)]  # no 24:00 for a start
    await chat.press("20")
    await chat.press("20:00")
    assert view.button_texts[-2:] == ["24:00", "« Back"]
    await chat.press("24:00")
    assert lines_of(view)[0] == "✅ Added 20:00–24:00."
    await chat.press("Done")

    await chat.press("Edit a day")
    await chat.press("Sunday")
    await chat.press("Add a range")
    await chat.press("22")
    await chat.press("22:00")
    await chat.press("23")
    assert view.button_texts == ["23:00", "23:15", "23:30", "23:45", "« Back"]
    await chat.press("23:30")
    await chat.press("Done")

    assert "Sat 20:00–24:00" in lines_of(view) and "Sun 22:00–23:30" in lines_of(view)
    hours = await hours_of(harness, house.user_id)
    assert (5, 1200, 1440) in hours and (6, 1320, 1410) in hours


async def test_the_end_picker_offers_only_later_times(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    await chat.press("Friday")
    await chat.press("Add a range")
    await chat.press("16")
    await chat.press("16:30")

    assert view.button_texts[0] == "16" and "15" not in view.button_texts
    flow = flow_of(view)
    await chat.press_data(PickerHour(flow=flow, hour=10).pack(), view)  # not offered
    assert last_answer(harness) == STALE
    await chat.press_data(f"hth:{flow}:99", view)  # no such hour: refused before any handler
    assert last_answer(harness) == OUT_OF_DATE
    before = view.text
    await chat.press_data(PickerMinute(flow=flow, minute=600).pack(), view)  # of another step
    assert last_answer(harness) == OUT_OF_DATE
    assert view.text == before  # the step it is at, shown again

    await chat.press("16")
    assert view.button_texts == ["16:45", "« Back"]
    await chat.press_data(PickerMinute(flow=flow, minute=975).pack(), view)  # before the start
    assert last_answer(harness) == STALE

    await chat.press("« Back")  # to the end hours
    await chat.press("« Back")  # to the start hours
    assert "Pick the start hour" in view.text
    await chat.press("« Back")  # to the day
    assert view.text == "Friday (Europe/Madrid): 09:00–17:00"
    assert (4, 540, 1020) in await hours_of(harness, house.user_id)


async def test_clearing_a_day_lists_its_appointments_to_keep_or_cancel(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(8, 10))  # next Tuesday
    view = (await chat.send("/hours"))[-1]

    await chat.press("Edit a day")
    await chat.press("Tuesday")
    await chat.press("Clear day")

    assert lines_of(view) == [
        "✅ Tuesday cleared.",
        "",
        "⚠️ 1 upcoming appointment(s) on Tuesday now fall outside your hours (Europe/Madrid):",
        "1. Tue 8 Dec 10:00 — Ana García",
        "",
        "Keep them booked, or cancel them and tell the patients?",
    ]
    assert view.button_texts == ["✔ Keep 1", "✖ Cancel 1 and tell the patient"]
    await chat.press("✔ Keep 1")
    assert lines_of(view) == [
        "✔ Kept: Tue 8 Dec 10:00 — Ana García.",
        "",
        "Tuesday (Europe/Madrid): no hours (day off)",
    ]
    assert (await appointment(harness, booked.id)).status == "booked"

    await chat.press("Add a range")
    await chat.press("09")
    await chat.press("09:00")
    await chat.press("12")
    await chat.press("12:00")
    assert lines_of(view)[0] == "✅ Added 09:00–12:00."  # the appointment is inside again


# --- /hours: time off ---------------------------------------------------------------------------


async def test_whole_days_off_without_appointments(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]

    await chat.press("Add time off")
    assert view.text == "🏖 Time off (Europe/Madrid): pick the first day."
    assert view.button_texts[:7] == [
        "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec", "Sat 5 Dec", "Sun 6 Dec", "Mon 7 Dec",
    ]  # fmt: skip
    await chat.press("Later ▶")
    await chat.press("Tue 8 Dec")
    assert "Time off from Tuesday 8 December 2026 (Europe/Madrid)" in view.text
    await chat.press("Whole day(s)")
    assert view.button_texts[0] == "Tue 8 Dec"  # the last day is the first or later
    await chat.press("Wed 9 Dec")

    assert lines_of(view)[0] == "✅ Time off added: Tue 8 Dec – Wed 9 Dec (whole days)."
    assert "• Tue 8 Dec – Wed 9 Dec (whole days)" in lines_of(view)
    assert "Remove time off" in view.button_texts
    assert await time_off_of(harness, house.user_id) == [
        (datetime(2026, 12, 7, 23, tzinfo=UTC), datetime(2026, 12, 9, 23, tzinfo=UTC), True)
    ]


async def test_whole_day_off_cancels_exactly_that_days_appointments_once_confirmed(
    harness: Harness,
) -> None:
    house, chat = await doctor_in_chat(harness)
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    bob, bob_chat = await patient_in_chat(harness, "bob@example.com", "Bob Stone")
    carl, carl_chat = await patient_in_chat(harness, "carl@example.com", "Carl Sagan")
    before = await book(harness, carl, house, at(1, 16, 30))
    morning = await book(harness, ana, house, at(2, 9))
    evening = await book(harness, bob, house, at(2, 16, 30))
    after = await book(harness, carl, house, at(3, 9))
    view = (await chat.send("/hours"))[-1]

    await chat.press("Add time off")
    await chat.press("Wed 2 Dec")
    await chat.press("Whole day(s)")
    await chat.press("Wed 2 Dec")

    assert lines_of(view) == [
        "⚠️ 2 appointment(s) fall in Wed 2 Dec (whole day) (Europe/Madrid):",
        "• Wed 2 Dec 09:00 — Ana García",
        "• Wed 2 Dec 16:30 — Bob Stone",
        "",
        "Block it and cancel these 2 appointment(s)? The patients will be told.",
    ]
    assert view.button_texts == ["Block and cancel 2", "« Back"]
    assert await time_off_of(harness, house.user_id) == []
    confirm = OffConfirm(flow=flow_of(view), answer="y").pack()

    await chat.press("Block and cancel 2")

    assert lines_of(view)[0] == (
        "✅ Time off added: Wed 2 Dec (whole day). 2 appointment(s) cancelled; "
        "the patients were told."
    )
    for booked in (morning, evening):
        row = await appointment(harness, booked.id)
        assert (row.status, row.cancelled_by, row.cancel_reason) == (
            "cancelled", house.user_id, "time_off",
        )  # fmt: skip
    for booked in (before, after):
        assert (await appointment(harness, booked.id)).status == "booked"
    assert ana_chat.last.text == (
        "❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
        "Wednesday 2 December 2026, 09:00–09:30 (Europe/Madrid). We are sorry. "
        "/book to choose another time.\n\n"
        "The next free times with Dr. Gregory House (Europe/Madrid): tap one to book it."
    )
    # The doctor's next free times (not the blocked day) are offered as one-tap buttons.
    assert ana_chat.last.button_texts[:2] == ["Tue 1 Dec 10:00", "Tue 1 Dec 10:30"]
    assert "Wednesday 2 December 2026, 16:30–17:00" in bob_chat.last.text
    assert not any("cancelled" in text for text in carl_chat.texts())
    assert await time_off_of(harness, house.user_id) == [
        (datetime(2026, 12, 1, 23, tzinfo=UTC), datetime(2026, 12, 2, 23, tzinfo=UTC), True)
    ]

    # A second tap on the confirmation changes nothing more.
    await chat.press_data(confirm, view)
    assert last_answer(harness) == STALE
    assert len(await time_off_of(harness, house.user_id)) == 1
    assert len([t for t in ana_chat.texts() if "cancelled your appointment" in t]) == 1


async def test_part_of_a_day_off_cancels_only_overlapping_appointments(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    bob, bob_chat = await patient_in_chat(harness, "bob@example.com", "Bob Stone")
    carl, carl_chat = await patient_in_chat(harness, "carl@example.com", "Carl Sagan")
    touching_start = await book(harness, carl, house, at(3, 9, 30))  # ends at 10:00
    inside = await book(harness, ana, house, at(3, 10))
    overlapping = await book(harness, bob, house, at(3, 11, 30))
    touching_end = await book(harness, carl, house, at(3, 12))  # starts at 12:00
    view = (await chat.send("/hours"))[-1]

    await chat.press("Add time off")
    await chat.press("Thu 3 Dec")
    await chat.press("Part of the day")
    assert "Time off on Thursday 3 December 2026 (Europe/Madrid)." in view.text
    await chat.press("10")
    await chat.press("10:00")
    await chat.press("11")
    await chat.press("11:45")  # the 11:30 appointment overlaps its first quarter

    assert lines_of(view)[:3] == [
        "⚠️ 2 appointment(s) fall in Thu 3 Dec, 10:00–11:45 (Europe/Madrid):",
        "• Thu 3 Dec 10:00 — Ana García",
        "• Thu 3 Dec 11:30 — Bob Stone",
    ]
    await chat.press("Block and cancel 2")

    assert lines_of(view)[0].startswith("✅ Time off added: Thu 3 Dec, 10:00–11:45.")
    assert "• Thu 3 Dec, 10:00–11:45" in lines_of(view)
    assert [(await appointment(harness, a.id)).status for a in (inside, overlapping)] == [
        "cancelled", "cancelled",
    ]  # fmt: skip
    assert [(await appointment(harness, a.id)).status for a in (touching_start, touching_end)] == [
        "booked", "booked",
    ]  # fmt: skip
    assert (await appointment(harness, inside.id)).cancelled_by == house.user_id
    assert "Thursday 3 December 2026, 10:00–10:30 (Europe/Madrid)" in ana_chat.last.text
    assert "Thursday 3 December 2026, 11:30–12:00 (Europe/Madrid)" in bob_chat.last.text
    assert not any("cancelled your appointment" in text for text in carl_chat.texts())
    assert await time_off_of(harness, house.user_id) == [
        (datetime(2026, 12, 3, 9, tzinfo=UTC), datetime(2026, 12, 3, 10, 45, tzinfo=UTC), False)
    ]


async def test_back_from_blocking_changes_nothing(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(2, 10))
    seen = len(ana_chat.texts())
    view = (await chat.send("/hours"))[-1]

    await chat.press("Add time off")
    await chat.press("Wed 2 Dec")
    await chat.press("Part of the day")
    await chat.press("08")
    await chat.press("08:00")
    await chat.press("24:00")
    assert "• Wed 2 Dec 10:00 — Ana García" in lines_of(view)
    confirm = OffConfirm(flow=flow_of(view), answer="y").pack()
    await chat.press("« Back")

    assert lines_of(view)[0] == "Nothing was changed."
    assert "No upcoming time off." in view.text
    assert await time_off_of(harness, house.user_id) == []
    assert (await appointment(harness, booked.id)).status == "booked"
    assert len(ana_chat.texts()) == seen
    await chat.press_data(confirm, view)
    assert last_answer(harness) == STALE
    assert await time_off_of(harness, house.user_id) == []


async def test_an_appointment_booked_meanwhile_is_shown_before_blocking(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    first = await book(harness, ana, house, at(4, 10))
    view = (await chat.send("/hours"))[-1]
    await chat.press("Add time off")
    await chat.press("Fri 4 Dec")
    await chat.press("Whole day(s)")
    await chat.press("Fri 4 Dec")
    assert view.button_texts[0] == "Block and cancel 1"

    second = await book(harness, bob, house, at(4, 15))  # while the doctor reads
    await chat.press("Block and cancel 1")

    assert lines_of(view)[0] == (
        "⚠️ The appointments in that time changed meanwhile; nothing was changed yet."
    )
    assert "• Fri 4 Dec 15:00 — Bob Stone" in lines_of(view)
    assert await time_off_of(harness, house.user_id) == []
    assert (await appointment(harness, second.id)).status == "booked"

    await chat.press("Block and cancel 2")
    assert [(await appointment(harness, a.id)).status for a in (first, second)] == [
        "cancelled", "cancelled",
    ]  # fmt: skip
    assert len(await time_off_of(harness, house.user_id)) == 1


async def test_time_off_today_ends_in_the_future(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Add time off")
    await chat.press("Tue 1 Dec")
    await chat.press("Part of the day")
    await chat.press("07")
    await chat.press("07:00")

    assert view.button_texts[0] == "09"  # it is 09:00 now
    await chat.press("09")
    assert view.button_texts == ["09:15", "09:30", "09:45", "« Back"]
    await chat.press("09:45")

    assert lines_of(view)[0] == "✅ Time off added: Tue 1 Dec, 07:00–09:45."
    assert await time_off_of(harness, house.user_id) == [
        (datetime(2026, 12, 1, 6, tzinfo=UTC), datetime(2026, 12, 1, 8, 45, tzinfo=UTC), False)
    ]


async def test_the_date_pickers_page_by_week_and_refuse_other_days(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Add time off")
    assert "◀ Earlier" not in view.button_texts

    await chat.press("Later ▶")
    await chat.press("Later ▶")
    assert view.button_texts[:7] == [
        "Tue 15 Dec", "Wed 16 Dec", "Thu 17 Dec", "Fri 18 Dec", "Sat 19 Dec", "Sun 20 Dec",
        "Mon 21 Dec",
    ]  # fmt: skip
    await chat.press("◀ Earlier")
    assert view.button_texts[0] == "Tue 8 Dec"

    flow = flow_of(view)
    for forged in (
        OffDay(flow=flow, day=date(2026, 11, 30)),  # yesterday
        OffDay(flow=flow, day=date(2027, 12, 2)),  # past the year ahead
        OffDaysPage(flow=flow, first=date(2026, 11, 30)),
    ):
        await chat.press_data(forged.pack(), view)
        assert last_answer(harness) == "That day can't be chosen here."
    await chat.press_data(f"hod:{flow}:20261341", view)  # no such date: refused before
    assert last_answer(harness) == OUT_OF_DATE
    await chat.press_data(PickerHour(flow=flow, hour=10).pack(), view)  # of another step
    assert last_answer(harness) == OUT_OF_DATE
    assert view.button_texts[0] == "Tue 8 Dec"

    await chat.press("Fri 11 Dec")
    await chat.press("Whole day(s)")
    assert "◀ Earlier" not in view.button_texts
    await chat.press_data(OffDay(flow=flow, day=day(10)).pack(), view)  # before the first day
    assert last_answer(harness) == "That day can't be chosen here."
    await chat.press("« Back")
    await chat.press("« Back")
    assert view.text == "🏖 Time off (Europe/Madrid): pick the first day."
    await chat.press("« Back")
    assert "No upcoming time off." in view.text
    assert await time_off_of(harness, house.user_id) == []


async def test_removing_time_off(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    wilson = await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    async with harness.services.transaction() as s:
        now = harness.clock.now()
        await add_time_off(
            s, doctor_id=house.user_id, starts_at=at(10, 9), ends_at=at(10, 12),
            whole_days=False, now=now,
        )  # fmt: skip
        await add_time_off(
            s, doctor_id=house.user_id, starts_at=at(24, 0), ends_at=at(26, 0),
            whole_days=True, now=now,
        )  # fmt: skip
        theirs = await add_time_off(
            s, doctor_id=wilson.user_id, starts_at=at(24, 0), ends_at=at(25, 0),
            whole_days=True, now=now,
        )  # fmt: skip
    view = (await chat.send("/hours"))[-1]
    assert "• Thu 10 Dec, 09:00–12:00" in lines_of(view)
    assert "• Thu 24 Dec – Fri 25 Dec (whole days)" in lines_of(view)

    await chat.press("Remove time off")
    assert view.button_texts == [
        "Thu 10 Dec, 09:00–12:00",
        "Thu 24 Dec – Fri 25 Dec (whole days)",
        "« Back",
    ]
    await chat.press_data(OffRemove(flow=flow_of(view), time_off=theirs.id).pack(), view)
    assert last_answer(harness) == "That time off no longer exists."
    assert len(await time_off_of(harness, wilson.user_id)) == 1

    await chat.press("Thu 10 Dec, 09:00–12:00")
    assert lines_of(view)[0] == "✅ Time off removed: Thu 10 Dec, 09:00–12:00."
    assert await time_off_of(harness, house.user_id) == [(at(24, 0), at(26, 0), True)]
    assert "• Thu 10 Dec, 09:00–12:00" not in lines_of(view)
    assert "• Thu 24 Dec – Fri 25 Dec (whole days)" in lines_of(view)


# --- conversations: stale buttons, typed text, /cancel, restarts --------------------------------


async def test_buttons_of_an_ended_change_are_stale(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    flow = flow_of(view)
    await chat.press("Monday")
    await chat.press("Done")
    fresh = (await chat.send("/hours"))[-1]

    for data in (
        HoursClearDay(flow=flow),
        HoursAddRange(flow=flow),
        HoursWeekday(flow=flow, weekday=0),
        PickerHour(flow=flow, hour=9),
        OffConfirm(flow=flow, answer="y"),
    ):
        await chat.press_data(data.pack(), view)
        assert last_answer(harness) == STALE
    assert view.buttons == []  # the stale buttons are taken away
    assert (0, 540, 1020) in await hours_of(harness, house.user_id)

    # The overview's own buttons start a change again.
    await chat.press("Edit a day", fresh)
    assert fresh.text == "Which day of the week do you want to change?"

    # A step's button in an older message, while a change runs in a newer one: the older
    # message is brought up to where the change is, and nothing else happens.
    old = fresh
    old_flow = flow_of(old)
    newer = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day", newer)
    await chat.press("Tuesday", newer)
    await chat.press_data(HoursWeekday(flow=old_flow, weekday=0).pack(), old)
    assert last_answer(harness) == OUT_OF_DATE
    assert old.text == newer.text == "Tuesday (Europe/Madrid): 09:00–17:00"
    await chat.press_data(HoursClearDay(flow=old_flow).pack(), old)
    assert last_answer(harness) == OUT_OF_DATE
    assert await hours_of(harness, house.user_id) == [(d, 540, 1020) for d in range(5)]


async def test_stickers_and_other_commands_at_a_button_step(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")

    # Anything that is not an answer gets the choices again; the step is unchanged.
    again = (await chat.send_sticker())[-1]
    assert again.text.startswith("I didn't catch that. Please choose one of these")
    assert again.text.endswith("Which day of the week do you want to change?")
    assert again.button_texts[:2] == ["Monday", "Tuesday"]
    # A command that starts no conversation is answered; the change waits where it was.
    assert (await chat.send("/schedule"))[-1].text.startswith("📋 Dr. Gregory House")
    await chat.press("Monday", view)
    assert view.text == "Monday (Europe/Madrid): 09:00–17:00"

    # /hours starts over rather than trapping the doctor.
    clear = HoursClearDay(flow=flow_of(view)).pack()
    fresh = (await chat.send("/hours"))[-1]
    assert fresh.button_texts == ["Edit a day", "Add time off"]
    assert await open_conversation(harness, chat) is None
    await chat.press_data(clear, view)
    assert last_answer(harness) == STALE
    assert (0, 540, 1020) in await hours_of(harness, house.user_id)


async def test_a_command_that_starts_a_conversation_closes_the_change(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    await chat.press("Friday")

    replies = await chat.send("/login")

    assert replies[0].text == "(Your unfinished change of hours was closed.)"
    assert await open_conversation(harness, chat) == "login"
    # The change's buttons no longer act: the chat is shown where it now is.
    shown = await chat.press("Clear day", view)
    assert last_answer(harness) == OUT_OF_DATE
    assert [m.text for m in shown] == [replies[-1].text]
    assert (4, 540, 1020) in await hours_of(harness, house.user_id)


async def test_cancel_midway_saves_nothing(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Add time off")
    await chat.press("Wed 2 Dec")
    await chat.press("Part of the day")
    await chat.press("10")
    await chat.press("10:00")
    assert await open_conversation(harness, chat) == "hours"

    assert (await chat.send("/cancel"))[-1].text == "Cancelled. Nothing was saved."

    assert await open_conversation(harness, chat) is None
    await chat.press("12", view)
    assert last_answer(harness) == STALE
    assert await time_off_of(harness, house.user_id) == []
    assert (await chat.send("/cancel"))[-1].text == "There is nothing to cancel."


async def test_a_change_survives_a_restart(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    await chat.press("Saturday")
    await chat.press("Add a range")
    await chat.press("10")

    await harness.restart()
    harness.rebind(chat)

    await chat.press("10:30")
    await chat.press("14")
    await chat.press("14:00")
    assert lines_of(view)[0] == "✅ Added 10:30–14:00."
    assert (5, 630, 840) in await hours_of(harness, house.user_id)


async def test_a_logged_out_doctor_cannot_use_old_buttons(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(1, 10))
    harness.clock.set(at(1, 10, 5))
    view = (await chat.send("/schedule"))[-1]
    hours = (await chat.send("/hours"))[-1]
    await chat.send("/logout")

    await chat.press("✔ 10:00 attended", view)
    assert last_answer(harness) == "Please /login first."
    await chat.press("Tomorrow", view)
    assert last_answer(harness) == "Please /login first."
    await chat.press("Add time off", hours)
    assert last_answer(harness) == "Please /login first."
    assert (await appointment(harness, booked.id)).status == "booked"


# --- admins' list of doctors, and what a read costs ---------------------------------------------


async def test_admins_see_the_doctors_ten_at_a_time(harness: Harness) -> None:
    for number in range(23):
        await make_doctor(
            harness.services,
            f"doctor{number:02d}@example.com",
            name=f"Dr. Number {number:02d}",
            specialty="Cardiology" if number % 2 else "Oncology",
            password=None,
        )
    await make_user(harness.services, "boss@example.com", name="Lisa Cuddy", role=Role.ADMIN)
    admin = harness.user("Lisa")
    await log_in_chat(admin, "boss@example.com")

    listing = (await admin.send("/schedule"))[-1]
    assert listing.text == "Whose schedule?\nPage 1 of 3."
    assert listing.button_texts == [
        *(f"Dr. Number {n:02d} · {'Cardiology' if n % 2 else 'Oncology'}" for n in range(10)),
        "Next ▶",
    ]
    await admin.press("Next ▶")
    assert listing.text == "Whose schedule?\nPage 2 of 3."
    assert listing.button_texts[0] == "Dr. Number 10 · Oncology"
    assert listing.button_texts[-2:] == ["◀ Previous", "Next ▶"]
    await admin.press("Next ▶")
    assert listing.button_texts == [
        "Dr. Number 20 · Oncology",
        "Dr. Number 21 · Cardiology",
        "Dr. Number 22 · Oncology",
        "◀ Previous",
    ]
    await admin.press("Dr. Number 21 · Cardiology")
    assert lines_of(listing)[0] == "📋 Dr. Number 21 — Tuesday 1 December 2026 (Europe/Madrid)"
    await admin.press("« Doctors")
    assert listing.text == "Whose schedule?\nPage 1 of 3."
    assert listing.edits == 4  # one message throughout


async def test_reading_a_schedule_costs_the_chats_read_and_one_statement(
    harness: Harness, connection: AsyncConnection
) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García", phone="+34600111222")
    await book(harness, ana, house, at(1, 10))
    await book(harness, ana, house, at(3, 10))
    await make_user(harness.services, "boss@example.com", name="Lisa Cuddy", role=Role.ADMIN)
    admin = harness.user("Lisa")
    await log_in_chat(admin, "boss@example.com")

    with statements(connection) as seen:
        view = (await chat.send("/schedule"))[-1]
    assert "10:00–10:30 · Ana García" in view.text
    # The chat's own read (its conversation, session and user), then the doctor and the day's
    # appointments together; nothing is written.
    assert len(seen) == 2, seen
    for label in ("Next 7 days", "Thu 3 Dec", "Tomorrow"):
        with statements(connection) as seen:
            await chat.press(label, view)
        assert len(seen) == 2, seen
    assert lines_of(view)[0].endswith("Wednesday 2 December 2026 (Europe/Madrid)")

    with statements(connection) as seen:
        listing = (await admin.send("/schedule"))[-1]
        await admin.press("Dr. Gregory House · Cardiology", listing)
    assert len(seen) == 4, seen

    # Forged data is refused after the chat's read alone, before any use case.
    with statements(connection) as seen:
        await chat.press_data("sc:99999999999:20261201:1", view)
        await chat.press_data(f"at:{house.user_id}:maybe", view)
    assert last_answer(harness) == STALE
    assert len(seen) == 2, seen


# --- typed answers ------------------------------------------------------------------------------


async def test_typed_weekdays_hours_and_times_in_english(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana = await patient(harness, "ana@example.com", "Ana García")
    await book(harness, ana, house, at(8, 16))  # next Tuesday, 16:00
    await chat.send("/hours")
    await chat.press("Edit a day")

    # A unique prefix, any case, in either language; an ambiguous one asks which.
    assert (await chat.send("t"))[-1].text.startswith("Which one do you mean: Tuesday, Thursday?")
    unknown = (await chat.send("whenever"))[-1]
    assert unknown.text.startswith("I didn't catch that. Choose a day of the week")
    assert unknown.text.endswith("Which day of the week do you want to change?")
    assert (await chat.send("LUNES"))[-1].text == "Monday (Europe/Madrid): 09:00–17:00"
    await chat.send("Done")
    await chat.press("Edit a day")
    assert (await chat.send("tue"))[-1].text == "Tuesday (Europe/Madrid): 09:00–17:00"

    # Hours typed as ranges replace the day's; the appointment they leave out is kept, typed.
    assert lines_of((await chat.send("9-13, 14:30–15:30"))[-1])[:4] == [
        "✅ Tuesday: 09:00–13:00, 14:30–15:30.",
        "",
        "⚠️ 1 upcoming appointment(s) on Tuesday now fall outside your hours (Europe/Madrid):",
        "1. Tue 8 Dec 16:00 — Ana García",
    ]
    assert lines_of((await chat.send("keep"))[-1]) == [
        "✔ Kept: Tue 8 Dec 16:00 — Ana García.",
        "",
        "Tuesday (Europe/Madrid): 09:00–13:00, 14:30–15:30",
    ]
    assert [r for r in await hours_of(harness, house.user_id) if r[0] == 1] == [
        (1, 540, 780), (1, 870, 930),
    ]  # fmt: skip

    # Bad or overlapping ranges get a short answer; the step stays and nothing changes.
    for typed, answer in (
        ("13-9", "I can't use “13-9” as hours: type ranges such as 9-13, 14:30-18."),
        ("25-30", "I can't use “25-30” as hours"),
        ("9-13, 12-18", "09:00–13:00 and 12:00–18:00 overlap: type each range once."),
        ("when I can", "I didn't catch that. Choose a button, or type Tuesday's hours"),
    ):
        reply = (await chat.send(typed))[-1]
        assert reply.text.startswith(answer), reply.text
        assert reply.text.endswith("Tuesday (Europe/Madrid): 09:00–13:00, 14:30–15:30")
    assert [r for r in await hours_of(harness, house.user_id) if r[0] == 1] == [
        (1, 540, 780), (1, 870, 930),
    ]  # fmt: skip

    # The buttons' labels, and times as the picker offers them ("9.30", "1pm", "45").
    assert lines_of((await chat.send("clear"))[0])[0] == "✅ Tuesday cleared."
    assert "Pick the start hour" in (await chat.send("add a range"))[-1].text
    assert "Starts at 09:30. Pick the end hour" in (await chat.send("9.30"))[-1].text
    assert lines_of((await chat.send("1pm"))[-1])[0] == "✅ Added 09:30–13:00."
    await chat.send("add")
    assert "Start at 12:…? Pick the minutes" in (await chat.send("12"))[-1].text
    not_offered = (await chat.send("12:10"))[-1]
    assert not_offered.text.startswith("12:10 can't be chosen here. Choose one of these:")
    assert not_offered.button_texts == ["12:00", "12:15", "12:30", "12:45", "« Back"]
    assert "Starts at 12:45" in (await chat.send("45"))[-1].text
    assert (await chat.send("noon-ish"))[-1].text.startswith(
        "I didn't catch that. Choose with the buttons, or type a time such as 13:00 or 1pm."
    )
    assert (await chat.send("8:00"))[-1].text.startswith("08:00 can't be chosen here.")
    # Merged with the range it overlaps: the appointment at 16:00 is inside again.
    assert lines_of((await chat.send("24:00"))[-1]) == [
        "✅ Added 12:45–24:00.",
        "",
        "Tuesday (Europe/Madrid): 09:30–24:00",
    ]
    overview = (await chat.send("done"))[-1]
    assert "Tue 09:30–13:00, 12:45–24:00" not in overview.text
    assert "Tue 09:30–24:00" in lines_of(overview)

    # A weekday with its hours, at once.
    await chat.press("Edit a day", overview)
    friday = (await chat.send("friday 8-12"))[-1]
    assert lines_of(friday) == [
        "✅ Friday: 08:00–12:00.",
        "",
        "Friday (Europe/Madrid): 08:00–12:00",
    ]
    assert [r for r in await hours_of(harness, house.user_id) if r[0] == 4] == [(4, 480, 720)]


async def test_typed_dates_times_and_yes_for_time_off_in_english(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(24, 10))
    await chat.send("/hours")
    await chat.press("Add time off")

    unknown = (await chat.send("some day soon"))[-1]
    assert unknown.text.startswith("I didn't catch that. Choose a day, or type a date")
    assert unknown.button_texts[0] == "Tue 1 Dec"
    for typed, answer in (
        ("2026-11-30", "That day can't be chosen here."),  # yesterday
        ("2/12/2027", "That day can't be chosen here."),  # past the year ahead
        ("31/11", "I didn't catch that."),  # no such day
    ):
        reply = (await chat.send(typed))[-1]
        assert reply.text.startswith(answer), (typed, reply.text)
        assert reply.text.endswith("🏖 Time off (Europe/Madrid): pick the first day.")
    assert (await chat.send("later"))[-1].button_texts[0] == "Tue 8 Dec"
    # A day not on the page shown, typed.
    assert "Time off from Wednesday 2 December 2026" in (await chat.send("tomorrow"))[-1].text
    assert "pick the first day" in (await chat.send("back"))[-1].text
    assert "Time off from Thursday 24 December 2026" in (await chat.send("24/12"))[-1].text
    assert "Whole days from Thursday 24 December 2026" in (await chat.send("whole"))[-1].text
    conflicts = (await chat.send("25 dec"))[-1]
    assert lines_of(conflicts)[:2] == [
        "⚠️ 1 appointment(s) fall in Thu 24 Dec – Fri 25 Dec (whole days) (Europe/Madrid):",
        "• Thu 24 Dec 10:00 — Ana García",
    ]
    assert (await chat.send("perhaps"))[-1].text.startswith("I didn't catch that.")
    done = (await chat.send("yes"))[-1]
    assert lines_of(done)[0] == (
        "✅ Time off added: Thu 24 Dec – Fri 25 Dec (whole days). 1 appointment(s) cancelled; "
        "the patients were told."
    )
    assert (await appointment(harness, booked.id)).status == "cancelled"
    assert "cancelled your appointment" in ana_chat.last.text

    # Part of a day: the times typed as offered.
    await chat.press("Add time off", done)
    await chat.send("fri")
    await chat.send("part")
    assert "Starts at 10:00. Pick the end hour" in (await chat.send("10:00"))[-1].text
    added = (await chat.send("12.30"))[-1]
    assert lines_of(added)[0] == "✅ Time off added: Fri 4 Dec, 10:00–12:30."
    assert await time_off_of(harness, house.user_id) == [
        (datetime(2026, 12, 4, 9, tzinfo=UTC), datetime(2026, 12, 4, 11, 30, tzinfo=UTC), False),
        (at(24, 0), at(26, 0), True),
    ]

    # Removing, by a date typed.
    await chat.press("Remove time off", added)
    removed = (await chat.send("4/12"))[-1]
    assert lines_of(removed)[0] == "✅ Time off removed: Fri 4 Dec, 10:00–12:30."
    assert await time_off_of(harness, house.user_id) == [(at(24, 0), at(26, 0), True)]


async def test_typed_answers_in_spanish(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness, language="es")
    ana = await patient(harness, "ana@example.com", "Ana García")
    booked = await book(harness, ana, house, at(24, 10))
    view = (await chat.send("/hours"))[-1]
    assert view.button_texts == ["Editar un día", "Añadir ausencia"]
    await chat.press("Editar un día")

    assert (await chat.send("miércoles"))[-1].text == "miércoles (Europe/Madrid): 09:00–17:00"
    assert lines_of((await chat.send("de 9 a 14 y de 16 a 19"))[-1])[0] == (
        "✅ miércoles: 09:00–14:00, 16:00–19:00."
    )
    overlap = (await chat.send("9-15, 14-18"))[-1]
    assert overlap.text.startswith("09:00–15:00 y 14:00–18:00 se solapan")
    wrong = (await chat.send("quizá por la tarde"))[-1]
    assert wrong.text.startswith("No te he entendido. Elige un botón, o escribe el horario")
    assert wrong.text.endswith("miércoles (Europe/Madrid): 09:00–14:00, 16:00–19:00")
    overview = (await chat.send("hecho"))[-1]
    assert "mié 09:00–14:00, 16:00–19:00" in lines_of(overview)

    await chat.press("Añadir ausencia", overview)
    assert "Ausencia desde el miércoles 2 de diciembre de 2026" in (
        (await chat.send("mañana"))[-1].text
    )
    assert "Elige la hora de inicio" in (await chat.send("parte"))[-1].text
    await chat.send("9:00")
    assert lines_of((await chat.send("1pm"))[-1])[0] == (
        "✅ Ausencia añadida: mié 2 dic, 09:00–13:00."
    )

    await chat.press("Añadir ausencia")
    assert "jueves 24 de diciembre de 2026" in (await chat.send("24 de diciembre"))[-1].text
    assert "elige el último día" in (await chat.send("días completos"))[-1].text
    conflicts = (await chat.send("24/12"))[-1]
    assert conflicts.button_texts == ["Bloquear y cancelar 1", "« Volver"]
    done = (await chat.send("sí"))[-1]
    assert lines_of(done)[0] == (
        "✅ Ausencia añadida: jue 24 dic (día completo). 1 cita(s) cancelada(s); se ha avisado "
        "a los pacientes."
    )
    assert (await appointment(harness, booked.id)).status == "cancelled"


async def test_time_off_that_ended_meanwhile_is_not_removed(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    async with harness.services.transaction() as s:
        now = harness.clock.now()
        await add_time_off(
            s, doctor_id=house.user_id, starts_at=at(1, 8), ends_at=at(1, 9, 15),
            whole_days=False, now=now,
        )  # fmt: skip
    view = (await chat.send("/hours"))[-1]
    await chat.press("Remove time off")
    assert view.button_texts == ["Tue 1 Dec, 08:00–09:15", "« Back"]

    harness.clock.set(at(1, 9, 15))  # over while the list is open
    await chat.press("Tue 1 Dec, 08:00–09:15", view)

    assert last_answer(harness) == "That time off no longer exists."
    assert await time_off_of(harness, house.user_id) == [(at(1, 8), at(1, 9, 15), False)]


async def test_many_entries_of_time_off_are_listed_a_page_at_a_time(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness)
    async with harness.services.transaction() as s:
        for number in range(20):  # the 2nd to the 21st of December, one morning each
            await add_time_off(
                s, doctor_id=house.user_id, starts_at=at(2 + number, 9),
                ends_at=at(2 + number, 10), whole_days=False, now=harness.clock.now(),
            )  # fmt: skip

    view = (await chat.send("/hours"))[-1]
    entries = [line for line in lines_of(view) if line.startswith("• ")]
    assert entries[0] == "• Wed 2 Dec, 09:00–10:00"
    assert entries[-2:] == [
        "• Wed 16 Dec, 09:00–10:00",
        "• … and 5 more (Remove time off lists them all)",
    ]

    await chat.press("Remove time off")
    assert view.text == "🏖 Which time off do you want to remove? (Europe/Madrid)\nPage 1 of 3."
    assert view.button_texts[-2:] == ["Later ▶", "« Back"]
    assert len(view.buttons) == 8 + 2
    await chat.press("Later ▶")
    await chat.press("Later ▶")
    assert view.text.endswith("Page 3 of 3.")
    assert view.button_texts == [
        "Fri 18 Dec, 09:00–10:00",
        "Sat 19 Dec, 09:00–10:00",
        "Sun 20 Dec, 09:00–10:00",
        "Mon 21 Dec, 09:00–10:00",
        "◀ Earlier",
        "« Back",
    ]
    removed = (await chat.send("sun"))[-1]  # typed: the entry on this page that day
    assert lines_of(removed)[0] == "✅ Time off removed: Sun 20 Dec, 09:00–10:00."
    assert len(await time_off_of(harness, house.user_id)) == 19
