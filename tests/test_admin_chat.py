"""Admins onboard doctors (/adddoctor), doctors accept their invites, admins manage doctors
(/doctors) — end to end through the bot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from bot.callbacks import (
    AddConfirm,
    AddSlotLength,
    AddSpecialty,
    ConfirmDeactivation,
    Deactivate,
    DoctorsPage,
    EditDoctor,
    MarkReady,
    OpenDoctor,
    Reactivate,
    RenewInvite,
    StepData,
    decode,
)
from db.booking import AppointmentView
from db.doctors import (
    DoctorView,
    create_invite,
    get_or_create_specialty,
    hash_invite,
    list_doctors,
    set_doctor_active,
)
from db.models import Appointment, Doctor, Invite, Role, Specialty, User, WorkingHours
from tests.conftest import START, Harness
from tests.factories import PASSWORD, book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import BOT_USERNAME, ChatUser, Message

ADMIN_EMAIL = "boss@clinic.example"
LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=(inv_[A-Za-z0-9_-]+)")
# Wednesday 2 December 2026, 10:00 in Madrid: inside default hours, after the minimum notice.
WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
STALE = "This button is no longer valid."
OUT_OF_DATE = "That screen was out of date: here is where you are."
PICK_ONE = "I didn't catch that. Please choose one of these (a button, or type it):"


async def _admin(h: Harness, language: str = "en") -> ChatUser:
    await make_user(h.services, ADMIN_EMAIL, name="The Boss", role=Role.ADMIN, language=language)
    chat = h.user("Boss", language=language)
    await chat.send("/login")
    await chat.send(ADMIN_EMAIL)
    await chat.send(PASSWORD)
    return chat


async def _specialties(h: Harness, *names: str) -> None:
    async with h.services.transaction() as s:
        for name in names:
            await get_or_create_specialty(s, name)


async def _specialty_names(h: Harness) -> list[str]:
    async with h.services.session_factory() as s:
        return sorted((await s.scalars(select(Specialty.name))).all())


def _payload(message: Message) -> str:
    found = LINK.search(message.text)
    assert found is not None, message.text
    return found.group(1)


def _flow(message: Message) -> int:
    """The conversation number the message's step buttons carry."""
    for row in message.buttons:
        for button in row:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError(f"no step buttons on {message.text!r}")


def _answer(h: Harness) -> str | None:
    text = h.telegram.answers[-1].get("text")
    return str(text) if text is not None else None


async def _add_doctor(
    admin: ChatUser,
    *,
    name: str = "Dr. Ana Ruiz",
    specialty: str = "Cardiology",
    email: str = "ana.ruiz@clinic.example",
    minutes: int = 30,
) -> str:
    """/adddoctor through to Create; the invite's /start payload."""
    await admin.send("/adddoctor")
    await admin.send(name)
    await admin.press(specialty)
    await admin.send(email)
    await admin.press(f"{minutes} min")
    await admin.press("✅ Create")
    return _payload(admin.last)


async def _user(h: Harness, email: str) -> User:
    async with h.services.session_factory() as s:
        user = await s.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


async def _doctors(h: Harness, *, bookable_only: bool = False) -> list[DoctorView]:
    async with h.services.session_factory() as s:
        return await list_doctors(s, bookable_only=bookable_only)


async def _patient(h: Harness, email: str, name: str) -> tuple[User, ChatUser]:
    user = await make_user(h.services, email, name=name)
    chat = h.user(name.split()[0])
    await log_in_chat(chat, email)
    return user, chat


async def _conversation(h: Harness, chat: ChatUser) -> dict[str, Any] | None:
    """The chat's open conversation as stored (its name, state and draft), or ``None``."""
    async with h.services.session_factory() as s:
        row = (
            await s.execute(
                text("SELECT conversation, state, draft FROM chats WHERE chat_id = :chat"),
                {"chat": chat.chat_id},
            )
        ).first()
    if row is None or row.conversation is None:
        return None
    return {"name": row.conversation, "state": row.state, "draft": row.draft}


async def _tables_holding(h: Harness, value: str) -> list[str]:
    """Every table with a row whose text holds ``value`` (drafts, sessions, invites, …)."""
    async with h.services.session_factory() as s:
        tables = (
            await s.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
        ).all()
        holding = []
        for table in sorted(tables):
            found = await s.scalar(
                text(f'SELECT count(*) FROM "{table}" AS t WHERE position(:v in t::text) > 0'),
                {"v": value},
            )
            if found:
                holding.append(table)
    return holding


def _deleted_user_messages(h: Harness, chat: ChatUser) -> list[str]:
    return [
        m.text
        for m in h.telegram.chat(chat.chat_id, include_deleted=True)
        if not m.from_bot and m.deleted
    ]


# --- /adddoctor and the invite ------------------------------------------------------------------


async def test_adddoctor_onboards_a_doctor_who_logs_in_with_the_invite(harness: Harness) -> None:
    await _specialties(harness, "Cardiology", "Dermatology")
    admin = await _admin(harness)

    assert "What name should patients see" in (await admin.send("/adddoctor"))[-1].text
    specialty_step = (await admin.send("  Dr.  Ana   Ruiz "))[-1]
    assert "specialty of Dr. Ana Ruiz" in specialty_step.text
    assert specialty_step.button_texts == ["Cardiology", "Dermatology", "➕ New specialty"]

    assert await admin.press("Cardiology") == []  # the same message moves on
    assert specialty_step.edits == 1 and not specialty_step.buttons
    assert "Specialty: Cardiology" in specialty_step.text and "email" in specialty_step.text

    slot_step = (await admin.send(" Ana.Ruiz@Clinic.EXAMPLE "))[-1]
    assert slot_step.button_texts == ["15 min", "20 min", "30 min", "45 min", "60 min"]
    await admin.press("30 min")
    assert slot_step.text == (
        "New doctor\nName: Dr. Ana Ruiz\nSpecialty: Cardiology\nEmail: ana.ruiz@clinic.example\n"
        "Appointments: 30 min\nWeekly hours: Mon–Fri 09:00–17:00 (the doctor can change them "
        "with /hours)\n\nCreate this doctor and their invite link?"
    )
    assert slot_step.button_texts == [
        "✅ Create", "✏️ Name", "✏️ Specialty", "✏️ Email", "✏️ Length", "✖️ Cancel",
    ]  # fmt: skip

    await admin.press("✅ Create")
    done = slot_step
    assert not done.buttons
    assert done.text.startswith(
        "✅ Dr. Ana Ruiz is added: Cardiology, 30-min appointments, Mon–Fri 09:00–17:00."
    )
    assert (
        "used once and expires in 7 days, on Tuesday 8 December 2026, 09:00 (Europe/Madrid)"
        in (done.text)
    )
    assert done.text.endswith(
        "Patients can book Dr. Ana Ruiz once they accept it, or once you mark them ready in "
        "/doctors."
    )
    payload = _payload(done)
    assert len(payload) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    token = payload.removeprefix("inv_")
    assert await _conversation(harness, admin) is None

    # The database: a doctor without a password, default hours, the invite stored as a hash only.
    admin_user = await _user(harness, ADMIN_EMAIL)
    user = await _user(harness, "ana.ruiz@clinic.example")
    assert (user.name, user.role, user.password_hash, user.active) == (
        "Dr. Ana Ruiz", "doctor", None, True,
    )  # fmt: skip
    async with harness.services.session_factory() as s:
        doctor = await s.get(Doctor, user.id)
        assert doctor is not None and doctor.slot_minutes == 30 and doctor.active
        specialty = await s.get(Specialty, doctor.specialty_id)
        assert specialty is not None and specialty.name == "Cardiology"
        hours = (
            await s.execute(
                select(WorkingHours.weekday, WorkingHours.start_minute, WorkingHours.end_minute)
                .where(WorkingHours.doctor_id == user.id)
                .order_by(WorkingHours.weekday)
            )
        ).all()
        assert [tuple(row) for row in hours] == [(day, 540, 1020) for day in range(5)]
        invites = (await s.scalars(select(Invite).where(Invite.user_id == user.id))).all()
    assert len(invites) == 1
    invite = invites[0]
    assert invite.token_hash == hash_invite(token) and invite.used_at is None
    assert invite.created_by == admin_user.id and invite.expires_at == START + timedelta(days=7)
    assert await _tables_holding(harness, token) == []
    assert await _tables_holding(harness, hash_invite(token)) == ["invites"]

    # The doctor opens the link in their own chat.
    ana = harness.user("Ana")
    welcome = (await ana.send(f"/start {payload}"))[-1]
    assert "Welcome, Dr. Ana Ruiz" in welcome.text and "(Cardiology)" in welcome.text
    assert "ana.ruiz@clinic.example" in welcome.text
    waiting = await _conversation(harness, ana)
    assert waiting is not None and (waiting["name"], waiting["state"]) == ("invite", "password")

    assert "at least 8 characters" in (await ana.send("short"))[-1].text
    done_messages = await ana.send("stethoscope-42")
    assert _deleted_user_messages(harness, ana) == ["short", "stethoscope-42"]
    assert done_messages[-1].text.startswith(
        "✅ Your password is set and this chat is logged in as Dr. Ana Ruiz (doctor)."
    )
    assert "/schedule" in done_messages[-1].text and "/hours" in done_messages[-1].text
    assert "Mon–Fri 09:00–17:00" in done_messages[-1].text
    assert await _conversation(harness, ana) is None
    assert "Role: doctor" in (await ana.send("/me"))[-1].text

    user = await _user(harness, "ana.ruiz@clinic.example")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert user.language == "en"
    used = await harness.scalar("SELECT used_at FROM invites WHERE user_id = :u", u=user.id)
    assert used == START

    # Later, from anywhere: /login with the chosen password.
    await ana.send("/logout")
    await ana.send("/login")
    await ana.send("ana.ruiz@clinic.example")
    assert "Logged in as Dr. Ana Ruiz (doctor)" in (await ana.send("stethoscope-42"))[-1].text

    # The link works once.
    again = harness.user("Someone")
    replies = await again.send(f"/start {payload}")
    assert replies[-1].text == (
        "This invite link is not valid or has expired. Ask the clinic for a new one."
    )
    assert "didn't understand" in (await again.send("another-password"))[-1].text


async def test_invite_expires_after_seven_days(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "late@clinic.example", password=None)
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)

    harness.clock.advance(timedelta(days=7) - timedelta(minutes=1))
    late = harness.user("Late")
    assert "Welcome, Dr. Gregory House" in (await late.send(f"/start inv_{token}"))[-1].text
    harness.clock.advance(timedelta(minutes=1))
    # Checked again when used: it expired while the doctor was choosing a password.
    replies = await late.send("finally-a-password")
    assert replies[-1].text.startswith("This invite link is not valid or has expired.")
    assert _deleted_user_messages(harness, late) == ["finally-a-password"]
    assert await _conversation(harness, late) is None
    assert (await _user(harness, "late@clinic.example")).password_hash is None

    other = harness.user("Other")
    assert "not valid or has expired" in (await other.send(f"/start inv_{token}"))[-1].text


async def test_unknown_and_malformed_invite_links(harness: Harness) -> None:
    chat = harness.user()
    assert "not valid or has expired" in (await chat.send("/start inv_NoSuchToken123"))[-1].text
    # Not a payload Telegram could carry: no invite is looked up, and the link is refused.
    assert "not valid or has expired" in (await chat.send("/start inv_bad!token"))[-1].text
    assert await _conversation(harness, chat) is None
    assert (await chat.send("/start something-else"))[-1].text.startswith(
        "This link is not valid."
    )
    assert "Welcome to the clinic" in (await chat.send("/start"))[-1].text


async def test_invite_cancel_midway_and_restart(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "greg@clinic.example", password=None)
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)
    greg = harness.user("Greg")
    await greg.send(f"/start inv_{token}")
    # At the password step every message is the attempt, and is deleted at once.
    assert "at least 8 characters" in (await greg.send("/book"))[-1].text
    assert _deleted_user_messages(harness, greg) == ["/book"]
    assert "text message" in (await greg.send_sticker())[-1].text
    assert "Nothing was saved" in (await greg.send("/cancel"))[-1].text
    assert await _conversation(harness, greg) is None
    assert "didn't understand" in (await greg.send("a-password-typed-late"))[-1].text

    # Opened again, the conversation survives a restart of the bot.
    await greg.send(f"/start inv_{token}")
    await harness.restart()
    harness.rebind(greg)
    replies = await greg.send("survives-restarts")
    assert "Your password is set" in replies[-1].text
    assert await _conversation(harness, greg) is None


async def test_invite_opened_in_a_chat_logged_in_as_someone_else(harness: Harness) -> None:
    await make_user(harness.services, "pat@example.com", name="Pat")
    doctor = await make_doctor(harness.services, "doc@clinic.example", password=None)
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)
    chat = harness.user("Shared")
    await log_in_chat(chat, "pat@example.com")
    await chat.send(f"/start inv_{token}")
    await chat.send("doctor-password")
    assert "Role: doctor" in (await chat.send("/me"))[-1].text
    assert "/book" not in (await chat.send("/help"))[-1].text


async def test_adddoctor_rejects_bad_input_at_every_step(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    await make_user(harness.services, "taken@clinic.example")
    admin = await _admin(harness)
    await admin.send("/adddoctor")

    assert "doctor's name" in (await admin.send("x"))[-1].text
    assert "doctor's name" in (await admin.send("12345"))[-1].text
    assert "text message" in (await admin.send_sticker())[-1].text
    specialty_step = (await admin.send("Dr. Bo Stone"))[-1]
    flow = _flow(specialty_step)

    # Another command that is no conversation runs; the onboarding waits where it was.
    assert "no doctors yet" in (await admin.send("/doctors"))[-1].text
    # A specialty that does not exist (forged): told, and offered the list again.
    await admin.press_data(AddSpecialty(flow=flow, specialty=999999).pack(), specialty_step)
    assert _answer(harness) == "That specialty is no longer available. Please choose again."
    assert specialty_step.button_texts == ["Cardiology", "➕ New specialty"]
    # Forged or oversized data is refused before anything reaches the database; the step is
    # shown again where it is.
    await admin.press_data(f"ad.sp:{flow}:99999999999", specialty_step)
    assert _answer(harness) == OUT_OF_DATE
    await admin.press_data("ad.sp:" + "9" * 80, specialty_step)
    assert _answer(harness) == OUT_OF_DATE
    # Buttons of another step, or of another conversation, are not taken here: the step is
    # shown again where it is.
    await admin.press_data(AddSlotLength(flow=flow, minutes=30).pack(), specialty_step)
    assert _answer(harness) == OUT_OF_DATE
    await admin.press_data(AddSpecialty(flow=flow + 1, specialty=1).pack(), specialty_step)
    assert _answer(harness) == OUT_OF_DATE
    assert specialty_step.button_texts == ["Cardiology", "➕ New specialty"]
    await admin.press("Cardiology", specialty_step)

    assert "doesn't look like an email" in (await admin.send("bo@"))[-1].text
    assert "already has an account" in (await admin.send(" TAKEN@clinic.example"))[-1].text
    slot_step = (await admin.send("bo@clinic.example"))[-1]

    # A length not offered, typed: the choices again.
    again = (await admin.send("25"))[-1]
    assert again.text.startswith(PICK_ONE) and "How long is each appointment" in again.text
    assert again.button_texts == slot_step.button_texts
    await admin.press_data(AddSlotLength(flow=flow, minutes=25).pack(), again)
    assert _answer(harness) == (
        "That is not one of the offered lengths. Please choose with the buttons."
    )
    assert again.button_texts[0] == "15 min"  # still choosing
    await admin.press_data(f"ad.slot:{flow}:abc", again)
    assert _answer(harness) == OUT_OF_DATE
    await admin.press("20 min", again)
    summary = again

    assert (await admin.send("perhaps"))[-1].text.startswith(PICK_ONE)
    await admin.press("✅ Create", summary)
    assert "Dr. Bo Stone is added" in summary.text
    # A second tap on Create (the button of a message as it was) creates nothing more.
    await admin.press_data(AddConfirm(flow=flow).pack(), summary)
    assert _answer(harness) == STALE
    assert [d.name for d in await _doctors(harness)] == ["Dr. Bo Stone"]
    assert (await _doctors(harness))[0].slot_minutes == 20
    assert not harness.errors


async def test_new_specialty_is_created_with_the_doctor(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    await admin.send("Dr. Eva Lind")
    await admin.press("➕ New specialty")
    assert "name of the new specialty" in admin.last.text
    assert "specialty name of 2 to 80" in (await admin.send("x"))[-1].text
    replies = await admin.send("  Sports   medicine ")
    assert "Specialty: Sports medicine (new)." in replies[-1].text
    # Nothing is created before the doctor is.
    assert await _specialty_names(harness) == ["Cardiology"]
    await admin.send("eva@clinic.example")
    await admin.press("45 min")
    assert "Specialty: Sports medicine (new)" in admin.last.text
    await admin.press("✅ Create")
    assert "Dr. Eva Lind is added: Sports medicine, 45-min appointments" in admin.last.text
    (doctor,) = await _doctors(harness)
    assert (doctor.specialty, doctor.slot_minutes) == ("Sports medicine", 45)

    # A "new" specialty that already exists (any case) is the existing one.
    await admin.send("/adddoctor")
    await admin.send("Dr. Max Roe")
    await admin.press("➕ New specialty")
    assert "Specialty: Cardiology." in (await admin.send("CARDIOLOGY"))[-1].text
    await admin.send("max@clinic.example")
    await admin.press("15 min")
    await admin.press("✅ Create")
    assert await _specialty_names(harness) == ["Cardiology", "Sports medicine"]

    # Cancelled after typing a new specialty: it is not created.
    await admin.send("/adddoctor")
    await admin.send("Dr. Zoe Park")
    await admin.press("➕ New specialty")
    await admin.send("Neurology")
    await admin.send("/cancel")
    assert "Neurology" not in await _specialty_names(harness)


async def test_email_taken_while_confirming(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    await admin.send("Dr. Kim Lee")
    await admin.press("➕ New specialty")
    await admin.send("Neurology")
    await admin.send("kim@clinic.example")
    await admin.press("60 min")
    summary = admin.last
    await make_user(harness.services, "kim@clinic.example", name="Kim the patient")
    await admin.press("✅ Create")
    assert summary.text == (
        "That email got an account a moment ago, so nothing was saved. Send another email "
        "for Dr. Kim Lee, or /cancel."
    )
    assert await _doctors(harness) == []
    assert await _specialty_names(harness) == ["Cardiology"]  # nor the new specialty
    # The other answers stand: the summary again, with the new email.
    again = (await admin.send("kim.lee@clinic.example"))[-1]
    assert "Email: kim.lee@clinic.example\nAppointments: 60 min" in again.text
    await admin.press("✅ Create")
    assert "Dr. Kim Lee is added: Neurology" in admin.last.text
    assert [d.email for d in await _doctors(harness)] == ["kim.lee@clinic.example"]


async def test_cancel_midway_and_the_cancel_button_save_nothing(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    specialty_step = (await admin.send("Dr. Nil Null"))[-1]
    assert "Nothing was saved" in (await admin.send("/cancel"))[-1].text
    assert await _conversation(harness, admin) is None
    await admin.press("Cardiology", specialty_step)
    assert _answer(harness) == STALE
    assert "didn't understand" in (await admin.send("nil@clinic.example"))[-1].text

    await admin.send("/adddoctor")
    await admin.send("Dr. Nil Null")
    await admin.press("Cardiology")
    await admin.send("nil@clinic.example")
    await admin.press("30 min")
    summary = admin.last
    flow = _flow(summary)
    await admin.press("✖️ Cancel")
    assert summary.text == "Cancelled. No doctor was added." and not summary.buttons
    await admin.press_data(AddConfirm(flow=flow).pack(), summary)
    assert _answer(harness) == STALE
    assert await _doctors(harness) == []
    assert await _conversation(harness, admin) is None


async def test_typed_answers_count_like_the_buttons(harness: Harness) -> None:
    await _specialties(harness, "Cardiology", "Cardiac surgery", "Dermatology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    await admin.send("Dr. Ana Ruiz")
    # Ambiguous: the choices again, naming the candidates.
    which = (await admin.send("card"))[-1]
    assert which.text.startswith("Which one do you mean: Cardiac surgery, Cardiology?")
    assert which.button_texts[-1] == "➕ New specialty"
    # Not a name a specialty could have: the choices again.
    bad = (await admin.send("x"))[-1]
    assert bad.text.startswith("Please send a specialty name of 2 to 80 characters")
    assert "Cardiology" in bad.button_texts
    # A unique start of a name is enough.
    assert (await admin.send("cardio"))[-1].text.startswith("Specialty: Cardiology.")
    await admin.send("ana@clinic.example")
    summary = (await admin.send("30 minutes"))[-1]
    assert "Appointments: 30 min" in summary.text and "Specialty: Cardiology\n" in summary.text
    done = (await admin.send("yes"))[-1]
    assert done.text.startswith("✅ Dr. Ana Ruiz is added: Cardiology, 30-min appointments")
    await admin.press("✅ Create", summary)  # the summary's buttons no longer act
    assert _answer(harness) == STALE

    # A name that matches none of the list is a new specialty, created with the doctor.
    await admin.send("/adddoctor")
    await admin.send("Dr. Eva Lind")
    assert "Specialty: Sports medicine (new)." in (await admin.send("Sports medicine"))[-1].text
    await admin.send("eva@clinic.example")
    assert "Appointments: 45 min" in (await admin.send("45"))[-1].text
    await admin.send("ok")
    # …and "new" opens the step that asks for one; "no" at the summary cancels.
    await admin.send("/adddoctor")
    await admin.send("Dr. Max Roe")
    assert "name of the new specialty" in (await admin.send("new"))[-1].text
    await admin.send("sports MEDICINE")
    await admin.send("max@clinic.example")
    await admin.send("60 min")
    assert (await admin.send("no"))[-1].text == "Cancelled. No doctor was added."

    doctors = {d.name: (d.specialty, d.slot_minutes) for d in await _doctors(harness)}
    assert doctors == {
        "Dr. Ana Ruiz": ("Cardiology", 30),
        "Dr. Eva Lind": ("Sports medicine", 45),
    }
    assert await _specialty_names(harness) == [
        "Cardiac surgery", "Cardiology", "Dermatology", "Sports medicine",
    ]  # fmt: skip


async def test_typed_answers_count_in_spanish(harness: Harness) -> None:
    await _specialties(harness, "Cardiología", "Dermatología")
    admin = await _admin(harness, language="es")
    await admin.send("/adddoctor")
    await admin.send("Dra. Ana Ruiz")
    assert (await admin.send("cardio"))[-1].text.startswith("Especialidad: Cardiología.")
    await admin.send("ana@clinica.example")
    assert "Citas: 20 min" in (await admin.send("20"))[-1].text
    assert (await admin.send("quizás"))[-1].text.startswith(
        "No te he entendido. Elige una de estas opciones"
    )
    assert "ya está dado de alta" in (await admin.send("sí"))[-1].text

    await admin.send("/adddoctor")
    await admin.send("Dr. Luis Gil")
    replies = await admin.send("Neurología")
    assert "Especialidad: Neurología (nueva)." in replies[-1].text
    await admin.send("luis@clinica.example")
    await admin.send("15 minutos")
    assert (await admin.send("no"))[-1].text == "Cancelado. No se ha añadido ningún médico."
    assert [d.name for d in await _doctors(harness)] == ["Dra. Ana Ruiz"]
    assert await _specialty_names(harness) == ["Cardiología", "Dermatología"]


async def test_only_admins_manage_doctors(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@clinic.example")
    await make_user(harness.services, "pat@example.com", name="Pat")
    patient = harness.user("Pat")
    await log_in_chat(patient, "pat@example.com")
    house = harness.user("House")
    await log_in_chat(house, "house@clinic.example")
    guest = harness.user("Guest")

    for chat in (patient, house):
        assert (await chat.send("/adddoctor"))[-1].text == "That is not available to your account."
        assert (await chat.send("/doctors"))[-1].text == "That is not available to your account."
        # Not left in a conversation: the next text is not taken as a doctor's name.
        assert "didn't understand" in (await chat.send("Dr. Fake"))[-1].text
        for data in (
            Deactivate(doctor=doctor.user_id),
            ConfirmDeactivation(doctor=doctor.user_id, newest=0),
            RenewInvite(doctor=doctor.user_id),
            Reactivate(doctor=doctor.user_id),
            DoctorsPage(page=0),
            OpenDoctor(doctor=doctor.user_id),
            EditDoctor(doctor=doctor.user_id),
            MarkReady(doctor=doctor.user_id, ready=True),
        ):
            before = len(harness.telegram.bot_messages(chat.chat_id))
            await chat.press_data(data.pack(), chat.last)
            assert _answer(harness) == "That is not available to your account."
            assert len(harness.telegram.bot_messages(chat.chat_id)) == before
        # A step of /adddoctor, pressed outside one: nothing to act on.
        await chat.press_data(AddConfirm(flow=1).pack(), chat.last)
        assert _answer(harness) == STALE
    assert (await guest.send("/doctors"))[-1].text == "Please /login first."
    await guest.press_data(Deactivate(doctor=doctor.user_id).pack(), guest.last)
    assert _answer(harness) == "Please /login first."

    (still,) = await _doctors(harness)
    assert still.active
    assert await harness.scalar("SELECT count(*) FROM invites") == 1  # only make_doctor's


async def test_admins_see_their_commands_in_menu_and_help(harness: Harness) -> None:
    admin = await _admin(harness)
    menu = harness.telegram.menu(admin.chat_id)
    assert {"adddoctor", "doctors", "reminders"} <= set(menu)
    help_text = (await admin.send("/help"))[-1].text
    assert "/adddoctor — add a doctor and get their invite link" in help_text
    assert "/doctors — see, edit, deactivate and reactivate doctors" in help_text
    assert "/reminders — reminder delivery" in help_text
    patient = harness.user("Pat")
    await make_user(harness.services, "pat@example.com", name="Pat")
    await log_in_chat(patient, "pat@example.com")
    assert "adddoctor" not in harness.telegram.menu(patient.chat_id)
    assert "/doctors" not in (await patient.send("/help"))[-1].text


# --- /doctors -----------------------------------------------------------------------------------


async def test_doctors_list_says_who_is_in_book_and_why_not(harness: Harness) -> None:
    await make_doctor(harness.services, "house@clinic.example", name="Dr. Gregory House")
    await make_doctor(
        harness.services,
        "cuddy@clinic.example",
        name="Dr. Lisa Cuddy",
        specialty="Endocrinology",
        slot_minutes=15,
        password=None,
        ready=False,
    )
    await make_doctor(
        harness.services,
        "chase@clinic.example",
        name="Dr. Robert Chase",
        specialty="Surgery",
        password=None,
    )
    foreman = await make_doctor(
        harness.services, "foreman@clinic.example", name="Dr. Eric Foreman", specialty="Neurology"
    )
    async with harness.services.transaction() as s:
        await set_doctor_active(s, doctor_id=foreman.user_id, active=False, now=START)
    _, patient = await _patient(harness, "pat@example.com", "Pat Doe")
    assert (await patient.send("/book"))[-1].button_texts == ["Cardiology", "Surgery"]
    await patient.send("/cancel")

    admin = await _admin(harness)
    listing = (await admin.send("/doctors"))[-1]
    assert listing.text == (
        "Doctors (4)\n"
        "Choose a doctor to see, edit or deactivate them.\n\n"
        "1. Dr. Eric Foreman — Neurology\n"
        "    ⛔ inactive: not in /book\n"
        "2. Dr. Gregory House — Cardiology\n"
        "    ✅ in /book\n"
        "3. Dr. Lisa Cuddy — Endocrinology\n"
        "    ⏳ not in /book: invite not accepted yet\n"
        "4. Dr. Robert Chase — Surgery\n"
        "    ✅ in /book (marked ready; invite not accepted yet)"
    )
    assert listing.button_texts == [
        "1. Dr. Eric Foreman", "2. Dr. Gregory House", "3. Dr. Lisa Cuddy", "4. Dr. Robert Chase",
    ]  # fmt: skip

    # A doctor's card: their details (the email only admins see) and why /book leaves them out.
    await admin.press("3. Dr. Lisa Cuddy")
    card = listing
    assert card.text == (
        "Dr. Lisa Cuddy\n"
        "Specialty: Endocrinology\n"
        "Appointments: 15 min\n"
        "Email (their login): cuddy@clinic.example\n"
        "Weekly hours: Mon–Fri 09:00–17:00\n"
        "Upcoming appointments: 0\n\n"
        "⏳ Not in /book: Dr. Lisa Cuddy has not accepted their invite yet (their link works "
        "until Tuesday 8 December 2026, 09:00 (Europe/Madrid)). Send them a new link, or mark "
        "them ready to list them now."
    )
    assert card.button_texts == [
        "✏️ Edit", "🔗 New invite link", "✅ Mark ready for /book", "⛔ Deactivate…", "« Doctors",
    ]  # fmt: skip

    # Marked ready, /book lists them; taken back, it does not (and they are told why again).
    await admin.press("✅ Mark ready for /book", card)
    assert card.text.startswith(
        "✅ Dr. Lisa Cuddy is marked ready: patients can book them now.\n\nDr. Lisa Cuddy\n"
    )
    assert card.text.endswith(
        "✅ In /book: you marked Dr. Lisa Cuddy ready. They have not accepted their invite, so "
        "the bot cannot tell them of their bookings until they do."
    )
    assert "Endocrinology" in (await patient.send("/book"))[-1].button_texts
    await patient.send("/cancel")
    # A second tap from an older copy changes nothing.
    cuddy = next(d for d in await _doctors(harness) if d.email == "cuddy@clinic.example")
    await admin.press_data(MarkReady(doctor=cuddy.user_id, ready=True).pack(), card)
    assert _answer(harness) == "Nothing to change."
    await admin.press("⏳ Not in /book until they accept", card)
    assert card.text.startswith(
        "⏳ Dr. Lisa Cuddy leaves /book until they accept their invite. Their booked "
        "appointments stay."
    )
    assert "Endocrinology" not in (await patient.send("/book"))[-1].button_texts
    await patient.send("/cancel")

    await admin.press("« Doctors", card)
    assert card.text.startswith("Doctors (4)")
    await admin.press("2. Dr. Gregory House", card)
    assert card.text.endswith("✅ In /book: patients can book Dr. Gregory House.")
    assert card.button_texts == ["✏️ Edit", "🔗 New invite link", "⛔ Deactivate…", "« Doctors"]
    await admin.press("« Doctors", card)
    await admin.press("1. Dr. Eric Foreman", card)
    assert card.text.endswith("⛔ Inactive: not in /book, and Dr. Eric Foreman cannot log in.")
    assert card.button_texts == ["✏️ Edit", "✅ Reactivate", "« Doctors"]
    for forged in (OpenDoctor(doctor=999999), MarkReady(doctor=999999, ready=True)):
        await admin.press_data(forged.pack(), card)
        assert _answer(harness) == "That doctor no longer exists."
        assert card.text.startswith("Doctors (4)")


async def test_a_card_says_when_a_link_expired_and_when_there_are_no_hours(
    harness: Harness,
) -> None:
    await make_doctor(
        harness.services, "cuddy@clinic.example", name="Dr. Lisa Cuddy", password=None, hours=()
    )
    harness.clock.advance(timedelta(days=8))
    admin = await _admin(harness)
    card = await _card(admin, "1. Dr. Lisa Cuddy")
    assert "Weekly hours: no weekly hours" in card.text
    assert card.text.endswith(
        "✅ In /book: you marked Dr. Lisa Cuddy ready. They have not accepted their invite, so "
        "the bot cannot tell them of their bookings until they do.\n"
        "⚠️ No weekly hours: /book offers no times with Dr. Lisa Cuddy until they set some "
        "(/hours)."
    )
    await admin.press("⏳ Not in /book until they accept", card)
    assert (
        "(their last link expired on Tuesday 8 December 2026, 09:00 (Europe/Madrid))" in card.text
    )


async def test_no_doctors_yet(harness: Harness) -> None:
    admin = await _admin(harness)
    assert (await admin.send("/doctors"))[-1].text == (
        "There are no doctors yet. /adddoctor adds one."
    )


async def _card(admin: ChatUser, name: str) -> Message:
    """/doctors, then the doctor's card (the same message)."""
    listing = (await admin.send("/doctors"))[-1]
    await admin.press(name, listing)
    return listing


async def test_deactivate_without_appointments_and_reactivate(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@clinic.example")
    await make_doctor(
        harness.services, "wilson@clinic.example", name="Dr. James Wilson", specialty="Oncology"
    )
    house = harness.user("House")
    await log_in_chat(house, "house@clinic.example")
    _, patient = await _patient(harness, "pat@example.com", "Pat Doe")
    admin = await _admin(harness)
    card = await _card(admin, "Dr. Gregory House")

    # Even without appointments, one tap only asks.
    await admin.press("⛔ Deactivate…", card)
    assert card.text == (
        "Deactivate Dr. Gregory House? They leave /book, are logged out everywhere and cannot "
        "log in until you reactivate them. They have no upcoming appointments."
    )
    assert card.button_texts == ["⛔ Deactivate", "« Back"]
    assert len(await _doctors(harness, bookable_only=True)) == 2
    await admin.press("« Back", card)
    assert card.text.startswith("Dr. Gregory House\nSpecialty: Cardiology")
    await admin.press("⛔ Deactivate…", card)
    await admin.press("⛔ Deactivate", card)
    assert card.text.startswith(
        "⛔ Dr. Gregory House is deactivated: no longer bookable, and logged out everywhere."
        "\n\nDr. Gregory House\n"
    )
    assert card.text.endswith("⛔ Inactive: not in /book, and Dr. Gregory House cannot log in.")
    assert card.button_texts == ["✏️ Edit", "✅ Reactivate", "« Doctors"]
    assert harness.telegram.answers[-1].get("text") is None
    assert [d.name for d in await _doctors(harness, bookable_only=True)] == ["Dr. James Wilson"]
    assert "Cardiology" not in (await patient.send("/book"))[-1].button_texts
    await patient.send("/cancel")

    # The doctor loses access at once, and cannot log in again.
    assert (await house.send("/me"))[-1].text == "Please /login first."
    await house.send("/login")
    await house.send("house@clinic.example")
    assert "disabled" in (await house.send(PASSWORD))[-1].text

    # A stale Deactivate or confirmation (from an older copy) changes nothing.
    await admin.press_data(Deactivate(doctor=doctor.user_id).pack(), card)
    assert _answer(harness) == "Dr. Gregory House is already inactive."
    await admin.press_data(ConfirmDeactivation(doctor=doctor.user_id, newest=0).pack(), card)
    assert _answer(harness) == "Dr. Gregory House is already inactive."
    # A new invite for an inactive doctor is refused.
    await admin.press_data(RenewInvite(doctor=doctor.user_id).pack(), card)
    assert _answer(harness).startswith("Reactivate Dr. Gregory House first")

    await admin.press("✅ Reactivate", card)
    assert card.text.startswith("✅ Dr. Gregory House is active again")
    assert card.button_texts == ["✏️ Edit", "🔗 New invite link", "⛔ Deactivate…", "« Doctors"]
    assert len(await _doctors(harness, bookable_only=True)) == 2
    assert "Cardiology" in (await patient.send("/book"))[-1].button_texts
    await patient.send("/cancel")
    await log_in_chat(house, "house@clinic.example")
    await admin.press_data(Reactivate(doctor=doctor.user_id).pack(), card)
    assert _answer(harness) == "Dr. Gregory House is already active."

    # A doctor who does not exist (forged id); ids beyond the database's are refused before it.
    for kind in (Deactivate, Reactivate, RenewInvite, EditDoctor):
        await admin.press_data(kind(doctor=999999).pack(), card)
        assert _answer(harness) == "That doctor no longer exists."
    await admin.press_data(ConfirmDeactivation(doctor=999999, newest=0).pack(), card)
    assert _answer(harness) == "That doctor no longer exists."
    await admin.press_data("dr:off:99999999999", card)
    assert _answer(harness) == STALE
    await admin.press_data(f"dr:offok:{doctor.user_id}:-1", card)
    assert _answer(harness) == STALE
    assert card.text.startswith("Doctors (2)")


async def test_a_confirmation_without_appointments_is_shown_again_if_one_was_booked(
    harness: Harness,
) -> None:
    house = await make_doctor(harness.services, "house@clinic.example")
    one, _ = await _patient(harness, "one@example.com", "Pat One")
    admin = await _admin(harness)
    card = await _card(admin, "Dr. Gregory House")
    await admin.press("⛔ Deactivate…", card)
    await book_directly(
        harness.services, patient_id=one.id, doctor_id=house.user_id, starts_at=WEDNESDAY_10
    )
    await admin.press("⛔ Deactivate", card)
    assert card.text.startswith(
        "The appointments changed meanwhile; nothing was done. Please check again.\n\n"
        "Dr. Gregory House has upcoming appointments: 1\n• Wed 2 Dec 10:00 — Pat One"
    )
    assert [d.name for d in await _doctors(harness, bookable_only=True)] == ["Dr. Gregory House"]


async def _statuses(h: Harness, appointments: list[AppointmentView]) -> list[tuple[str, ...]]:
    async with h.services.session_factory() as s:
        rows = [await s.get(Appointment, a.id) for a in appointments]
    return [
        (row.status, str(row.cancelled_by), str(row.cancel_reason))
        for row in rows
        if row is not None
    ]


async def test_deactivate_with_upcoming_appointments(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@clinic.example")
    wilson = await make_doctor(
        harness.services, "wilson@clinic.example", name="Dr. James Wilson", specialty="Oncology"
    )
    one, one_chat = await _patient(harness, "one@example.com", "Pat One")
    two, two_chat = await _patient(harness, "two@example.com", "Pat Two")
    three, three_chat = await _patient(harness, "three@example.com", "Pat Three")
    first = await book_directly(
        harness.services, patient_id=one.id, doctor_id=house.user_id, starts_at=WEDNESDAY_10
    )
    second = await book_directly(
        harness.services,
        patient_id=two.id,
        doctor_id=house.user_id,
        starts_at=WEDNESDAY_10 + timedelta(days=1, hours=2),
    )
    elsewhere = await book_directly(
        harness.services, patient_id=three.id, doctor_id=wilson.user_id, starts_at=WEDNESDAY_10
    )
    admin = await _admin(harness)
    admin_user = await _user(harness, ADMIN_EMAIL)
    listing = await _card(admin, "Dr. Gregory House")
    assert "Upcoming appointments: 2" in listing.text

    await admin.press("⛔ Deactivate…", listing)
    assert listing.text == (
        "Dr. Gregory House has upcoming appointments: 2\n"
        "• Wed 2 Dec 10:00 — Pat One\n"
        "• Thu 3 Dec 12:00 — Pat Two\n"
        "(times in Europe/Madrid)\n\n"
        "Deactivating cancels all of them and tells each patient. Deactivate Dr. Gregory House?"
    )
    assert listing.button_texts == ["⛔ Deactivate and cancel 2", "« Back"]
    assert len(await _doctors(harness, bookable_only=True)) == 2  # nothing changed yet

    await admin.press("« Back", listing)
    assert listing.text.startswith("Dr. Gregory House\nSpecialty: Cardiology")
    await admin.press("⛔ Deactivate…", listing)
    confirm = dict(listing.buttons[0][0])
    assert decode(confirm["callback_data"]) == ConfirmDeactivation(
        doctor=house.user_id, newest=second.id
    )

    # Meanwhile another patient books: the admin is shown the new list before anything happens.
    third = await book_directly(
        harness.services,
        patient_id=three.id,
        doctor_id=house.user_id,
        starts_at=WEDNESDAY_10 + timedelta(days=2),
    )
    await admin.press_data(confirm["callback_data"], listing)
    assert listing.text.startswith(
        "The appointments changed meanwhile; nothing was done. Please check again.\n\n"
        "Dr. Gregory House has upcoming appointments: 3"
    )
    assert "• Fri 4 Dec 10:00 — Pat Three" in listing.text
    assert await _statuses(harness, [first]) == [("booked", "None", "None")]

    await admin.press("⛔ Deactivate and cancel 3")
    assert listing.text.startswith(
        "⛔ Dr. Gregory House is deactivated and logged out everywhere. Appointments "
        "cancelled: 3; each patient was told."
    )
    cancelled = ("cancelled", str(admin_user.id), "doctor_inactive")
    assert await _statuses(harness, [first, second, third]) == [cancelled] * 3
    assert await _statuses(harness, [elsewhere]) == [("booked", "None", "None")]
    assert [d.user_id for d in await _doctors(harness, bookable_only=True)] == [wilson.user_id]
    for chat, when in (
        (one_chat, "Wednesday 2 December 2026, 10:00–10:30 (Europe/Madrid)"),
        (two_chat, "Thursday 3 December 2026, 12:00–12:30 (Europe/Madrid)"),
        (three_chat, "Friday 4 December 2026, 10:00–10:30 (Europe/Madrid)"),
    ):
        assert chat.last.text.startswith(
            f"❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
            f"{when}."
        )

    # A second tap on the confirmation: nothing more is cancelled, nobody is told twice.
    sent = len(harness.telegram.calls_of("sendMessage"))
    await admin.press_data(confirm["callback_data"], listing)
    assert _answer(harness) == "Dr. Gregory House is already inactive."
    assert len(harness.telegram.calls_of("sendMessage")) == sent


async def test_new_invite_link_voids_the_old_one(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    admin = await _admin(harness)
    old = await _add_doctor(admin)
    card = await _card(admin, "1. Dr. Ana Ruiz")
    edits = card.edits
    replies = await admin.press("🔗 New invite link", card)
    assert card.edits == edits and len(replies) == 1
    assert replies[0].text.startswith(
        "🔗 New invite link for Dr. Ana Ruiz. It can be used once and expires in 7 days, on "
        "Tuesday 8 December 2026, 09:00 (Europe/Madrid). Earlier links for Dr. Ana Ruiz no "
        "longer work."
    )
    new = _payload(replies[0])
    assert new != old

    ana = harness.user("Ana")
    assert "not valid or has expired" in (await ana.send(f"/start {old}"))[-1].text
    await ana.send(f"/start {new}")
    await ana.send("first-password")
    assert "Your password is set" in ana.last.text

    # Lost their password: a new link lets them choose another; the old password stops working.
    await admin.press("🔗 New invite link", card)
    again = _payload(admin.last)
    phone = harness.user("Ana's phone")
    await phone.send(f"/start {again}")
    await phone.send("second-password")
    assert "Your password is set" in phone.last.text
    await phone.send("/logout")
    await phone.send("/login")
    await phone.send("ana.ruiz@clinic.example")
    assert "Wrong email or password" in (await phone.send("first-password"))[-1].text
    await log_in_chat(phone, "ana.ruiz@clinic.example", "second-password")
    assert (
        "1. Dr. Ana Ruiz — Cardiology\n    ✅ in /book" in (await admin.send("/doctors"))[-1].text
    )


async def test_doctors_list_pages(harness: Harness) -> None:
    for number in range(10):
        await make_doctor(
            harness.services, f"doc{number}@clinic.example", name=f"Dr. Number {number:02d}"
        )
    admin = await _admin(harness)
    listing = (await admin.send("/doctors"))[-1]
    assert listing.text.startswith("Doctors 1–8 of 10")
    assert "8. Dr. Number 07" in listing.text and "Dr. Number 08" not in listing.text
    assert listing.button_texts[-1] == "Next ▶"
    await admin.press("Next ▶")
    assert listing.text.startswith("Doctors 9–10 of 10")
    assert listing.button_texts == ["9. Dr. Number 08", "10. Dr. Number 09", "◀ Previous"]
    # Back from a doctor's card, the list shows the page with them.
    await admin.press("10. Dr. Number 09", listing)
    assert listing.text.startswith("Dr. Number 09\n")
    await admin.press("« Doctors", listing)
    assert listing.text.startswith("Doctors 9–10 of 10")
    await admin.press("◀ Previous")
    assert listing.text.startswith("Doctors 1–8 of 10")
    # A forged page number past the end shows the last page; one out of bounds is refused.
    await admin.press_data(DoctorsPage(page=99).pack(), listing)
    assert listing.text.startswith("Doctors 9–10 of 10")
    await admin.press_data("dr:page:100000", listing)
    assert _answer(harness) == STALE


async def test_names_with_html_characters(harness: Harness) -> None:
    await _specialties(harness, "R&D <clinic>")
    admin = await _admin(harness)
    specialty_step = (await admin.send("/adddoctor"), await admin.send("Dr. <Tom> & Jerry"))[1][-1]
    assert "specialty of Dr. <Tom> & Jerry" in specialty_step.text
    assert specialty_step.button_texts[0] == "R&D <clinic>"
    await admin.press("R&D <clinic>")
    await admin.send("tom@clinic.example")
    await admin.press("30 min")
    await admin.press("✅ Create")
    assert "Dr. <Tom> & Jerry is added: R&D <clinic>" in admin.last.text
    listing = (await admin.send("/doctors"))[-1]
    assert "1. Dr. <Tom> & Jerry — R&D <clinic>" in listing.text
    assert listing.button_texts[0] == "1. Dr. <Tom> & Jerry"
    await admin.press("1. Dr. <Tom> & Jerry", listing)
    assert listing.text.startswith("Dr. <Tom> & Jerry\nSpecialty: R&D <clinic>\n")
    await admin.press("✏️ Edit", listing)
    assert listing.text.startswith("Edit Dr. <Tom> & Jerry\nName: Dr. <Tom> & Jerry\n")


# --- Spanish ------------------------------------------------------------------------------------


async def test_adddoctor_and_invite_in_spanish(harness: Harness) -> None:
    await _specialties(harness, "Cardiología")
    admin = await _admin(harness, language="es")
    assert "¿Qué nombre verán los pacientes?" in (await admin.send("/adddoctor"))[-1].text
    step = (await admin.send("Dra. Ana Ruiz"))[-1]
    assert step.text == "¿Cuál es la especialidad de Dra. Ana Ruiz? Elige una, o añade una nueva."
    assert step.button_texts == ["Cardiología", "➕ Nueva especialidad"]
    await admin.press("Cardiología")
    assert step.text.startswith("Especialidad: Cardiología.")
    assert "Ese correo" in (await admin.send(ADMIN_EMAIL))[-1].text
    await admin.send("ana@clinica.example")
    await admin.press("20 min")
    assert "Horario semanal: lun–vie 09:00–17:00" in admin.last.text
    assert admin.last.button_texts == [
        "✅ Crear", "✏️ Nombre", "✏️ Especialidad", "✏️ Correo", "✏️ Duración", "✖️ Cancelar",
    ]  # fmt: skip
    await admin.press("✅ Crear")
    assert admin.last.text.startswith(
        "✅ Dra. Ana Ruiz ya está dado de alta: Cardiología, citas de 20 min, lun–vie 09:00–17:00."
    )
    assert "caduca en 7 días, el martes 8 de diciembre de 2026, 09:00 (Europe/Madrid)" in (
        admin.last.text
    )
    payload = _payload(admin.last)

    listing = (await admin.send("/doctors"))[-1]
    assert listing.text == (
        "Médicos (1)\nElige un médico para verlo, editarlo o desactivarlo.\n\n"
        "1. Dra. Ana Ruiz — Cardiología\n"
        "    ⏳ no está en /book: aún no ha aceptado la invitación"
    )
    assert listing.button_texts == ["1. Dra. Ana Ruiz"]
    await admin.press("1. Dra. Ana Ruiz", listing)
    assert listing.text.startswith(
        "Dra. Ana Ruiz\nEspecialidad: Cardiología\nCitas: 20 min\n"
        "Correo (para iniciar sesión): ana@clinica.example\n"
        "Horario semanal: lun–vie 09:00–17:00\nCitas próximas: 0\n\n"
        "⏳ No está en /book: Dra. Ana Ruiz aún no ha aceptado su invitación (su enlace sirve "
        "hasta el martes 8 de diciembre de 2026, 09:00 (Europe/Madrid))."
    )
    assert listing.button_texts == [
        "✏️ Editar", "🔗 Nuevo enlace", "✅ Marcar como listo para /book", "⛔ Desactivar…",
        "« Médicos",
    ]  # fmt: skip

    ana = harness.user("Ana", language="es")
    assert "¡Bienvenido, Dra. Ana Ruiz!" in (await ana.send(f"/start {payload}"))[-1].text
    assert "al menos 8 caracteres" in (await ana.send("corta"))[-1].text
    done = (await ana.send("contraseña-larga"))[-1]
    assert done.text.startswith("✅ Tu contraseña está puesta")
    assert (await _user(harness, "ana@clinica.example")).language == "es"
    assert (
        "no es válido o ha caducado"
        in (await harness.user("X", "es").send(f"/start {payload}"))[-1].text
    )


async def test_an_invite_token_is_never_stored_in_clear(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "keep@clinic.example", password=None)
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)
    digest = hash_invite(token)
    chat = harness.user("Keep")
    await chat.send(f"/start inv_{token}")
    # While the password is awaited, the chat's draft keeps the token's hash, never the token.
    waiting = await _conversation(harness, chat)
    assert waiting is not None and waiting["draft"]["token_hash"] == digest
    assert await _tables_holding(harness, token) == []
    assert await _tables_holding(harness, digest) == ["chats", "invites"]
    await chat.send("kept-nowhere-1")
    assert "Your password is set" in chat.last.text
    assert await _tables_holding(harness, token) == []
    assert await _tables_holding(harness, digest) == ["invites"]
    assert await _conversation(harness, chat) is None


# --- with the doctors' own commands --------------------------------------------------------------


async def test_a_doctors_commands_follow_their_access(harness: Harness) -> None:
    """The chat that accepts an invite gets the doctor's menu (also one logged in as someone
    else); a deactivated doctor's commands are refused at once."""
    doctor = await make_doctor(harness.services, "greg@clinic.example", password=None)
    await make_user(harness.services, "pat@example.com", name="Pat")
    shared = harness.user("Shared")
    await log_in_chat(shared, "pat@example.com")
    async with harness.services.transaction() as s:
        token = await create_invite(s, user_id=doctor.user_id, created_by=None, now=START)
    await shared.send(f"/start inv_{token}")
    await shared.send("stethoscope-42")
    assert harness.telegram.menu(shared.chat_id)[:2] == ["schedule", "hours"]

    admin = await _admin(harness)
    card = await _card(admin, "Dr. Gregory House")
    await admin.press("⛔ Deactivate…", card)
    await admin.press("⛔ Deactivate", card)
    assert (await shared.send("/schedule"))[-1].text == "Please /login first."
