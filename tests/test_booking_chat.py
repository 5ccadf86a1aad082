"""/book, /appointments, cancelling and rescheduling, end to end through the bot.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid (the clinic's zone in tests); a
doctor made by ``make_doctor`` works Mon–Fri 09:00–17:00; the minimum notice is 1 h, the horizon
30 days, the cancellation window 2 h and a patient may hold 3 upcoming appointments.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.callbacks import (
    AskCancel,
    BookConfirm,
    BookDay,
    BookDaysPage,
    BookDoctor,
    BookSpecialty,
    BookTime,
    ConfirmCancel,
    KeepAppointment,
    Reschedule,
    StepData,
    WaitEarlier,
    decode,
)
from bot.formatting import policy_of
from bot.settings import ClinicIdentity
from db.accounts import log_out
from db.booking import Actor, AppointmentView, cancel, mark_attendance
from db.doctors import DoctorView, set_doctor_active
from db.models import Appointment, Role, User
from db.slots import WeeklyRange
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

MADRID_NOON_TOMORROW = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # Wed 2 Dec, 12:00 in Madrid
TEN_TOMORROW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wed 2 Dec, 10:00 in Madrid
# 08:30 in Madrid on Wed 2 Dec: inside TEN_TOMORROW's 2-hour window, and still within the
# 24 hours of the session the patient opened at the start of the test.
IN_THE_WINDOW = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)


async def _patient(
    h: Harness, email: str = "ana@example.com", name: str = "Ana García", language: str = "en"
) -> tuple[ChatUser, User]:
    user = await make_user(h.services, email, name=name, language=language)
    chat = h.user(name.split()[0], language)
    await log_in_chat(chat, email)
    return chat, user


async def _doctor_in_chat(h: Harness, doctor: DoctorView) -> ChatUser:
    chat = h.user(doctor.name.split()[-1])
    await log_in_chat(chat, doctor.email)
    return chat


async def _appointments(h: Harness) -> list[Appointment]:
    async with h.services.session_factory() as s:
        return list((await s.scalars(select(Appointment).order_by(Appointment.id))).all())


async def _to_times(chat: ChatUser, day: str = "Tue 1 Dec", doctor: str = "House") -> Message:
    await chat.send("/book")
    await chat.press("Cardiology")
    await chat.press(doctor)
    await chat.press(day)
    return chat.last


async def _open_card(chat: ChatUser, number: int = 1) -> Message:
    """/appointments, then visit ``number``'s button: the list's message, now that visit's card."""
    listing = (await chat.send("/appointments"))[-1]
    await chat.press(f"{number}. ", listing)
    return listing


def _flow(chat: ChatUser, message: Message) -> int:
    """The conversation number the message's buttons carry."""
    for row in message.buttons:
        for button in row:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError("no step buttons on the message")


def _flow_of_last_booking(h: Harness, chat: ChatUser) -> int:
    """The number of the chat's latest conversation (its buttons' flow)."""
    for message in reversed(h.telegram.calls):
        _, params = message
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
            for button in row:
                data = decode(button.get("callback_data"))
                if isinstance(data, StepData) and params.get("chat_id") == chat.chat_id:
                    return data.flow
    raise AssertionError("no conversation buttons were sent")


def _answer(h: Harness) -> str | None:
    answer = h.telegram.answers[-1]
    text = answer.get("text")
    return str(text) if text is not None else None


async def _deactivate(h: Harness, doctor: DoctorView) -> None:
    async with h.services.transaction() as s:
        await set_doctor_active(s, doctor_id=doctor.user_id, active=False, now=h.clock.now())


# --- /book ---------------------------------------------------------------------------------------


async def test_book_end_to_end_on_one_message(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com", slot_minutes=45)
    await make_doctor(harness.services, "cuddy@example.com", name="Dr. Lisa Cuddy")
    await make_doctor(
        harness.services, "wilson@example.com", name="Dr. James Wilson", specialty="Oncology"
    )
    doctor_chat = await _doctor_in_chat(harness, doctor)
    ana, user = await _patient(harness)

    sent = await ana.send("/book")
    assert len(sent) == 1
    booking = sent[0]
    assert "Which specialty?" in booking.text
    assert booking.button_texts == ["Cardiology", "Oncology"]

    assert await ana.press("Cardiology") == []
    assert "Cardiology: which doctor?" in booking.text
    assert booking.button_texts == ["Dr. Gregory House", "Dr. Lisa Cuddy", "‹ Back"]

    await ana.press("Dr. Gregory House")
    assert "Dr. Gregory House (Cardiology)" in booking.text
    assert "Times are in Europe/Madrid" in booking.text
    assert booking.button_texts[:7] == [
        "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec", "Mon 7 Dec", "Tue 8 Dec", "Wed 9 Dec",
    ]  # fmt: skip

    await ana.press("Tue 1 Dec")
    assert "Tuesday 1 December 2026" in booking.text and "(Europe/Madrid)" in booking.text
    # 45-minute slots from 09:00; the first one at least an hour away is 10:30.
    times = booking.button_texts
    assert times[:4] == ["10:30", "11:15", "12:00", "12:45"]
    assert times[-1] == "‹ Other days"
    assert len(booking.buttons[0]) == 4

    await ana.press("11:15")
    # The visit's reason is optional: this patient skips it.
    assert booking.text.startswith("📝 Reason for the visit (optional)")
    assert booking.button_texts == ["Skip ›", "🕒 Change time", "✖ Cancel"]
    await ana.press("Skip")
    assert booking.text == (
        "Please check your appointment:\n\n"
        "Doctor: Dr. Gregory House\n"
        "Specialty: Cardiology\n"
        "When: Tuesday 1 December 2026, 11:15–12:00 (Europe/Madrid)"
    )
    assert booking.button_texts == ["✅ Confirm", "🕒 Change time", "📝 Reason", "✖ Cancel"]

    assert await ana.press("Confirm") == []
    assert booking.text.startswith("✅ Booked")
    assert "When: Tuesday 1 December 2026, 11:15–12:00 (Europe/Madrid)" in booking.text
    assert "Dr. Gregory House" in booking.text and "Cardiology" in booking.text
    assert booking.buttons == []
    # Every step edited the one message: /book sent nothing else.
    assert ana.last is booking and booking.edits == 6

    [appointment] = await _appointments(harness)
    assert (appointment.status, appointment.doctor_id, appointment.patient_id) == (
        "booked", doctor.user_id, user.id,
    )  # fmt: skip
    assert appointment.starts_at == datetime(2026, 12, 1, 10, 15, tzinfo=UTC)
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=45)

    assert doctor_chat.last.text == (
        "📅 New appointment: Ana García (—) on Tuesday 1 December 2026, 11:15–12:00 "
        "(Europe/Madrid)."
    )


async def test_days_are_paged_seven_at_a_time(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("House")
    days = ana.last
    # Weekdays from Tue 1 Dec to Thu 31 Dec (the 30-day horizon): 23 days, four pages.
    assert "Page 1 of 4." in days.text
    assert days.button_texts == [
        "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec", "Mon 7 Dec", "Tue 8 Dec",
        "Wed 9 Dec", "›", "🔔 Tell me when a time frees up", "‹ Doctors",
    ]  # fmt: skip

    await ana.press("›")
    assert "Page 2 of 4." in days.text
    assert days.button_texts == [
        "Thu 10 Dec", "Fri 11 Dec", "Mon 14 Dec", "Tue 15 Dec", "Wed 16 Dec", "Thu 17 Dec",
        "Fri 18 Dec", "‹", "›", "🔔 Tell me when a time frees up", "‹ Doctors",
    ]  # fmt: skip

    await ana.press("›")
    await ana.press("›")
    assert "Page 4 of 4." in days.text
    assert days.button_texts == [
        "Wed 30 Dec", "Thu 31 Dec", "‹", "🔔 Tell me when a time frees up", "‹ Doctors",
    ]  # fmt: skip

    await ana.press("‹")
    await ana.press("‹")
    await ana.press("‹")
    assert "Page 1 of 4." in days.text and days.button_texts[0] == "Tue 1 Dec"

    # A day on page 2, then back from its times: page 2 again.
    await ana.press("›")
    await ana.press("Mon 14 Dec")
    assert "Monday 14 December 2026" in days.text and days.button_texts[0] == "09:00"
    await ana.press("‹ Other days")
    assert "Page 2 of 4." in days.text

    # A forged page number beyond the last shows the last page.
    await ana.press_data(BookDaysPage(flow=_flow(ana, days), page=99).pack(), days)
    assert "Page 4 of 4." in days.text
    # Back to the doctors, and to the specialties.
    await ana.press("‹ Doctors")
    assert "which doctor?" in days.text
    await ana.press("‹ Back")
    assert "Which specialty?" in days.text


async def test_only_bookable_specialties_and_clear_dead_ends(harness: Harness) -> None:
    ana, _ = await _patient(harness)
    assert "No doctor is taking appointments right now" in (await ana.send("/book"))[-1].text
    assert ana.last.buttons == []

    derm = await make_doctor(
        harness.services, "derm@example.com", name="Dr. Skin", specialty="Dermatology"
    )
    await make_doctor(harness.services, "idle@example.com", name="Dr. Idle", hours=())
    gone = await make_doctor(
        harness.services, "gone@example.com", name="Dr. Gone", specialty="Neurology"
    )
    await _deactivate(harness, gone)

    menu = (await ana.send("/book"))[-1]
    # Neurology's only doctor is inactive: not offered.
    assert menu.button_texts == ["Cardiology", "Dermatology"]

    # A doctor with no hours has no free day: said so, with a way back.
    await ana.press("Cardiology")
    await ana.press("Dr. Idle")
    assert "Dr. Idle (Cardiology) has no free times in the next 30 days" in menu.text
    assert "I can message you as soon as one frees up" in menu.text
    assert menu.button_texts == ["🔔 Tell me when a time frees up", "‹ Doctors"]
    await ana.press("‹ Doctors")
    await ana.press("‹ Back")

    # Dermatology's doctor leaves while the patient looks at the list.
    await _deactivate(harness, derm)
    await ana.press("Dermatology")
    assert "No Dermatology doctor is taking appointments right now" in menu.text
    assert menu.button_texts == ["‹ Back"]


async def test_slot_taken_meanwhile_offers_the_next_free_times(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    bob = await make_user(harness.services, "bob@example.com", name="Bob")
    ana, user = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    await book_directly(
        harness.services,
        patient_id=bob.id,
        doctor_id=doctor.user_id,
        starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )

    await ana.press("Confirm")
    assert message.text == (
        "That time was just taken by someone else. The next free times with "
        "Dr. Gregory House (Europe/Madrid):"
    )
    assert message.button_texts == [
        "Tue 1 Dec 10:30", "Tue 1 Dec 11:00", "Tue 1 Dec 11:30", "Tue 1 Dec 12:00",
        "Tue 1 Dec 12:30", "Tue 1 Dec 13:00", "‹ Other days", "✖ Cancel",
    ]  # fmt: skip

    await ana.press("Tue 1 Dec 11:00")
    assert "When: Tuesday 1 December 2026, 11:00–11:30 (Europe/Madrid)" in message.text
    await ana.press("Confirm")
    assert message.text.startswith("✅ Booked")
    mine = [a for a in await _appointments(harness) if a.patient_id == user.id]
    assert [a.starts_at for a in mine] == [datetime(2026, 12, 1, 10, 0, tzinfo=UTC)]


async def test_a_time_taken_before_it_is_chosen_is_not_confirmed(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    bob = await make_user(harness.services, "bob@example.com", name="Bob")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await book_directly(
        harness.services,
        patient_id=bob.id,
        doctor_id=doctor.user_id,
        starts_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    )
    await ana.press("10:30")
    assert _answer(harness) == "That time is no longer free."
    assert "Choose a time" in message.text and "10:30" not in message.button_texts
    assert "10:00" in message.button_texts


async def test_second_confirm_tap_books_once(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    confirm = ana.find_button("Confirm", message)[1]["callback_data"]
    await ana.press_data(confirm, message)
    assert message.text.startswith("✅ Booked")
    await ana.press_data(confirm, message)
    assert _answer(harness) == "This button is no longer valid."
    assert message.text.startswith("✅ Booked")
    assert len(await _appointments(harness)) == 1


async def test_patient_overlap_at_confirm(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    wilson = await make_doctor(
        harness.services, "wilson@example.com", name="Dr. James Wilson", specialty="Oncology"
    )
    ana, user = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    # Meanwhile the patient books the same time with another doctor (another chat, say).
    await book_directly(
        harness.services,
        patient_id=user.id,
        doctor_id=wilson.user_id,
        starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    await ana.press("Confirm")
    assert message.text.startswith("You already have another appointment at that time.")
    assert "Nothing was booked" in message.text and "Choose a day" in message.text
    assert "Tue 1 Dec" in message.button_texts
    assert [a.doctor_id for a in await _appointments(harness)] == [wilson.user_id]

    # The days offered now leave out the patient's own busy time.
    await ana.press("Tue 1 Dec")
    assert "10:00" not in message.button_texts and "10:30" in message.button_texts


async def test_too_many_upcoming(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    for day in (2, 3):
        await book_directly(
            harness.services,
            patient_id=user.id,
            doctor_id=doctor.user_id,
            starts_at=datetime(2026, 12, day, 9, 0, tzinfo=UTC),
        )
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    # The third one is booked elsewhere while this chat waits at the confirmation.
    await book_directly(
        harness.services,
        patient_id=user.id,
        doctor_id=doctor.user_id,
        starts_at=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
    )
    await ana.press("Confirm")
    assert message.text == (
        "You already have 3 upcoming appointments, the most you can hold at once. Nothing was "
        "booked. Cancel one in /appointments to book another."
    )
    assert message.buttons == []
    assert len(await _appointments(harness)) == 3
    # /book says so at once, without walking through the steps.
    replies = await ana.send("/book")
    assert replies[-1].text == (
        "You already have 3 upcoming appointments, the most you can hold at once. Cancel one "
        "in /appointments to book another."
    )
    assert replies[-1].buttons == []
    assert "didn't understand" in (await ana.send("Cardiology"))[-1].text


async def test_slot_past_the_minimum_notice_offers_the_days_again(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    harness.clock.advance(timedelta(minutes=20))  # 10:00 is now less than an hour away
    await ana.press("Confirm")
    assert message.text.startswith("That time can no longer be booked")
    assert "Choose a day" in message.text and "Tue 1 Dec" in message.button_texts
    await ana.press("Tue 1 Dec")
    assert message.button_texts[0] == "10:30"
    assert await _appointments(harness) == []


async def test_doctor_deactivated_before_confirm(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    await _deactivate(harness, doctor)
    await ana.press("Confirm")
    assert message.text == (
        "That doctor is no longer taking appointments. Nothing was booked. /book to choose "
        "another."
    )
    assert await _appointments(harness) == []
    assert "didn't understand" in (await ana.send("10:00"))[-1].text  # the conversation ended


async def test_change_time_and_cancel_button(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    await ana.press("Change time")
    assert "Choose a time" in message.text and message.button_texts[0] == "10:00"
    await ana.press("14:30")
    assert "14:30–15:00" in message.text
    await ana.press("✖ Cancel")
    assert message.text == "Booking cancelled. Nothing was booked."
    assert message.buttons == []
    assert await _appointments(harness) == []


async def test_cancel_command_midway_books_nothing(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    assert "Cancelled. Nothing was saved." in (await ana.send("/cancel"))[-1].text
    await ana.press("Confirm", message)
    assert _answer(harness) == "This button is no longer valid."
    assert await _appointments(harness) == []
    assert "nothing to cancel" in (await ana.send("/cancel"))[-1].text


async def test_typed_answers_count_like_buttons(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com", slot_minutes=60)
    await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    await make_doctor(
        harness.services, "cuddy@example.com", name="Dr. Lisa Cuddy", specialty="Cardiac Surgery"
    )
    ana, user = await _patient(harness)
    await ana.send("/book")
    # A unique prefix, any case and accents; an ambiguous one asks which.
    assert "Which one do you mean: Cardiac Surgery, Cardiology?" in (
        (await ana.send("card"))[-1].text
    )
    assert "which doctor?" in (await ana.send("CARDIOLOGY!"))[-1].text
    # An answer that names nothing shows the choices again; the step is unchanged.
    unknown = (await ana.send("the best one please"))[-1]
    assert unknown.text.startswith("I didn't catch that.") and "which doctor?" in unknown.text
    assert "Dr. Gregory House" in unknown.button_texts
    assert "Choose a day" in (await ana.send("house"))[-1].text
    assert "choose one of these" in (await ana.send_sticker())[-1].text
    # Days by their label, a date or a weekday; times as offered, in any spelling.
    assert "Wednesday 2 December 2026" in (await ana.send("wed 2 dec"))[-1].text
    assert "Reason for the visit" in (await ana.send("1pm"))[-1].text
    assert "13:00–14:00" in ana.last.text
    assert "Please check your appointment" in (await ana.send("skip"))[-1].text
    assert "Choose a time" in (await ana.send("change"))[-1].text
    assert "Please check" in (await ana.send("14:00"))[-1].text
    done = (await ana.send("yes"))[-1]
    assert done.text.startswith("✅ Booked") and "14:00–15:00" in done.text
    [row] = await _appointments(harness)
    assert (row.patient_id, row.doctor_id) == (user.id, house.user_id)
    assert row.starts_at == datetime(2026, 12, 2, 13, 0, tzinfo=UTC)


async def test_other_commands_leave_the_booking_open(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("House")
    # A command that starts no conversation is answered; the booking waits where it was.
    assert "upcoming appointments" in (await ana.send("/appointments"))[-1].text
    await ana.press("Tue 1 Dec")
    assert "Choose a time" in ana.find_button("10:00")[0].text
    # A command that starts one ends the booking, saying so.
    replies = await ana.send("/book")
    assert replies[0].text == "(Your unfinished booking was closed.)" or (
        "Which specialty?" in replies[-1].text
    )


async def test_forged_and_stale_booking_buttons(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    first = (await ana.send("/book"))[-1]
    await ana.send("/cancel")
    second = (await ana.send("/book"))[-1]
    # A button of the first /book, though its data fits this step, is stale: its message now
    # shows where the open booking is.
    await ana.press("Cardiology", first)
    assert _answer(harness) == "That screen was out of date: here is where you are."
    assert "Which specialty?" in second.text and "Which specialty?" in first.text
    flow = _flow(ana, second)
    assert _flow(ana, first) == flow

    # Ids that don't exist: the lists are shown again, nothing advances.
    await ana.press_data(BookSpecialty(flow=flow, specialty=999999).pack(), second)
    assert "Which specialty?" in second.text
    await ana.press("Cardiology", second)
    await ana.press_data(BookDoctor(flow=flow, doctor=999999).pack(), second)
    assert _answer(harness) == (
        "That doctor is no longer taking appointments. Nothing was booked. /book to choose "
        "another."
    )
    assert "which doctor?" in second.text
    await ana.press("House", second)
    # A day or time no one offered.
    sunday = BookDay(flow=flow, day=datetime(2026, 12, 6).date()).pack()
    await ana.press_data(sunday, second)
    assert second.text.startswith("That day has no free times left.")
    # Forged data is refused before anything reaches the database; the step is shown again.
    await ana.press_data(f"bk.day:{flow}:20269999", second)  # no such date
    assert _answer(harness) == "That screen was out of date: here is where you are."
    assert "Choose a day" in second.text
    await ana.press("Tue 1 Dec", second)
    not_a_slot = datetime(2026, 12, 1, 9, 20, tzinfo=UTC)  # 10:20 in Madrid
    await ana.press_data(BookTime(flow=flow, starts_at=not_a_slot).pack(), second)
    assert _answer(harness) == "That time is no longer free."
    assert "Choose a time" in second.text
    await ana.press_data(f"bk.t:{flow}:99999999999", second)  # in the year 5138
    assert _answer(harness) == "That screen was out of date: here is where you are."
    year_2400 = datetime(2400, 1, 4, 9, 0, tzinfo=UTC)
    await ana.press_data(BookTime(flow=flow, starts_at=year_2400).pack(), second)
    assert _answer(harness) == "That time is no longer free."
    assert second.text.startswith("That day has no free times left.\n\nDr. Gregory House")
    # Oversized ids and data too.
    await ana.press_data(f"bk.d:{flow}:99999999999", second)
    assert _answer(harness) == "That screen was out of date: here is where you are."
    await ana.press_data("x" * 200, second)
    assert _answer(harness) == "That screen was out of date: here is where you are."
    # A button of another step: the current step is shown again.
    await ana.press_data(BookConfirm(flow=flow).pack(), second)
    assert _answer(harness) == "That screen was out of date: here is where you are."
    assert "Choose a day" in second.text
    assert await _appointments(harness) == []
    assert not harness.errors


async def test_book_refused_to_doctors_and_strangers(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    doctor_chat = await _doctor_in_chat(harness, doctor)
    assert (await doctor_chat.send("/book"))[-1].text == "That is not available to your account."
    assert "not available" in (await doctor_chat.send("/appointments"))[-1].text
    stranger = harness.user("Nobody")
    assert (await stranger.send("/book"))[-1].text == "Please /login first."
    assert (await stranger.send("/appointments"))[-1].text == "Please /login first."


async def test_logout_midway_ends_the_conversation(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    message = await _to_times(ana)
    await ana.press("10:00")
    await ana.press("Skip")
    # Logged out from this chat's session (e.g. the account's sessions were revoked).
    async with harness.services.transaction() as s:
        await log_out(s, chat_id=ana.chat_id, now=harness.clock.now())
    await ana.press("Confirm", message)
    assert _answer(harness) == "Please /login first."
    assert await _appointments(harness) == []


async def test_restart_mid_booking_loses_nothing(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("House")
    await harness.restart()
    harness.rebind(ana)
    await ana.press("Wed 2 Dec")
    await ana.press("12:00")
    await ana.press("Skip")
    await harness.restart()
    harness.rebind(ana)
    await ana.press("Confirm")
    assert ana.last.text.startswith("✅ Booked")
    [appointment] = await _appointments(harness)
    assert appointment.patient_id == user.id
    assert appointment.starts_at == MADRID_NOON_TOMORROW


async def test_booking_in_spanish(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    doctor_chat = await _doctor_in_chat(harness, doctor)
    lucia, _ = await _patient(harness, "lucia@example.com", "Lucía Pérez", language="es")
    message = (await lucia.send("/book"))[-1]
    assert "¿Qué especialidad?" in message.text
    await lucia.press("Cardiology")
    assert "¿con qué médico?" in message.text and "‹ Atrás" in message.button_texts
    await lucia.press("House")
    assert "Elige un día. Las horas son de Europe/Madrid." in message.text
    assert message.button_texts[:2] == ["mar 1 dic", "mié 2 dic"]
    assert "‹ Médicos" in message.button_texts
    await lucia.press("mié 2 dic")
    assert "miércoles 2 de diciembre de 2026" in message.text
    again = (await lucia.send("a las doce"))[-1]
    assert again.text.startswith("No te he entendido. Elige una de estas opciones")
    assert "Elige una hora" in again.text and "12:00" in again.button_texts
    await lucia.press("12:00", message)
    assert "Motivo de la consulta" in message.text
    await lucia.press("Omitir", message)
    assert message.text == (
        "Revisa tu cita:\n\nMédico: Dr. Gregory House\nEspecialidad: Cardiology\n"
        "Cuándo: miércoles 2 de diciembre de 2026, 12:00–12:30 (Europe/Madrid)"
    )
    assert message.button_texts == ["✅ Confirmar", "🕒 Cambiar hora", "📝 Motivo", "✖ Cancelar"]
    await lucia.press("Confirmar")
    assert message.text.startswith("✅ Cita reservada")
    # The doctor reads the notice in their own language.
    assert doctor_chat.last.text.startswith("📅 New appointment: Lucía Pérez")
    card = await _open_card(lucia)
    assert "Estado: reservada" in card.text
    assert card.button_texts == [
        "✖ Cancelar", "🔁 Cambiar", "🔔 Avísame si hay antes", "« Todas las citas",
    ]  # fmt: skip
    await lucia.press("Todas las citas", card)
    assert card.text == (
        "Tus próximas citas (1), horas de Europe/Madrid:\n"
        "1. mié 2 dic 12:00 — Dr. Gregory House (Cardiology)"
    )


async def test_booking_on_the_day_clocks_go_forward(harness: Harness) -> None:
    # Madrid's clocks go from 02:00 to 03:00 on Sunday 28 March 2027.
    harness.clock.set(datetime(2027, 3, 25, 8, 0, tzinfo=UTC))
    await make_doctor(
        harness.services,
        "night@example.com",
        name="Dr. Night",
        slot_minutes=60,
        hours=(WeeklyRange(6, 60, 300),),  # Sundays 01:00–05:00
    )
    ana, user = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("Dr. Night")
    assert ana.last.button_texts[0] == "Sun 28 Mar"
    await ana.press("Sun 28 Mar")
    # Three real hours: 01:00 (CET), then 03:00 and 04:00 (CEST); 02:00 does not exist.
    assert ana.last.button_texts == ["01:00", "03:00", "04:00", "‹ Other days"]
    await ana.press("03:00")
    await ana.press("Skip")
    assert "When: Sunday 28 March 2027, 03:00–04:00 (Europe/Madrid)" in ana.last.text
    await ana.press("Confirm")
    assert "Sunday 28 March 2027, 03:00–04:00 (Europe/Madrid)" in ana.last.text
    [appointment] = await _appointments(harness)
    assert appointment.patient_id == user.id
    assert appointment.starts_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert appointment.ends_at == datetime(2027, 3, 28, 2, 0, tzinfo=UTC)


async def test_times_that_occur_twice_when_clocks_go_back_are_told_apart(
    harness: Harness,
) -> None:
    # Madrid's clocks go from 03:00 back to 02:00 on Sunday 31 October 2027.
    harness.clock.set(datetime(2027, 10, 28, 8, 0, tzinfo=UTC))
    await make_doctor(
        harness.services,
        "night@example.com",
        name="Dr. Night",
        hours=(WeeklyRange(6, 120, 180),),  # Sundays 02:00–03:00, which happens twice
    )
    ana, _ = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("Dr. Night")
    await ana.press("Sun 31 Oct")
    assert ana.last.button_texts == [
        "02:00 (+02)", "02:30 (+02)", "02:00 (+01)", "02:30 (+01)", "‹ Other days",
    ]  # fmt: skip
    await ana.press("02:00 (+01)")
    await ana.press("Skip")
    await ana.press("Confirm")
    [appointment] = await _appointments(harness)
    assert appointment.starts_at == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)


# --- /appointments -------------------------------------------------------------------------------


async def _booked(
    h: Harness, patient: User, doctor: DoctorView, starts_at: datetime
) -> AppointmentView:
    return await book_directly(
        h.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=starts_at
    )


async def test_appointments_lists_upcoming_with_buttons(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    wilson = await make_doctor(
        harness.services, "wilson@example.com", name="Dr. James Wilson", specialty="Oncology"
    )
    ana, user = await _patient(harness)
    assert (await ana.send("/appointments"))[-1].text == (
        "You have no upcoming appointments. /book to book one."
    )
    later = await _booked(harness, user, wilson, datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    sooner = await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    replies = await ana.send("/appointments")
    # One message: a line and a button per visit.
    [listing] = replies
    assert listing.text == (
        "Your upcoming appointments (2), times in Europe/Madrid:\n"
        "1. Wed 2 Dec 12:00 — Dr. Gregory House (Cardiology)\n"
        "2. Thu 3 Dec 16:00 — Dr. James Wilson (Oncology)"
    )
    assert listing.button_texts == [
        "1. Wed 2 Dec 12:00 · Dr. Gregory House",
        "2. Thu 3 Dec 16:00 · Dr. James Wilson",
        "🕘 Past appointments",
    ]
    # A visit's button opens its card in place, with Cancel and Reschedule.
    await ana.press("2. ", listing)
    assert listing.text == (
        "Dr. James Wilson (Oncology)\n"
        "Thursday 3 December 2026, 16:00–16:30 (Europe/Madrid)\nStatus: booked"
    )
    assert [b["callback_data"] for row in listing.buttons for b in row] == [
        AskCancel(appointment=later.id).pack(),
        Reschedule(appointment=later.id).pack(),
        WaitEarlier(appointment=later.id).pack(),
        "ap:l:0",
    ]
    await ana.press("« All appointments", listing)
    assert listing.text.startswith("Your upcoming appointments (2)")
    assert ana.last is listing and listing.edits == 2
    # An older copy of the list still acts on the server's current state.
    older = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    await ana.press("Cancel", listing)
    await ana.press("Yes, cancel", listing)
    await ana.press("1. ", older)
    assert older.text.endswith("Status: cancelled by you") and older.button_texts == [
        "« All appointments"
    ]
    assert sooner.id != later.id


async def test_past_appointments_say_what_became_of_them(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    mine = await _booked(harness, user, house, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    theirs = await _booked(harness, user, house, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    seen = await _booked(harness, user, house, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    async with harness.services.transaction() as s:
        policy = policy_of(harness.services.settings)
        now = harness.clock.now()
        await cancel(
            s, appointment_id=mine.id, actor=Actor(user.id, Role.PATIENT), policy=policy, now=now
        )
        await cancel(
            s,
            appointment_id=theirs.id,
            actor=Actor(house.user_id, Role.DOCTOR),
            policy=policy,
            now=now,
        )
    harness.clock.advance(timedelta(hours=3))
    async with harness.services.transaction() as s:
        await mark_attendance(
            s,
            appointment_id=seen.id,
            actor=Actor(house.user_id, Role.DOCTOR),
            attended=True,
            now=harness.clock.now(),
        )
    header = (await ana.send("/appointments"))[-1]
    assert header.text.startswith("You have no upcoming appointments")
    await ana.press("Past appointments")
    assert header.text == (
        "Past appointments\n"
        "• Thursday 3 December 2026, 10:00–10:30 (Europe/Madrid)\n"
        "   Dr. Gregory House (Cardiology): cancelled by the clinic\n"
        "• Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid)\n"
        "   Dr. Gregory House (Cardiology): cancelled by you\n"
        "• Tuesday 1 December 2026, 11:00–11:30 (Europe/Madrid)\n"
        "   Dr. Gregory House (Cardiology): attended"
    )
    other, _ = await _patient(harness, "bob@example.com", "Bob Stone")
    await other.send("/appointments")
    await other.press("Past appointments")
    assert other.last.text == "You have no past appointments. /book to book one."


async def test_cancel_asks_then_cancels_and_tells_the_doctor(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    doctor_chat = await _doctor_in_chat(harness, house)
    ana, user = await _patient(harness)
    appt = await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    card = await _open_card(ana)

    await ana.press("Cancel", card)
    assert card.text == (
        "Cancel this appointment?\n\nDr. Gregory House (Cardiology)\n"
        "Wednesday 2 December 2026, 12:00–12:30 (Europe/Madrid)"
    )
    assert card.button_texts == ["Yes, cancel", "Keep it"]
    await ana.press("Keep it", card)
    assert "Status: booked" in card.text
    assert card.button_texts == [
        "✖ Cancel", "🔁 Reschedule", "🔔 Tell me if earlier frees up", "« All appointments",
    ]  # fmt: skip
    [row] = await _appointments(harness)
    assert row.status == "booked"

    await ana.press("Cancel", card)
    harness.clock.advance(timedelta(minutes=5))
    await ana.press("Yes, cancel", card)
    assert card.text == (
        "❌ Cancelled: Dr. Gregory House (Cardiology), Wednesday 2 December 2026, "
        "12:00–12:30 (Europe/Madrid).\n/book to book another time."
    )
    assert card.button_texts == ["« All appointments"]
    [row] = await _appointments(harness)  # never deleted
    assert row.id == appt.id and row.status == "cancelled"
    assert row.cancelled_by == user.id
    assert row.cancelled_at == datetime(2026, 12, 1, 8, 5, tzinfo=UTC)
    assert doctor_chat.last.text == (
        "❌ Cancelled: Ana García's appointment on Wednesday 2 December 2026, 12:00–12:30 "
        "(Europe/Madrid)."
    )
    # A second tap (a copy of the button) changes nothing.
    await ana.press_data(ConfirmCancel(appointment=appt.id).pack(), card)
    assert _answer(harness) == (
        "This appointment can no longer be changed: it was cancelled or has started."
    )
    [again] = await _appointments(harness)
    assert again.cancelled_at == row.cancelled_at
    assert (await ana.send("/appointments"))[-1].text.startswith("You have no upcoming")


async def test_cancel_inside_the_window_is_refused(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    await _booked(harness, user, house, datetime(2026, 12, 1, 9, 30, tzinfo=UTC))  # 10:30 today
    await _booked(harness, user, house, TEN_TOMORROW)
    today_card = await _open_card(ana, 1)
    tomorrow_card = await _open_card(ana, 2)

    harness.services.settings = replace(
        harness.services.settings,
        clinic=ClinicIdentity(name="Sol Clinic", phone="+34 910 123 456"),
    )
    await ana.press("Cancel", today_card)
    too_late = (
        "Appointments can be cancelled or moved up to 2 hours before they start. Please call "
        "Sol Clinic on +34 910 123 456."
    )
    assert _answer(harness) == too_late
    assert harness.telegram.answers[-1]["show_alert"] is True
    await ana.press("Reschedule", today_card)
    assert _answer(harness) == too_late
    assert "Status: booked" in today_card.text

    # The prompt was shown in time, but the answer comes inside the window.
    await ana.press("Cancel", tomorrow_card)
    harness.clock.set(IN_THE_WINDOW)
    await ana.press("Yes, cancel", tomorrow_card)
    assert _answer(harness) == too_late
    assert [row.status for row in await _appointments(harness)] == ["booked", "booked"]


async def test_forged_appointment_buttons_are_refused(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    bob_user = await make_user(harness.services, "bob@example.com", name="Bob")
    bobs = await _booked(harness, bob_user, house, MADRID_NOON_TOMORROW)
    ana, _ = await _patient(harness)
    header = (await ana.send("/appointments"))[-1]
    for kind in (AskCancel, ConfirmCancel, KeepAppointment, Reschedule):
        data = kind(appointment=bobs.id).pack()
        await ana.press_data(data, header)
        assert _answer(harness) == "That appointment was not found.", data
    await ana.press_data("ap:c:987654", header)
    assert _answer(harness) == "That appointment was not found."
    assert header.text.startswith("You have no upcoming appointments")
    [row] = await _appointments(harness)
    assert (row.status, row.starts_at, row.cancelled_at) == ("booked", MADRID_NOON_TOMORROW, None)
    # No reschedule began: typed text is not taken as a step.
    assert "didn't understand" in (await ana.send("tomorrow"))[-1].text
    # And a doctor's chat pressing a patient's buttons is refused too.
    doctor_chat = await _doctor_in_chat(harness, house)
    await doctor_chat.press_data(f"ap:c:{bobs.id}", doctor_chat.last)
    assert _answer(harness) == "That is not available to your account."


async def test_reschedule_end_to_end(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    doctor_chat = await _doctor_in_chat(harness, house)
    ana, user = await _patient(harness)
    appt = await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    card = await _open_card(ana)

    await ana.press("Reschedule", card)
    assert card.text.startswith(
        "🔁 Reschedule: Dr. Gregory House (Cardiology)\n"
        "Now: Wednesday 2 December 2026, 12:00–12:30 (Europe/Madrid)\n"
        "Choose a new day. Times are in Europe/Madrid."
    )
    assert card.button_texts[:2] == ["Tue 1 Dec", "Wed 2 Dec"]
    assert card.button_texts[-1] == "✖ Cancel"
    await ana.press("Wed 2 Dec", card)
    # Its own time is not offered as a new one.
    assert "12:00" not in card.button_texts and "11:30" in card.button_texts
    await ana.press("15:30", card)
    assert card.text == (
        "Move your appointment with Dr. Gregory House (Cardiology)?\n\n"
        "From: Wednesday 2 December 2026, 12:00–12:30 (Europe/Madrid)\n"
        "To: Wednesday 2 December 2026, 15:30–16:00 (Europe/Madrid)"
    )
    await ana.press("Confirm", card)
    assert card.text == (
        "🔁 Rescheduled\n\nDoctor: Dr. Gregory House\nSpecialty: Cardiology\n"
        "Was: Wednesday 2 December 2026, 12:00–12:30 (Europe/Madrid)\n"
        "Now: Wednesday 2 December 2026, 15:30–16:00 (Europe/Madrid)"
    )
    [row] = await _appointments(harness)
    assert row.id == appt.id and row.status == "booked"
    assert row.starts_at == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    assert row.ends_at == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert doctor_chat.last.text == (
        "🔁 Moved: Ana García's appointment from Wednesday 2 December 2026, 12:00–12:30 "
        "(Europe/Madrid) to Wednesday 2 December 2026, 15:30–16:00 (Europe/Madrid)."
    )
    # The old time is free again for others.
    bob, _ = await _patient(harness, "bob@example.com", "Bob Stone")
    await _to_times(bob, "Wed 2 Dec")
    assert "12:00" in bob.last.button_texts and "15:30" not in bob.last.button_texts
    # The finished conversation's Confirm is stale, and its buttons go.
    await ana.press_data(BookConfirm(flow=_flow_of_last_booking(harness, ana)).pack(), card)
    assert _answer(harness) == "This button is no longer valid."
    assert card.buttons == []


async def test_reschedule_slot_taken_then_next_free_time(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    bob = await make_user(harness.services, "bob@example.com", name="Bob")
    ana, user = await _patient(harness)
    appt = await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    card = await _open_card(ana)
    await ana.press("Reschedule", card)
    await ana.press("Thu 3 Dec", card)
    await ana.press("09:00", card)
    await _booked(harness, bob, house, datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    await ana.press("Confirm", card)
    assert card.text.startswith("That time was just taken by someone else.")
    assert card.button_texts[0] == "Thu 3 Dec 09:30"
    await ana.press("Thu 3 Dec 09:30", card)
    assert "To: Thursday 3 December 2026, 09:30–10:00 (Europe/Madrid)" in card.text
    await ana.press("Confirm", card)
    assert card.text.startswith("🔁 Rescheduled")
    rows = {row.id: row for row in await _appointments(harness)}
    assert rows[appt.id].starts_at == datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
    assert len(rows) == 2


async def test_reschedule_refusals(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    appt = await _booked(harness, user, house, TEN_TOMORROW)
    other = await _booked(harness, user, house, datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    first_card = await _open_card(ana, 1)
    other_card = await _open_card(ana, 2)

    # Already cancelled: refused at the button, no conversation begins.
    await ana.press("Cancel", other_card)
    await ana.press("Yes, cancel", other_card)
    await ana.press_data(Reschedule(appointment=other.id).pack(), other_card)
    assert _answer(harness) == (
        "This appointment can no longer be changed: it was cancelled or has started."
    )
    assert "didn't understand" in (await ana.send("Friday"))[-1].text

    # Entering the window while choosing: refused at Confirm, nothing moved.
    harness.clock.set(IN_THE_WINDOW - timedelta(minutes=40))  # 07:50, 2 h 10 min before
    await ana.press("Reschedule", first_card)
    await ana.press("Thu 3 Dec", first_card)
    await ana.press("09:00", first_card)
    harness.clock.set(IN_THE_WINDOW - timedelta(minutes=25))  # 08:05: inside the window
    await ana.press("Confirm", first_card)
    assert first_card.text == (
        "Appointments can be cancelled or moved up to 2 hours before they start. Please call "
        "Clinic."
    )
    rows = {row.id: row for row in await _appointments(harness)}
    assert rows[appt.id].starts_at == TEN_TOMORROW and rows[appt.id].version == appt.version
    assert rows[appt.id].status == "booked"

    # Once started it can't be changed at all.
    harness.clock.set(TEN_TOMORROW + timedelta(minutes=1))
    await log_in_chat(ana, "ana@example.com")  # the day's first session expired
    await ana.press_data(AskCancel(appointment=appt.id).pack(), first_card)
    assert _answer(harness) == (
        "This appointment can no longer be changed: it was cancelled or has started."
    )


async def test_reschedule_cancel_and_doctor_gone(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    card = await _open_card(ana)
    await ana.press("Reschedule", card)
    await ana.press("✖ Cancel", card)
    assert card.text == "Rescheduling cancelled. Your appointment is unchanged."

    card = await _open_card(ana)
    await ana.press("Reschedule", card)
    await ana.press("Thu 3 Dec", card)
    await ana.press("09:00", card)
    await _deactivate(harness, house)
    await ana.press("Confirm", card)
    assert card.text == (
        "This doctor is no longer taking appointments, so it can't be moved. Please call Clinic."
    )
    [row] = await _appointments(harness)
    assert row.starts_at == MADRID_NOON_TOMORROW and row.status == "booked"
    await ana.press_data(Reschedule(appointment=row.id).pack(), card)
    assert _answer(harness) == (
        "This doctor is no longer taking appointments, so it can't be moved. Please call Clinic."
    )


async def test_reschedule_pressed_mid_booking_switches_over(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    await _booked(harness, user, house, MADRID_NOON_TOMORROW)
    card = await _open_card(ana)
    booking = (await ana.send("/book"))[-1]
    await ana.press("Cardiology", booking)
    await ana.press("House", booking)
    await ana.press("Reschedule", card)
    assert card.text.startswith("🔁 Reschedule")
    # The abandoned booking's day buttons, though of the same step, no longer act: their
    # message shows the open conversation instead.
    await ana.press("Fri 4 Dec", booking)
    assert _answer(harness) == "That screen was out of date: here is where you are."
    assert booking.text.startswith("🔁 Reschedule")
    assert card.text.startswith("🔁 Reschedule") and "Choose a new day" in card.text
    await ana.press("Thu 3 Dec", card)
    await ana.press("09:00", card)
    await ana.press("Confirm", card)
    [row] = await _appointments(harness)
    assert row.starts_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def test_names_show_as_typed_on_buttons_and_in_texts(harness: Harness) -> None:
    await make_doctor(
        harness.services,
        "tom@example.com",
        name="Tom & Jerry <MD>",
        specialty="Ear, Nose & Throat",
    )
    ana, _ = await _patient(harness)
    message = (await ana.send("/book"))[-1]
    # Button labels are plain text: no HTML escaping shows through.
    assert message.button_texts == ["Ear, Nose & Throat"]
    await ana.press("Ear, Nose & Throat")
    assert message.button_texts[0] == "Tom & Jerry <MD>"
    assert "Ear, Nose & Throat: which doctor?" in message.text  # escaped in HTML, shown as typed
    await ana.press("Tom & Jerry <MD>")
    assert message.text.startswith("Tom & Jerry <MD> (Ear, Nose & Throat)")
