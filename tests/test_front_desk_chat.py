"""The front desk in chat, end to end through the bot: staff invited by an admin, /patients,
registering a patient without Telegram, booking for a patient, cancelling and moving visits
with a reason (the front desk, and doctors their own from /schedule), the patient's notices
with one-tap free times, and who may press what.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; a doctor made by ``make_doctor``
works Mon–Fri 09:00–17:00 in 30-minute slots.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.callbacks import (
    BookFor,
    Deactivate,
    OpenPatient,
    StepData,
    TakeOffer,
    VisitCancel,
    VisitCard,
    VisitMove,
    decode,
)
from bot.formatting import policy_of
from bot.mailer import Mailer
from db.doctors import DoctorView
from db.models import Appointment, Delivery, Role, User
from db.patients import create_patient
from db.waitlist import join_waitlist, span_of, wait_for_earlier
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message
from tests.smtp_server import SmtpTestServer

MADRID = ZoneInfo("Europe/Madrid")
WRONG_ROLE = "That is not available to your account."
NOT_FOUND = "That visit was not found."


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpTestServer]:
    server = SmtpTestServer(security="starttls")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def in_chat(
    h: Harness, email: str, name: str, role: Role, language: str = "en", phone: str | None = None
) -> tuple[User, ChatUser]:
    user = await make_user(h.services, email, name=name, role=role, language=language, phone=phone)
    chat = h.user(name.split()[0], language)
    await log_in_chat(chat, email)
    return user, chat


async def doctor_in_chat(
    h: Harness, email: str = "house@example.com", name: str = "Dr. Gregory House"
) -> tuple[DoctorView, ChatUser]:
    doctor = await make_doctor(h.services, email, name=name)
    chat = h.user(name.split()[-1])
    await log_in_chat(chat, email)
    return doctor, chat


async def registered(h: Harness, name: str, phone: str, email: str | None = None) -> int:
    """A patient the clinic registered (no Telegram)."""
    async with h.services.transaction() as s:
        return (await create_patient(s, name=name, phone=phone, email=email, now=h.clock.now())).id


async def visits(h: Harness) -> list[Appointment]:
    async with h.services.session_factory() as s:
        return list((await s.scalars(select(Appointment).order_by(Appointment.id))).all())


def answer(h: Harness) -> str | None:
    text = h.telegram.answers[-1].get("text") if h.telegram.answers else None
    return str(text) if text is not None else None


def data_of(message: Message, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {message.button_texts}")


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def flow_of(message: Message) -> int:
    for row in message.buttons:
        for button in row:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError("no step buttons on the message")


# --- staff accounts -----------------------------------------------------------------------------


async def test_an_admin_invites_the_front_desk_who_get_their_own_menu(harness: Harness) -> None:
    _, admin = await in_chat(harness, "boss@example.com", "Boss Admin", Role.ADMIN)
    assert "Name" not in (await admin.send("/addstaff"))[-1].text
    await admin.send("42")  # not a name
    assert "2 to 120 characters" in admin.last.text
    await admin.send("Rosa Díaz")
    await admin.send("Rosa@Clinic.example")
    summary = admin.last
    assert summary.text.startswith("New front-desk member\nName: Rosa Díaz\nEmail: rosa@clinic")
    await admin.press("Create")
    link = summary.text.split("\n")[3]
    assert link.startswith("https://t.me/clinic_test_bot?start=inv_"), summary.text
    assert "Don't open it yourself" in summary.text

    rosa = harness.user("Rosa")
    welcome = (await rosa.send(f"/start {link.split('start=')[1]}"))[-1]
    assert welcome.text.startswith(
        "👋 Welcome, Rosa Díaz! The clinic has invited you to its front"
    )
    done = (await rosa.send("front-desk-password"))[-1]
    assert done.text.startswith("✅ Your password is set and this chat is logged in as Rosa Díaz")
    assert harness.telegram.menu(rosa.chat_id) == [
        "patients", "book", "schedule", "stats", "help", "logout", "me", "language", "cancel",
    ]  # fmt: skip
    help_lines = (await rosa.send("/help"))[-1].text.splitlines()
    assert help_lines[1:4] == [
        "/patients — find a patient by name, phone or email, or register one",
        "/book — book for a patient",
        "/schedule — any doctor's appointments; cancel or move a visit",
    ]

    # /staff lists them; a new link voids the old; deactivating asks first, then logs out.
    listing = (await admin.send("/staff"))[-1]
    assert "1. Rosa Díaz — rosa@clinic.example · active · password set" in listing.text
    renewed = (await admin.press("New invite link", listing))[-1]
    assert renewed.text.startswith("🔗 New invite link for Rosa Díaz.")
    stranger = harness.user("Eve")
    assert (await stranger.send(f"/start {link.split('start=')[1]}"))[-1].text.startswith(
        "This invite link is not valid"
    )
    await admin.press("Deactivate Rosa Díaz")
    assert listing.text.startswith("Deactivate Rosa Díaz? They are logged out everywhere")
    await admin.press("⛔ Deactivate")
    assert listing.text.startswith("⛔ Rosa Díaz is deactivated and logged out everywhere.")
    assert "inactive" in listing.text
    assert (await rosa.send("/patients"))[-1].text == "Please /login first."
    await admin.press("Reactivate Rosa Díaz")
    assert listing.text.startswith("✅ Rosa Díaz is active again and can /login.")


async def test_the_front_desk_cannot_reach_the_admins_screens(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Desk", Role.STAFF)
    for command in ("/doctors", "/adddoctor", "/addstaff", "/staff", "/reminders", "/hours"):
        assert (await desk.send(command))[-1].text == WRONG_ROLE, command
    # A doctors-list button, forged or copied, is refused before anything happens.
    await desk.press_data(Deactivate(doctor=doctor.user_id).pack(), desk.last)
    assert answer(harness) == WRONG_ROLE
    async with harness.services.session_factory() as s:
        assert (await s.get(User, doctor.user_id)).active  # type: ignore[union-attr]


# --- /patients and booking for a patient --------------------------------------------------------


async def test_a_patients_card_shows_what_they_wait_for(harness: Harness) -> None:
    """The front desk sees a patient's waitlists on their card: a doctor's freed times over a
    span, and an earlier time than a visit."""
    house, _ = await doctor_in_chat(harness)
    ana, _ = await in_chat(harness, "ana@example.com", "Ana García", Role.PATIENT)
    visit = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=house.user_id, starts_at=at(4, 10)
    )
    policy, now = policy_of(harness.services.settings), harness.clock.now()
    start, end = span_of(7, policy, now)
    async with harness.services.transaction() as s:
        await join_waitlist(
            s, patient_id=ana.id, from_at=start, until_at=end, policy=policy, now=now,
            specialty_id=house.specialty_id,
        )  # fmt: skip
        await wait_for_earlier(
            s, patient_id=ana.id, appointment_id=visit.id, policy=policy, now=now
        )
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Desk", Role.STAFF)
    await desk.send("/patients ana@example.com")
    await desk.press("1. Ana García")
    lines = desk.last.text.splitlines()
    at_list = lines.index("🔔 On waitlists (2), offered in chat when a time frees up:")
    assert lines[at_list + 1 :] == [
        "• An earlier time with Dr. Gregory House than the visit Fri 4 Dec 10:00",
        "• any Cardiology doctor, Tue 1 Dec – Mon 7 Dec",
    ]


async def test_the_front_desk_finds_a_patient_and_books_for_them(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    _, house = await doctor_in_chat(harness)
    ana, ana_chat = await in_chat(
        harness, "ana@example.com", "Ana García", Role.PATIENT, phone="+34600111222"
    )
    await registered(harness, "Anabel Ruiz", "+34600111333")
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Desk", Role.STAFF)

    search = (await desk.send("/patients"))[-1]
    assert search.text.startswith("👥 Patients\nType a name, phone or email")
    assert search.button_texts == ["➕ New patient"]
    results = (await desk.send("ana"))[-1]
    assert results.text.splitlines()[:3] == [
        "Patients matching “ana”: 2",
        "1. Ana García · +34600111222 · ana@example.com",
        "2. Anabel Ruiz · +34600111333 · no email · not on Telegram",
    ]
    assert results.button_texts == [
        "1. Ana García · +34600111222", "2. Anabel Ruiz · +34600111333", "➕ New patient",
    ]  # fmt: skip

    await desk.press("1. Ana García")
    card = desk.last
    assert card.text.splitlines()[:3] == [
        "(Type a name, phone or email to search again.)",
        "",
        "Ana García · +34600111222 · ana@example.com",
    ]
    assert card.button_texts == ["📅 Book a visit", "« Results"]
    await desk.press("« Results")
    assert "Patients matching “ana”: 2" in card.text
    await desk.press("1. Ana García")

    await desk.press("📅 Book a visit")
    walk = desk.last
    assert walk.text.startswith("👤 For Ana García\n\n📅 Book an appointment\nWhich specialty?")
    await desk.press("Cardiology")
    await desk.press("Dr. Gregory House")
    await desk.press("Wed 2 Dec")
    await desk.press("10:00")
    await desk.press("Skip")  # the reason for the visit is optional
    assert walk.text.splitlines()[2:6] == [
        "Please check the appointment for Ana García:",
        "",
        "Doctor: Dr. Gregory House",
        "Specialty: Cardiology",
    ]
    await desk.press("Confirm")
    assert walk.text.startswith("✅ Booked for Ana García")
    assert "They are told in chat" in walk.text

    [visit] = await visits(harness)
    assert (visit.patient_id, visit.booked_by, visit.starts_at) == (
        ana.id, desk_id := visit.booked_by, at(2, 10),
    )  # fmt: skip
    assert desk_id != ana.id
    # The patient is told in chat (with the visit's buttons) and by email; the doctor in chat.
    assert ana_chat.last.text == (
        "📅 The clinic booked an appointment for you with Dr. Gregory House (Cardiology) on "
        "Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid)."
    )
    assert ana_chat.last.button_texts == ["Cancel", "Reschedule"]
    assert house.last.text.startswith("📅 New appointment: Ana García (+34 600 11 12 22) on Wed")
    (email,) = await smtp.wait_for_messages(1)
    assert email.rcpt_tos == ("ana@example.com",)
    assert "Clinic has booked an appointment for you." in plain_text(email.message)
    # Marked as booked by the clinic where the patient and the doctor look.
    listing = (await ana_chat.send("/appointments"))[-1]
    await ana_chat.press("1. ", listing)
    assert "🏥 Booked for you by the clinic" in listing.text
    day = (await house.send("/schedule"))[-1]
    await house.press("Wed 2 Dec", day)
    assert "10:00–10:30 · Ana García · +34 600 11 12 22 · 🕒 booked · 🏥 by the clinic" in day.text


async def test_a_patient_without_telegram_is_registered_booked_and_claims_the_account(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    await make_doctor(harness.services, "house@example.com")
    await registered(harness, "Bob Stone", "+34600111222")  # shares the phone, another person
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Desk", Role.STAFF)

    # /book for the front desk: find the patient first; nobody matches, so register them.
    prompt = (await desk.send("/book"))[-1]
    assert prompt.text.startswith("📅 Book for a patient\nWho for?")
    await desk.send("Carmen")
    assert desk.last.text.startswith("No patient matches “Carmen”")
    await desk.press("➕ New patient")
    assert "Their full name?" in desk.last.text
    await desk.send("Carmen Vidal")
    assert "Carmen Vidal's phone number?" in desk.last.text
    assert "doesn't look like a phone" in (await desk.send("call her"))[-1].text
    await desk.send("+34 600 111 222")
    await desk.send("carmen@example.com")
    summary = desk.last
    assert summary.text.splitlines()[:4] == [
        "New patient",
        "Name: Carmen Vidal",
        "Phone: +34600111222",
        "Email: carmen@example.com",
    ]
    # Someone already has this phone: offered to open them instead.
    assert "Already registered with this phone: 1" in summary.text
    assert summary.button_texts == ["✅ Register", "👤 Bob Stone · +34600111222", "✖ Cancel"]
    await desk.press("✅ Register")
    # Straight into the walk for her.
    walk = desk.last
    assert walk.text.startswith("✅ Carmen Vidal is registered.\n\n👤 For Carmen Vidal")
    await desk.press("Cardiology")
    await desk.press("Dr. Gregory House")
    await desk.press("Thu 3 Dec")
    await desk.press("09:30")
    await desk.press("Skip")
    await desk.press("Confirm")
    assert walk.text.startswith("✅ Booked for Carmen Vidal")

    async with harness.services.session_factory() as s:
        carmen = await s.scalar(select(User).where(User.email == "carmen@example.com"))
        assert carmen is not None and carmen.password_hash is None
    # No chat to tell, but the confirmation goes to her email.
    (confirmation,) = await smtp.wait_for_messages(1)
    assert confirmation.rcpt_tos == ("carmen@example.com",)

    # Later she registers in the bot with the clinic's address: the code emailed to it is
    # the proof, and the clinic's record (with its visit) becomes her account.
    phone = harness.user("Carmen", "es")
    await phone.send("/register")
    await phone.send("Carmen V.")
    await phone.send("carmen@example.com")
    await phone.send("una-contraseña-larga")
    await phone.send("Omitir")
    assert "carmen@example.com" in phone.last.text
    (_, code_mail) = await smtp.wait_for_messages(2)
    assert code_mail.rcpt_tos == ("carmen@example.com",)
    body = code_mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    code = re.search(r"\b(\d{6})\b", str(body.get_content()))
    assert code is not None
    done = (await phone.send(code.group(1)))[-1]
    assert done.text.startswith("✅ Bienvenido, Carmen Vidal: la cuenta que la clínica")
    async with harness.services.session_factory() as s:
        assert await s.scalar(select(User.id).where(User.email == "carmen@example.com")) == (
            carmen.id
        )
    listing = (await phone.send("/appointments"))[-1]
    assert "Tus próximas citas (1)" in listing.text


async def test_registering_with_the_clinics_email_and_no_proof_creates_nothing(
    harness: Harness,
) -> None:
    await registered(harness, "Carmen Vidal", "+34600111222", "carmen@example.com")
    chat = harness.user("Carmen")
    await chat.send("/register")
    await chat.send("Carmen")
    await chat.send("carmen@example.com")
    await chat.send("a-long-password")
    done = (await chat.send("+34600111222"))[-1]  # typed: Telegram does not vouch for it
    assert done.text.startswith("This email belongs to an account the clinic registered")
    async with harness.services.session_factory() as s:
        count = len((await s.scalars(select(User).where(User.name.like("Carmen%")))).all())
        found = await s.scalar(select(User).where(User.email == "carmen@example.com"))
    assert count == 1 and found is not None and found.password_hash is None


# --- cancelling and moving a visit, and what the patient is offered ----------------------------


async def test_the_front_desk_cancels_with_a_reason_and_the_patient_rebooks_in_one_tap(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    doctor, house = await doctor_in_chat(harness)
    ana, ana_chat = await in_chat(harness, "ana@example.com", "Ana García", Role.PATIENT)
    second_chat = harness.user("Ana")  # Ana is logged in on a second device too
    await log_in_chat(second_chat, "ana@example.com")
    visit = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at(2, 10)
    )
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Desk", Role.STAFF)

    await desk.send("/patients garcia")
    await desk.press("1. Ana García")
    card = desk.last
    assert card.button_texts == [
        "📅 Book a visit",
        "Wed 2 Dec 10:00 · Dr. Gregory House",
        "« Results",
    ]
    await desk.press("Wed 2 Dec 10:00")
    assert card.text.splitlines() == [
        "Ana García · no phone · ana@example.com",
        "Dr. Gregory House (Cardiology)",
        "Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid)",
        "Status: 🕒 booked",
    ]
    assert card.button_texts == ["❌ Cancel visit", "🔁 Move visit", "👤 Ana García", "📋 The day"]

    await desk.press("❌ Cancel visit")
    assert card.text.startswith("❌ Cancel a visit\nAna García with Dr. Gregory House")
    assert card.button_texts == [
        "The doctor is unavailable", "The patient asked for it",
        "A change in the clinic's schedule", "An emergency", "« Keep it",
    ]  # fmt: skip
    await desk.press("The doctor is unavailable")
    assert "Reason: The doctor is unavailable" in card.text
    await desk.press("Yes, cancel it")
    assert card.text.startswith("❌ Cancelled. Ana García is told in chat and by email.")
    assert "Status: ❌ cancelled by the clinic" in card.text
    assert "Reason: The doctor is unavailable" in card.text
    assert card.button_texts == ["👤 Ana García", "📋 The day"]

    # The patient: in every chat, the reason and the doctor's next free times as buttons.
    for chat in (ana_chat, second_chat):
        notice = chat.last
        assert notice.text.splitlines() == [
            "❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
            "Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid). We are sorry. /book to "
            "choose another time.",
            "Reason: The doctor is unavailable",
            "",
            "The next free times with Dr. Gregory House (Europe/Madrid): tap one to book it.",
        ]
        assert notice.button_texts == [
            "Tue 1 Dec 10:00", "Tue 1 Dec 10:30", "Tue 1 Dec 11:00", "Tue 1 Dec 11:30",
            "Tue 1 Dec 12:00", "Tue 1 Dec 12:30",
        ]  # fmt: skip
    assert house.last.text.startswith("❌ Cancelled: Ana García's appointment on Wednesday")
    emails = await smtp.wait_for_messages(1)
    cancellation = plain_text(emails[-1].message)
    assert "Clinic has cancelled your appointment. We are sorry." in cancellation
    assert "Reason: The doctor is unavailable" in cancellation

    # Someone else books 10:00 meanwhile: that tap is answered "just taken", with the next.
    bob = await make_user(harness.services, "bob@example.com", name="Bob Stone")
    await book_directly(
        harness.services, patient_id=bob.id, doctor_id=doctor.user_id, starts_at=at(1, 10)
    )
    notice = ana_chat.last
    await ana_chat.press("Tue 1 Dec 10:00", notice)
    assert notice.text.startswith("That time was just taken by someone else. The next free")
    assert notice.button_texts[:2] == ["Tue 1 Dec 10:30", "Tue 1 Dec 11:00"]
    await ana_chat.press("Tue 1 Dec 11:00", notice)
    assert notice.text.startswith("✅ Booked")
    assert "Tuesday 1 December 2026, 11:00–11:30" in notice.text
    # The copy in her other chat has done its work: it books nothing more.
    await second_chat.press("Tue 1 Dec 12:00", second_chat.last)
    assert answer(harness) == "You already booked Tue 1 Dec 11:00 from this message."
    assert second_chat.last.buttons == []
    booked = [v for v in await visits(harness) if v.patient_id == ana.id and v.status == "booked"]
    assert [(v.starts_at, v.booked_by) for v in booked] == [(at(1, 11), ana.id)]

    # Another patient cannot use her notice's buttons, forged or copied.
    _, ben_chat = await in_chat(harness, "ben@example.com", "Ben Lee", Role.PATIENT)
    await ben_chat.send("/appointments")
    forged = TakeOffer(cancelled=visit.id, starts_at=at(1, 14)).pack()
    await ben_chat.press_data(forged, ben_chat.last)
    assert answer(harness) == "That appointment was not found."


async def test_moving_a_visit_with_a_typed_reason_in_spanish(
    harness: Harness, smtp: SmtpTestServer
) -> None:
    harness.services.mailer = Mailer(smtp.config())
    doctor, house = await doctor_in_chat(harness)
    ana, ana_chat = await in_chat(
        harness, "ana@example.com", "Ana García", Role.PATIENT, language="es"
    )
    visit = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at(2, 10)
    )
    _, desk = await in_chat(harness, "desk@example.com", "Rosa Recepción", Role.STAFF, "es")

    await desk.send("/patients 600")  # nobody has such a phone
    assert desk.last.text.startswith("Ningún paciente coincide con «600»")
    await desk.send("ana@exa")
    await desk.press("1. Ana García")
    await desk.press("mié 2 dic 10:00")
    card = desk.last
    await desk.press("🔁 Cambiar cita")
    assert card.text.startswith("🔁 Cambiar una cita\nAna García con Dr. Gregory House")
    await desk.send("El doctor tiene una operación")
    days = desk.last
    assert days.text.startswith("👤 Para Ana García\n\n🔁 Cambiar cita: Dr. Gregory House")
    await desk.send("jueves")
    await desk.send("12:00")
    confirm = desk.last
    assert "Motivo: El doctor tiene una operación" in confirm.text
    await desk.send("sí")
    assert desk.last.text.startswith("🔁 Cita cambiada: Ana García")

    stored = next(v for v in await visits(harness) if v.id == visit.id)
    assert (stored.starts_at, stored.change_note, stored.version) == (
        at(3, 12), "El doctor tiene una operación", 1,
    )  # fmt: skip
    assert ana_chat.last.text.splitlines() == [
        "🔁 Tu cita con Dr. Gregory House (Cardiology) se ha cambiado del miércoles 2 de "
        "diciembre de 2026, 10:00–10:30 (Europe/Madrid) al jueves 3 de diciembre de 2026, "
        "12:00–12:30 (Europe/Madrid).",
        "Motivo: El doctor tiene una operación",
    ]
    assert ana_chat.last.button_texts == ["Cancelar", "Cambiar hora"]
    assert house.last.text.startswith("🔁 Moved: Ana García's appointment from Wednesday")
    emails = await smtp.wait_for_messages(1)  # the booking's confirmation is superseded
    moved_email = plain_text(emails[-1].message)
    assert "Clinic ha cambiado la hora de su cita." in moved_email
    assert "Motivo: El doctor tiene una operación" in moved_email


# --- doctors: their own visits from /schedule ---------------------------------------------------


async def test_a_doctor_cancels_and_moves_their_own_visits_from_the_schedule(
    harness: Harness,
) -> None:
    doctor, house = await doctor_in_chat(harness)
    cuddy = await make_doctor(harness.services, "cuddy@example.com", name="Dr. Lisa Cuddy")
    ana, ana_chat = await in_chat(harness, "ana@example.com", "Ana García", Role.PATIENT)
    bob = await make_user(harness.services, "bob@example.com", name="Bob Stone")
    first = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at(1, 11)
    )
    second = await book_directly(
        harness.services, patient_id=bob.id, doctor_id=doctor.user_id, starts_at=at(1, 12)
    )
    theirs = await book_directly(
        harness.services, patient_id=bob.id, doctor_id=cuddy.user_id, starts_at=at(1, 15)
    )

    day = (await house.send("/schedule"))[-1]
    assert "✏️ Cancel or move a visit" in day.button_texts
    await house.press("✏️ Cancel or move a visit", day)
    assert day.text.startswith("✏️ Dr. Gregory House — Tuesday 1 December 2026")
    assert day.button_texts == ["11:00 · Ana García", "12:00 · Bob Stone", "📋 The day"]
    await house.press("11:00 · Ana García", day)
    # A doctor's card: no patient card (that is the front desk's), back to the day.
    assert day.button_texts == ["❌ Cancel visit", "🔁 Move visit", "📋 The day"]
    await house.press("❌ Cancel visit", day)
    await house.press("An emergency", day)
    await house.press("Yes, cancel it", day)
    assert day.text.startswith("❌ Cancelled. Ana García is told in chat and by email.")
    assert ana_chat.last.text.splitlines()[1] == "Reason: An emergency"
    # The doctor cancelled it: they get no notice of their own change.
    assert not any(
        m.text.startswith("❌ Cancelled:") for m in house.telegram.bot_messages(house.chat_id)
    )

    await house.press("📋 The day", day)
    await house.press("✏️ Cancel or move a visit", day)
    await house.press("12:00 · Bob Stone", day)
    await house.press("🔁 Move visit", day)
    await house.press("A change in the clinic's schedule", day)
    await house.press("Wed 2 Dec", day)
    await house.press("09:00", day)
    await house.press("Confirm", day)
    assert day.text.startswith("🔁 Moved: Bob Stone")
    moved = next(v for v in await visits(harness) if v.id == second.id)
    assert (moved.starts_at, moved.change_reason) == (at(2, 9), "clinic_schedule")

    # Another doctor's visit: refused, forged or not, and nothing changes.
    for forged in (
        VisitCard(appointment=theirs.id),
        VisitCancel(appointment=theirs.id),
        VisitMove(appointment=theirs.id),
    ):
        await house.press_data(forged.pack(), day)
        assert answer(harness) in (NOT_FOUND, "That appointment was not found."), forged
    assert next(v for v in await visits(harness) if v.id == theirs.id).status == "booked"
    assert first.id != theirs.id


# --- who may press what -------------------------------------------------------------------------


async def test_a_patient_cannot_use_the_front_desks_commands_or_buttons(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    ana, ana_chat = await in_chat(harness, "ana@example.com", "Ana García", Role.PATIENT)
    bob = await make_user(harness.services, "bob@example.com", name="Bob Stone")
    bobs = await book_directly(
        harness.services, patient_id=bob.id, doctor_id=doctor.user_id, starts_at=at(2, 10)
    )
    mine = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at(2, 11)
    )
    assert (await ana_chat.send("/patients"))[-1].text == WRONG_ROLE
    await ana_chat.send("/appointments")
    for pressed in (
        OpenPatient(patient=bob.id),
        BookFor(patient=bob.id),
        VisitCard(appointment=bobs.id),
        VisitCancel(appointment=bobs.id),
        VisitCancel(appointment=mine.id),  # her own visit: still not through the clinic's path
        VisitMove(appointment=mine.id),
    ):
        await ana_chat.press_data(pressed.pack(), ana_chat.last)
        assert answer(harness) == WRONG_ROLE, pressed
    assert {v.status for v in await visits(harness)} == {"booked"}

    # A doctor has no /patients either, nor a patient's card.
    _, house = await in_chat(harness, "house2@example.com", "Doc Two", Role.DOCTOR)
    assert (await house.send("/patients"))[-1].text == WRONG_ROLE
    await house.press_data(OpenPatient(patient=bob.id).pack(), house.last)
    assert answer(harness) == WRONG_ROLE


async def test_admins_book_for_a_patient_from_book(harness: Harness, smtp: SmtpTestServer) -> None:
    harness.services.mailer = Mailer(smtp.config())
    await make_doctor(harness.services, "house@example.com")
    patient = await registered(harness, "Ana García", "+34600111222")  # no email, no Telegram
    _, admin = await in_chat(harness, "boss@example.com", "Boss Admin", Role.ADMIN)
    await admin.send("/book")
    await admin.send("+34 600 111")
    await admin.press("1. Ana García")
    walk = admin.last
    assert walk.text.startswith("👤 For Ana García\n\n📅 Book an appointment")
    await admin.send("cardio")
    await admin.send("house")
    await admin.send("2/12")
    await admin.send("9:30")
    await admin.send("Follow-up of her last visit")  # the reason, typed too
    assert "Reason: Follow-up of her last visit" in admin.last.text
    await admin.send("yes")
    assert admin.last.text.startswith("✅ Booked for Ana García")
    [visit] = await visits(harness)
    assert visit.patient_id == patient and visit.starts_at == at(2, 9, 30)
    # Nobody to tell her: no chat, no email; recorded as such for the admins' report.
    async with harness.services.session_factory() as s:
        told = await s.scalars(
            select(Delivery).where(Delivery.recipient_id == patient, Delivery.kind != "reminder")
        )
        assert {(d.kind, d.status, d.last_error) for d in told} == {
            ("booked", "skipped", "the patient has no email"),
            ("clinic_booked", "skipped", "the recipient has no chat with the bot"),
        }
    assert smtp.messages == []


# --- two members of the front desk on one visit -------------------------------------------------


async def test_two_staff_on_one_visit_the_second_is_told_it_changed(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@example.com")
    ana, ana_chat = await in_chat(harness, "ana@example.com", "Ana García", Role.PATIENT)
    visit = await book_directly(
        harness.services, patient_id=ana.id, doctor_id=doctor.user_id, starts_at=at(2, 10)
    )
    _, rosa = await in_chat(harness, "rosa@example.com", "Rosa Desk", Role.STAFF)
    _, tom = await in_chat(harness, "tom@example.com", "Tom Desk", Role.STAFF)
    for desk in (rosa, tom):
        await desk.send("/schedule")
        await desk.press("Dr. Gregory House")
        await desk.press("Wed 2 Dec")
        await desk.press("✏️ Cancel or move a visit")
        await desk.press("10:00 · Ana García")

    # Both start cancelling; Rosa confirms first, Tom after her.
    await rosa.press("❌ Cancel visit")
    await tom.press("❌ Cancel visit")
    await rosa.press("An emergency")
    await tom.send("Patient phoned to cancel")
    await rosa.press("Yes, cancel it")
    await tom.press("Yes, cancel it")
    assert tom.last.text.startswith("This visit was changed by someone else meanwhile")
    # Tom's start of a move on the copy he still has is refused too.
    await tom.press_data(VisitMove(appointment=visit.id).pack(), tom.last)
    assert answer(harness) == (
        "This appointment can no longer be changed: it was cancelled or has started."
    )
    stored = next(v for v in await visits(harness) if v.id == visit.id)
    assert (stored.status, stored.version, stored.change_reason) == ("cancelled", 1, "emergency")
    # The patient is told once.
    assert len([t for t in ana_chat.texts() if "cancelled your appointment" in t]) == 1
