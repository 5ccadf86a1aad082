"""The clinic's identity, a visit's reason, "I'll come" / "I'm here" and the reminder's one
relative-time phrase, end to end through the bot (and the in-process SMTP server).

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
from icalendar import Calendar
from sqlalchemy import select

from bot.callbacks import CheckIn, ConfirmVisit
from bot.formatting import lead_phrase, policy_of, reminder_lead
from bot.jobs import deliver_pending, send_agendas_now
from bot.mailer import EmailAppointment, EmailKind, Mailer, SmtpConfig, build_email
from bot.settings import ClinicIdentity, ConfigError, settings_from_env
from db.booking import Actor, cancel, reschedule
from db.migrate import alembic_config
from db.models import Appointment, Role, User
from tests.conftest import Harness, make_settings
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import TOKEN, ChatUser, Message
from tests.smtp_server import SmtpTestServer

WED_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wed 2 Dec, 10:00 in Madrid
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


# --- the clinic's identity ----------------------------------------------------------------------


def test_identity_settings_default_and_validate() -> None:
    base = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert settings_from_env(base).clinic == ClinicIdentity("Clinic", "", "", "")
    clinic = settings_from_env({**base, **IDENTITY, "CLINIC_NAME": "  Clínica   Sol "}).clinic
    assert clinic == ClinicIdentity(
        "Clínica Sol",
        "Calle Mayor 1, Madrid",
        "+34 910 123 456",
        "https://maps.example.com/?q=Calle+Mayor+1&z=17",
    )
    bad = [
        ("CLINIC_NAME", "x" * 81, "at most 80"),
        ("CLINIC_NAME", "Sol\nBcc: x@y.z", "one line"),
        ("CLINIC_ADDRESS", "a" * 201, "at most 200"),
        ("CLINIC_PHONE", "call us!", "phone number"),
        ("CLINIC_PHONE", "12", "phone number"),
        ("CLINIC_MAP_URL", "javascript:alert(1)", "http(s)"),
        ("CLINIC_MAP_URL", 'https://maps.example.com/"><b>', "quotes"),
    ]
    for variable, value, hint in bad:
        with pytest.raises(ConfigError) as info:
            settings_from_env({**base, variable: value})
        assert info.value.variable == variable
        assert str(info.value).startswith(f"{variable}: ") and hint in str(info.value)


async def test_start_shows_the_clinics_name_address_phone_and_map(harness: Harness) -> None:
    _identify(harness, **IDENTITY)
    guest = harness.user("Guest")
    welcome = (await guest.send("/start"))[-1]
    assert welcome.text.startswith(
        "🏥 Clínica Sol & Mar\n📍 Calle Mayor 1, Madrid\n📞 +34 910 123 456\n🗺 Map\n\n"
        "👋 Welcome to the clinic's booking bot."
    )
    assert '🗺 <a href="https://maps.example.com/?q=Calle+Mayor+1&amp;z=17">Map</a>' in welcome.raw
    assert "<b>Clínica Sol &amp; Mar</b>" in welcome.raw
    lucia, _ = await _patient(harness, "lucia@example.com", "Lucía Pérez", language="es")
    back = (await lucia.send("/start"))[0]
    assert back.text.startswith("🏥 Clínica Sol & Mar\n📍 Calle Mayor 1, Madrid\n")
    assert "🗺 Mapa" in back.text and back.text.endswith("👋 Hola de nuevo, Lucía Pérez.")


async def test_without_an_address_start_shows_the_name_alone(harness: Harness) -> None:
    welcome = (await harness.user("Guest").send("/start"))[-1]
    assert welcome.text.startswith("🏥 Clinic\n\n👋 Welcome to the clinic's booking bot.")


async def test_a_time_inside_the_cancel_window_warns_before_it_is_booked(
    harness: Harness,
) -> None:
    _identify(harness, CLINIC_NAME="Sol Clinic", CLINIC_PHONE="+34 910 123 456")
    await make_doctor(harness.services, "house@example.com")
    ana, _ = await _patient(harness)
    booking = (await ana.send("/book"))[-1]
    await ana.press("Cardiology")
    await ana.press("House")
    await ana.press("Tue 1 Dec")
    await ana.press("10:30")  # 1 h 30 min away; the window is 2 h
    await ana.press("Skip")
    assert booking.text.endswith(
        "When: Tuesday 1 December 2026, 10:30–11:00 (Europe/Madrid)\n\n"
        "⚠️ It starts in less than 2 hours: once booked, you will not be able to cancel or move "
        "it in chat. To change it, call Sol Clinic on +34 910 123 456."
    )
    # 11:00 is exactly two hours away: it can still be cancelled in chat, so no warning.
    await ana.press("Change time")
    await ana.press("11:00")
    assert "⚠️" not in booking.text and booking.text.endswith("11:00–11:30 (Europe/Madrid)")
    await ana.press("Change time")
    await ana.press("10:30")
    await ana.press("Confirm")
    assert booking.text.startswith("✅ Booked")
    # What the warning said: Cancel now names the clinic and its phone.
    listing = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    await ana.press("Cancel", listing)
    assert _answer(harness) == (
        "Appointments can be cancelled or moved up to 2 hours before they start. Please call "
        "Sol Clinic on +34 910 123 456."
    )
    assert (await _only_appointment(harness)).status == "booked"


async def test_a_move_into_the_window_warns_too(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    await book_directly(
        harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=WED_10
    )
    listing = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    await ana.press("Reschedule", listing)
    await ana.press("Tue 1 Dec", listing)
    await ana.press("10:30", listing)
    assert "To: Tuesday 1 December 2026, 10:30–11:00" in listing.text
    assert listing.text.endswith(
        "⚠️ It starts in less than 2 hours: once booked, you will not be able to cancel or move "
        "it in chat. To change it, call Clinic."
    )


# --- the visit's reason --------------------------------------------------------------------------


async def test_the_reason_is_asked_shown_stored_and_told_to_the_doctor_only(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    _identify(harness, **IDENTITY)
    harness.services.mailer = Mailer(smtp.config())
    house = await make_doctor(harness.services, "house@example.com")
    doctor = harness.user("House")
    await log_in_chat(doctor, "house@example.com")
    ana, _ = await _patient(harness)
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("House")
    await ana.press("Wed 2 Dec")
    await ana.press("10:00")
    assert ana.last.text.startswith(
        "📝 Reason for the visit (optional)\nDr. Gregory House (Cardiology), Wednesday 2 "
        "December 2026, 10:00–10:30 (Europe/Madrid)\n\nIn a few words, why are you coming? "
        "Only the doctor sees it (it is never emailed). Up to 200 characters, or press Skip."
    )
    # Too long: asked again, nothing kept.
    again = (await ana.send("x" * 201))[-1]
    assert again.text.startswith("That is 201 characters; please write it in 200 at most.")
    assert "Reason for the visit" in again.text
    # On one line, shown as typed (and escaped) on the confirmation.
    confirm = (await ana.send("Chest pain\nwhen climbing   stairs <3"))[-1]
    assert "Please check your appointment" in confirm.text
    assert confirm.text.endswith("Reason: Chest pain when climbing stairs <3")
    assert "<i>Chest pain when climbing stairs &lt;3</i>" in confirm.raw
    # 📝 Reason goes back to it, showing the one given.
    await ana.press("📝 Reason", confirm)
    assert "Now: Chest pain when climbing stairs <3" in confirm.text
    confirm = (await ana.send("Chest pain on stairs"))[-1]
    assert confirm.text.endswith("Reason: Chest pain on stairs")
    assert (await ana.send("yes"))[-1].text.startswith("✅ Booked")

    row = await _only_appointment(harness)
    assert row.reason == "Chest pain on stairs"
    # The doctor's notice of the booking carries it; the patient's email never does.
    assert doctor.last.text == (
        "📅 New appointment: Ana García (—) on Wednesday 2 December 2026, 10:00–10:30 "
        "(Europe/Madrid).\nReason for the visit: Chest pain on stairs"
    )
    (email,) = await smtp.wait_for_messages(1)
    raw = email.message.as_string()
    assert "Chest pain" not in raw
    assert str(email.message["Subject"]).startswith("Clínica Sol & Mar: Appointment confirmed")
    # /schedule shows it under the visit, the morning agenda too.
    view = (await doctor.send("/schedule"))[-1]
    await doctor.press("Tomorrow", view)
    assert (
        "10:00–10:30 · Ana García · no phone · 🕒 booked\n    📝 Chest pain on stairs" in view.text
    )
    harness.clock.set(datetime(2026, 12, 2, 6, 30, tzinfo=UTC))  # Wed 07:30 in Madrid
    await log_in_chat(doctor, "house@example.com")  # the first session has lapsed
    assert await send_agendas_now(harness.app.bot, harness.services) == 1
    assert doctor.last.text.endswith("10:00–10:30 Ana García (—)\n    📝 Chest pain on stairs")
    assert house.user_id == row.doctor_id


async def test_the_reason_is_skipped_by_button_or_word_in_either_language(
    harness: Harness,
) -> None:
    await make_doctor(harness.services, "house@example.com")
    lucia, _ = await _patient(harness, "lucia@example.com", "Lucía Pérez", language="es")
    await lucia.send("/book")
    await lucia.press("Cardiology")
    await lucia.press("House")
    await lucia.press("mié 2 dic")
    await lucia.press("10:00")
    assert "Motivo de la consulta" in lucia.last.text
    assert _rows(lucia.last) == [["Omitir ›"], ["🕒 Cambiar hora", "✖ Cancelar"]]
    # "no" is a reason like any other here (Cancel is a button only), "omitir" skips.
    assert (await lucia.send("no"))[-1].text.endswith("Motivo: no")
    await lucia.press("📝 Motivo")
    confirm = (await lucia.send("omitir"))[-1]
    assert "Revisa tu cita" in confirm.text and "Motivo" not in confirm.text.split("\n\n")[1]
    await lucia.press("Confirmar", confirm)
    assert (await _only_appointment(harness)).reason is None


# --- I'll come / I'm here ------------------------------------------------------------------------


async def test_ill_come_from_the_reminder_shows_on_the_doctors_schedule(
    harness: Harness,
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    doctor = harness.user("House")
    await log_in_chat(doctor, "house@example.com")
    ana, user = await _patient(harness)
    appt = await book_directly(
        harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=WED_10
    )
    harness.clock.set(WED_10 - timedelta(hours=24))
    await _remind(harness)
    reminder = ana.last
    assert reminder.text.startswith("⏰ Reminder: your appointment with Dr. Gregory House")
    assert _rows(reminder) == [["✅ I'll come"], ["Cancel", "Reschedule"]]

    await ana.press("I'll come", reminder)
    assert _answer(harness) == "Thank you! We'll expect you."
    assert "Status: booked · ✅ you said you'll come" in reminder.text
    assert (await _appointment(harness, appt.id)).confirmed_at == harness.clock.now()
    view = (await doctor.send("/schedule"))[-1]
    await doctor.press("Tomorrow", view)
    assert "10:00–10:30 · Ana García · no phone · ✅ confirmed" in view.text

    # A copy of the button pressed again changes nothing.
    data = ConfirmVisit(appointment=appt.id, version=0).pack()
    harness.clock.advance(timedelta(minutes=5))
    await ana.press_data(data, reminder)
    assert _answer(harness) == "You had already said you'll come."
    assert (await _appointment(harness, appt.id)).confirmed_at == WED_10 - timedelta(hours=24)
    # Only the appointment's own patient may press it.
    bob, _ = await _patient(harness, "bob@example.com", "Bob Stone")
    await bob.press_data(data, bob.last)
    assert _answer(harness) == "That appointment was not found."
    await doctor.press_data(data, doctor.last)
    assert _answer(harness) == "That is not available to your account."
    # The next reminder, on the day, no longer asks; it offers I'm here.
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _remind(harness)
    assert _rows(ana.last) == [["Cancel", "Reschedule"], ["📍 I'm here"]]


async def test_a_reminder_from_before_a_move_confirms_nothing(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    appt = await book_directly(
        harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=WED_10
    )
    harness.clock.set(WED_10 - timedelta(hours=24))
    await _remind(harness)
    old_reminder = ana.last
    policy = policy_of(harness.services.settings)
    thursday = WED_10 + timedelta(days=1)
    async with harness.services.transaction() as s:
        await reschedule(
            s,
            appointment_id=appt.id,
            actor=Actor(user.id, Role.PATIENT),
            new_start=thursday,
            policy=policy,
            now=harness.clock.now(),
        )
    await ana.press("I'll come", old_reminder)
    assert _answer(harness) == "This appointment was moved since: here it is now."
    assert "Thursday 3 December 2026, 10:00–10:30" in old_reminder.text
    assert (await _appointment(harness, appt.id)).confirmed_at is None

    # Confirmed for the new time, then moved again: the new time is not confirmed.
    await ana.press_data(ConfirmVisit(appointment=appt.id, version=1).pack(), old_reminder)
    assert (await _appointment(harness, appt.id)).confirmed_at is not None
    async with harness.services.transaction() as s:
        await reschedule(
            s,
            appointment_id=appt.id,
            actor=Actor(user.id, Role.PATIENT),
            new_start=thursday + timedelta(hours=1),
            policy=policy,
            now=harness.clock.now(),
        )
    assert (await _appointment(harness, appt.id)).confirmed_at is None

    async with harness.services.transaction() as s:
        await cancel(
            s,
            appointment_id=appt.id,
            actor=Actor(user.id, Role.PATIENT),
            policy=policy,
            now=harness.clock.now(),
        )
    await ana.press_data(ConfirmVisit(appointment=appt.id, version=2).pack(), old_reminder)
    assert _answer(harness) == "This appointment was cancelled."
    await ana.press_data(CheckIn(appointment=appt.id).pack(), old_reminder)
    assert _answer(harness) == "This appointment was cancelled."


async def test_im_here_from_30_minutes_before_until_the_end(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, user = await _patient(harness)
    appt = await book_directly(
        harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=WED_10
    )
    harness.clock.set(WED_10 - timedelta(hours=1))
    await _remind(harness)
    reminder = ana.last
    assert "is in 1 hour" in reminder.text
    assert _rows(reminder) == [["✅ I'll come"], ["Cancel", "Reschedule"], ["📍 I'm here"]]
    await log_in_chat(ana, "ana@example.com")  # the day's first session has lapsed

    await ana.press("I'm here", reminder)
    assert _answer(harness) == "You can check in from 09:30, 30 minutes before your appointment."
    assert (await _appointment(harness, appt.id)).arrived_at is None
    # The card offers it too, once it is time.
    listing = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    assert "📍 I'm here" not in listing.button_texts
    harness.clock.set(WED_10 - timedelta(minutes=30))
    await ana.press("1. ", (await ana.send("/appointments"))[-1])
    card = ana.last
    assert _rows(card)[0] == ["📍 I'm here"]

    harness.clock.set(WED_10 - timedelta(minutes=20))
    await ana.press("I'm here", reminder)
    assert _answer(harness) == (
        "Thank you, you're checked in. Please take a seat: you will be called."
    )
    assert "Status: booked · 📍 checked in at 09:40" in reminder.text
    assert "📍 I'm here" not in reminder.button_texts
    row = await _appointment(harness, appt.id)
    assert row.arrived_at == WED_10 - timedelta(minutes=20)
    assert row.confirmed_at == row.arrived_at  # arriving says they came
    await ana.press("I'm here", card)  # the card's copy
    assert _answer(harness) == "You are already checked in."

    doctor = harness.user("House")
    await log_in_chat(doctor, "house@example.com")
    view = (await doctor.send("/schedule"))[-1]
    assert "10:00–10:30 · Ana García · no phone · 📍 arrived 09:40" in view.text

    harness.clock.set(WED_10 + timedelta(minutes=30))
    await ana.press_data(CheckIn(appointment=appt.id).pack(), card)
    assert _answer(harness) == "This appointment is over."


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


# --- emails and the calendar file ----------------------------------------------------------------


def test_emails_carry_the_clinic_in_subject_signature_and_calendar() -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", "clinic@clinic.test", "pw")
    appt = EmailAppointment(
        appointment_id=7,
        sequence=0,
        patient_name="Bob",
        patient_email="bob@patients.test",
        doctor_name="Ana López",
        specialty="Cardiology",
        starts_at=WED_10,
        ends_at=WED_10 + timedelta(minutes=30),
        timezone=make_settings("postgresql://u@h/d").timezone,
        language="en",
        clinic_name="Clínica Sol & Mar",
        clinic_address="Calle Mayor 1, Madrid",
        clinic_phone="+34 910 123 456",
        clinic_map_url="https://maps.example.com/?q=Calle+Mayor+1&z=17",
    )
    message = build_email(EmailKind.BOOKED, appt, sender=config)
    assert str(message["Subject"]).startswith("Clínica Sol & Mar: Appointment confirmed: ")
    text = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text is not None and html_part is not None
    assert text.get_content().endswith(
        "or call +34 910 123 456.\n\n-- \nClínica Sol & Mar\nCalle Mayor 1, Madrid\n"
        "Phone: +34 910 123 456\nMap: https://maps.example.com/?q=Calle+Mayor+1&z=17\n"
        "This message was sent automatically; please do not reply to it.\n"
    )
    body = html_part.get_content()
    assert "Clínica Sol &amp; Mar<br>Calle Mayor 1, Madrid<br>Phone: +34 910 123 456<br>" in body
    assert '<a href="https://maps.example.com/?q=Calle+Mayor+1&amp;z=17">Map</a>' in body
    ics = next(p for p in message.iter_attachments() if p.get_filename() == "appointment.ics")
    [event] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["LOCATION"]) == "Clínica Sol & Mar, Calle Mayor 1, Madrid"
    assert event["ORGANIZER"].params["CN"] == "Clínica Sol & Mar"
    assert str(event["DESCRIPTION"]).endswith("Phone: +34 910 123 456")


async def test_identity_reaches_the_emails_the_bot_sends(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    _identify(harness, **IDENTITY)
    harness.services.mailer = Mailer(smtp.config())
    house = await make_doctor(harness.services, "house@example.com")
    user = await make_user(harness.services, "ana@example.com", language="es")
    await book_directly(
        harness.services, patient_id=user.id, doctor_id=house.user_id, starts_at=WED_10
    )
    await _remind(harness)
    (email,) = await smtp.wait_for_messages(1)
    assert str(email.message["Subject"]).startswith("Clínica Sol & Mar: Cita confirmada")
    body = email.message.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert "Su cita en Clínica Sol & Mar está confirmada." in text
    assert "Calle Mayor 1, Madrid\nTeléfono: +34 910 123 456\n" in text
    ics = next(
        p for p in email.message.iter_attachments() if p.get_filename() == "appointment.ics"
    )
    [event] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(event["LOCATION"]) == "Clínica Sol & Mar, Calle Mayor 1, Madrid"


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
