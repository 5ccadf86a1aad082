"""The doctor form through the bot: /adddoctor takes a person's name and lets the admin change
any answer from its summary; admins edit a doctor's name, specialty, email and appointment
length from their card, every change shown before it is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.doctors import DoctorView, get_or_create_specialty, list_doctors
from db.models import Appointment, Role, User
from tests.conftest import Harness
from tests.factories import PASSWORD, book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

ADMIN_EMAIL = "boss@clinic.example"
# Wednesday 2 December 2026, 10:00 in Madrid.
WEDNESDAY_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BAD_NAME = (
    "Please send the doctor's name as patients will see it, 2 to 120 characters, with a name "
    "and not only a title (for example: Dr. Ana Ruiz), or /cancel."
)


async def _admin(h: Harness, email: str = ADMIN_EMAIL, language: str = "en") -> ChatUser:
    await make_user(h.services, email, name="The Boss", role=Role.ADMIN, language=language)
    chat = h.user("Boss", language=language)
    await log_in_chat(chat, email)
    return chat


async def _specialties(h: Harness, *names: str) -> None:
    async with h.services.transaction() as s:
        for name in names:
            await get_or_create_specialty(s, name)


async def _doctors(h: Harness) -> list[DoctorView]:
    async with h.services.session_factory() as s:
        return await list_doctors(s)


async def _conversation(h: Harness, chat: ChatUser) -> str | None:
    return await h.scalar("SELECT conversation FROM chats WHERE chat_id = :c", c=chat.chat_id)


async def _edit(admin: ChatUser, name: str) -> Message:
    """/doctors → the doctor's card → ✏️ Edit: the edit's summary (the same message)."""
    listing = (await admin.send("/doctors"))[-1]
    await admin.press(name, listing)
    await admin.press("✏️ Edit", listing)
    return listing


# --- /adddoctor ---------------------------------------------------------------------------------


async def test_adddoctor_wants_a_name_not_a_title(harness: Harness) -> None:
    await _specialties(harness, "Cardiology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    for typed in ("Dr", "Dr.", "dra", "Doctora", "Dr. A", "Prof. Dr.", "ana@clinic.example"):
        assert (await admin.send(typed))[-1].text == BAD_NAME, typed
    assert "specialty of Dr. Li" in (await admin.send("Dr. Li"))[-1].text
    es = harness.user("Jefa", language="es")
    await make_user(harness.services, "jefa@clinic.example", role=Role.ADMIN, language="es")
    await log_in_chat(es, "jefa@clinic.example")
    await es.send("/adddoctor")
    assert (await es.send("Dra."))[-1].text.startswith(
        "Envía el nombre del médico tal como lo verán los pacientes"
    )


async def test_any_answer_can_be_changed_from_the_summary(harness: Harness) -> None:
    await _specialties(harness, "Cardiology", "Dermatology")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    await admin.send("Dr. Ana Ruiz")
    await admin.press("Cardiology")
    await admin.send("ana@clinic.example")
    await admin.press("30 min")
    summary = admin.last

    await admin.press("✏️ Name", summary)
    assert summary.text == "Now: Dr. Ana Ruiz. Send the name patients should see instead."
    assert summary.button_texts == ["« Back to the summary"]
    assert (await admin.send("Dr"))[-1].text == BAD_NAME
    summary = (await admin.send("Dr. Ana María Ruiz"))[-1]
    assert summary.text.startswith("New doctor\nName: Dr. Ana María Ruiz\nSpecialty: Cardiology")

    await admin.press("✏️ Specialty", summary)
    assert summary.button_texts == [
        "Cardiology", "Dermatology", "➕ New specialty", "« Back to the summary",
    ]  # fmt: skip
    await admin.press("Dermatology", summary)
    assert "Specialty: Dermatology\nEmail: ana@clinic.example\n" in summary.text

    # Typed: the answer to change, then "back" leaves it as it was.
    assert "email of Dr. Ana María Ruiz" in (await admin.send("email"))[-1].text
    summary = (await admin.send("back"))[-1]
    assert "Email: ana@clinic.example\nAppointments: 30 min" in summary.text
    assert "How long is each appointment" in (await admin.send("length"))[-1].text
    summary = (await admin.send("45"))[-1]
    assert "Appointments: 45 min" in summary.text
    await admin.press("✏️ Email", summary)
    summary = (await admin.send("ana.ruiz@clinic.example"))[-1]
    assert "Email: ana.ruiz@clinic.example\nAppointments: 45 min" in summary.text
    await admin.press("✏️ Specialty", summary)
    await admin.press("➕ New specialty", summary)
    summary = (await admin.send("Neurology"))[-1]
    assert "Specialty: Neurology (new)\n" in summary.text

    await admin.press("✅ Create", summary)
    assert summary.text.startswith(
        "✅ Dr. Ana María Ruiz is added: Neurology, 45-min appointments"
    )
    (doctor,) = await _doctors(harness)
    assert (doctor.name, doctor.specialty, doctor.email, doctor.slot_minutes) == (
        "Dr. Ana María Ruiz", "Neurology", "ana.ruiz@clinic.example", 45,
    )  # fmt: skip
    assert await _conversation(harness, admin) is None


async def test_adddoctor_pages_the_specialties_and_takes_any_typed(harness: Harness) -> None:
    await _specialties(harness, *(f"Specialty {n:02d}" for n in range(1, 26)))
    await _specialties(harness, "Neurology", "Neurosurgery")
    admin = await _admin(harness)
    await admin.send("/adddoctor")
    step = (await admin.send("Dr. Ana Ruiz"))[-1]
    assert step.text.endswith("Page 1 of 3.")
    assert step.button_texts[:2] == ["Neurology", "Neurosurgery"]
    assert step.button_texts[-2:] == ["Next ▶", "➕ New specialty"]
    assert len(step.button_texts) == 12
    await admin.press("Next ▶", step)
    assert step.text.endswith("Page 2 of 3.")
    assert step.button_texts[0] == "Specialty 09"
    assert step.button_texts[-3:] == ["◀ Previous", "Next ▶", "➕ New specialty"]
    # Typed, a specialty of another page counts; one typed for several asks which.
    which = (await admin.send("neuro"))[-1]
    assert which.text.startswith(
        "Which one do you mean: Neurology, Neurosurgery? Type more of the name, or choose a "
        "button."
    )
    assert "Page 2 of 3." in which.text
    assert (await admin.send("specialty 25"))[-1].text.startswith("Specialty: Specialty 25.")


# --- editing a doctor ---------------------------------------------------------------------------


async def test_an_admin_edits_a_doctor_and_booked_times_stay(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@clinic.example")
    patient = await make_user(harness.services, "pat@example.com", name="Pat Doe")
    booked = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=house.user_id, starts_at=WEDNESDAY_10
    )
    admin = await _admin(harness)
    summary = await _edit(admin, "Dr. Gregory House")
    assert summary.text == (
        "Edit Dr. Gregory House\n"
        "Name: Dr. Gregory House\n"
        "Specialty: Cardiology\n"
        "Email: house@clinic.example\n"
        "Appointments: 30 min\n\n"
        "Choose what to change."
    )
    assert summary.button_texts == ["✏️ Name", "✏️ Specialty", "✏️ Email", "✏️ Length", "« Back"]

    await admin.press("✏️ Name", summary)
    summary = (await admin.send("Dr. Greg House"))[-1]
    assert summary.text == (
        "Edit Dr. Gregory House\n"
        "Name: Dr. Gregory House → Dr. Greg House\n"
        "Specialty: Cardiology\n"
        "Email: house@clinic.example\n"
        "Appointments: 30 min\n\n"
        "Save these changes?"
    )
    assert "<b>Dr. Greg House</b>" in summary.raw
    assert summary.button_texts == [
        "💾 Save changes", "✏️ Name", "✏️ Specialty", "✏️ Email", "✏️ Length",
        "✖️ Discard changes",
    ]  # fmt: skip
    await admin.send("length")
    summary = (await admin.send("20 min"))[-1]
    assert "Appointments: 30 min → 20 min\n\n" in summary.text
    assert "New times will be 20 min long; booked appointments keep their times." in summary.text
    # Its own email is not "taken"; another account's is.
    await admin.send("email")
    assert "already has an account" in (await admin.send(ADMIN_EMAIL))[-1].text
    summary = (await admin.send("greg@clinic.example"))[-1]
    assert "Email: house@clinic.example → greg@clinic.example" in summary.text
    assert "Dr. Greg House will log in with the new email." in summary.text

    await admin.press("💾 Save changes", summary)
    assert summary.text.startswith(
        "✅ Dr. Greg House: name, email, appointment length saved.\n"
        "Times offered from now on are 20 min long; the 1 upcoming appointments keep their "
        "times.\n\n"
        "Dr. Greg House\nSpecialty: Cardiology\nAppointments: 20 min\n"
        "Email (their login): greg@clinic.example\n"
    )
    assert await _conversation(harness, admin) is None
    async with harness.services.session_factory() as s:
        appointment = await s.get(Appointment, booked.id)
        user = await s.scalar(select(User).where(User.id == house.user_id))
    assert appointment is not None and appointment.status == "booked"
    assert (appointment.starts_at, appointment.ends_at) == (
        WEDNESDAY_10, WEDNESDAY_10 + timedelta(minutes=30),
    )  # fmt: skip
    assert user is not None and (user.name, user.email) == (
        "Dr. Greg House",
        "greg@clinic.example",
    )

    # Patients see the new name and 20-minute times around the appointment that stays.
    other = harness.user("Other")
    await make_user(harness.services, "other@example.com", name="Other")
    await log_in_chat(other, "other@example.com")
    await other.send("/book")
    await other.press("Cardiology")
    await other.press("Dr. Greg House")
    await other.press("Wed 2 Dec")
    assert other.last.button_texts[:5] == ["09:00", "09:20", "09:40", "10:40", "11:00"]
    # The doctor logs in with the new email.
    doctor_chat = harness.user("House")
    await doctor_chat.send("/login")
    await doctor_chat.send("house@clinic.example")
    assert "Wrong email or password" in (await doctor_chat.send(PASSWORD))[-1].text
    await log_in_chat(doctor_chat, "greg@clinic.example")


async def test_the_doctor_is_told_in_chat_what_their_details_are_now(harness: Harness) -> None:
    """Saving an edit tells the doctor, in their chat, their details as they now are; an edit
    that changes nothing tells nobody."""
    await make_doctor(harness.services, "house@clinic.example")
    doctor_chat = harness.user("House")
    await log_in_chat(doctor_chat, "house@clinic.example")
    before = len(doctor_chat.texts())
    admin = await _admin(harness)
    summary = await _edit(admin, "Dr. Gregory House")
    await admin.press("✏️ Email", summary)
    summary = (await admin.send("greg@clinic.example"))[-1]
    await admin.press("💾 Save changes", summary)
    told = harness.telegram.bot_messages(doctor_chat.chat_id)[before:]
    assert [m.text for m in told] == [
        "✏️ An admin has changed your details. They are now:\n"
        "Dr. Gregory House · Cardiology\n"
        "Login email: greg@clinic.example\n"
        "Appointments of 30 minutes (booked ones keep their times)."
    ]
    assert "<b>Dr. Gregory House</b>" in told[0].raw
    # Edit, then « Back without a change: nothing to tell.
    summary = await _edit(admin, "Dr. Gregory House")
    await admin.press("« Back", summary)
    assert len(doctor_chat.texts()) == before + 1


async def test_an_edit_changed_meanwhile_is_shown_again_and_nothing_is_lost(
    harness: Harness,
) -> None:
    await make_doctor(harness.services, "house@clinic.example")
    await _specialties(harness, "Diagnostics")
    one = await _admin(harness)
    two = await _admin(harness, "second@clinic.example")
    first = await _edit(one, "Dr. Gregory House")
    await one.press("✏️ Name", first)
    first = (await one.send("Dr. G. House"))[-1]

    # Meanwhile the other admin changes the length and the specialty.
    second = await _edit(two, "Dr. Gregory House")
    await two.press("✏️ Length", second)
    await two.press("45 min", second)
    await two.press("✏️ Specialty", second)
    await two.press("Diagnostics", second)
    await two.press("💾 Save changes", second)
    assert second.text.startswith("✅ Dr. Gregory House: specialty, appointment length saved.")

    await one.press("💾 Save changes", first)
    assert first.text == (
        "Someone changed Dr. Gregory House meanwhile, so nothing was saved. Here they are as "
        "they are now, with your changes: check them and save again.\n\n"
        "Edit Dr. Gregory House\n"
        "Name: Dr. Gregory House → Dr. G. House\n"
        "Specialty: Diagnostics\n"
        "Email: house@clinic.example\n"
        "Appointments: 45 min\n\n"
        "Save these changes?"
    )
    assert [d.name for d in await _doctors(harness)] == ["Dr. Gregory House"]
    await one.press("💾 Save changes", first)
    assert first.text.startswith("✅ Dr. G. House: name saved.")
    (doctor,) = await _doctors(harness)
    assert (doctor.name, doctor.specialty, doctor.slot_minutes) == (
        "Dr. G. House", "Diagnostics", 45,
    )  # fmt: skip


async def test_leaving_an_edit_saves_nothing(harness: Harness) -> None:
    await make_doctor(harness.services, "house@clinic.example")
    admin = await _admin(harness)
    summary = await _edit(admin, "Dr. Gregory House")
    await admin.press("« Back", summary)
    assert summary.text.startswith("Dr. Gregory House\nSpecialty: Cardiology")
    assert await _conversation(harness, admin) is None

    await admin.press("✏️ Edit", summary)
    await admin.press("✏️ Email", summary)
    await admin.press("« Back to the summary", summary)
    assert summary.text.endswith("Choose what to change.")
    await admin.press("✏️ Name", summary)
    summary = (await admin.send("Dr. Someone Else"))[-1]
    assert (await admin.send("no"))[-1].text.startswith(
        "Your changes were not saved.\n\nDr. Gregory House\n"
    )
    # The email taken by someone else at the moment of saving: asked again, the rest kept.
    summary = await _edit(admin, "Dr. Gregory House")
    await admin.press("✏️ Name", summary)
    await admin.send("Dr. House M.D.")
    await admin.send("email")
    summary = (await admin.send("new@clinic.example"))[-1]
    await make_user(harness.services, "new@clinic.example")
    await admin.press("💾 Save changes", summary)
    assert summary.text.startswith("That email got an account a moment ago, so nothing was saved")
    summary = (await admin.send("newer@clinic.example"))[-1]
    assert "Name: Dr. Gregory House → Dr. House M.D." in summary.text
    await admin.press("💾 Save changes", summary)
    (doctor,) = await _doctors(harness)
    assert (doctor.name, doctor.email) == ("Dr. House M.D.", "newer@clinic.example")


async def test_editing_in_spanish(harness: Harness) -> None:
    await make_doctor(harness.services, "ana@clinica.example", name="Dra. Ana Ruiz")
    admin = await _admin(harness, language="es")
    summary = await _edit(admin, "Dra. Ana Ruiz")
    assert summary.text == (
        "Editar a Dra. Ana Ruiz\nNombre: Dra. Ana Ruiz\nEspecialidad: Cardiology\n"
        "Correo: ana@clinica.example\nCitas: 30 min\n\nElige qué cambiar."
    )
    await admin.send("duración")
    summary = (await admin.send("15 minutos"))[-1]
    assert "Citas: 30 min → 15 min" in summary.text
    await admin.send("sí")
    assert admin.last.text.startswith(
        "✅ Dra. Ana Ruiz: duración de las citas guardado.\n"
        "Las horas que se ofrezcan desde ahora son de 15 min; las 0 citas próximas mantienen "
        "su hora."
    )
