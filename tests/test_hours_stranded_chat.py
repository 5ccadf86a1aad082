"""/hours, a change of hours that leaves booked visits outside them: the doctor sees them and
keeps or cancels each, or all, and a patient whose visit is cancelled is told — end to end
through the bot, in English and Spanish, typed or pressed.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callbacks import StepData, StrandedCancel, decode
from bot.formatting import policy_of
from db.booking import Actor, AppointmentView, cancel
from db.doctors import DoctorView
from db.models import Appointment, Role, User
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

MADRID = ZoneInfo("Europe/Madrid")
STALE = "This button is no longer valid."


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def doctor_in_chat(h: Harness, language: str = "en") -> tuple[DoctorView, ChatUser]:
    doctor = await make_doctor(h.services, "house@example.com")
    chat = h.user("House", language)
    await log_in_chat(chat, "house@example.com")
    return doctor, chat


async def patient(h: Harness, email: str, name: str, language: str = "en") -> User:
    """A patient who never logs in here (no password: no slow hash)."""
    async with h.services.transaction() as s:
        user = User(email=email, name=name, role=Role.PATIENT.value, language=language)
        s.add(user)
    return user


async def patient_in_chat(
    h: Harness, email: str, name: str, language: str = "en"
) -> tuple[User, ChatUser]:
    user = await make_user(h.services, email, name=name, language=language)
    chat = h.user(name.split()[0], language)
    await log_in_chat(chat, email)
    return user, chat


async def book(h: Harness, who: User, doctor: DoctorView, starts_at: datetime) -> AppointmentView:
    return await book_directly(
        h.services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=starts_at
    )


async def row(h: Harness, appointment: AppointmentView) -> tuple[str, int | None, str | None]:
    async with h.services.session_factory() as s:
        found = await s.get(Appointment, appointment.id)
        assert found is not None
        return found.status, found.cancelled_by, found.cancel_reason


def lines_of(message: Message) -> list[str]:
    return message.text.splitlines()


def flow_of(message: Message) -> int:
    for line in message.buttons:
        for button in line:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError("no step buttons on the message")


async def test_each_visit_left_outside_is_kept_or_cancelled_and_its_patient_told(
    harness: Harness,
) -> None:
    house, chat = await doctor_in_chat(harness)
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García")
    bob, bob_chat = await patient_in_chat(harness, "bob@example.com", "Bob Stone")
    carl = await patient(harness, "carl@example.com", "Carl Sagan")
    dora = await patient(harness, "dora@example.com", "Dora Díaz")
    visits = [
        await book(harness, ana, house, at(8, 9)),
        await book(harness, bob, house, at(8, 15)),
        await book(harness, carl, house, at(15, 10)),
        await book(harness, dora, house, at(15, 16)),
        await book(harness, ana, house, at(22, 9)),
        await book(harness, carl, house, at(29, 16, 30)),
    ]
    inside = await book(harness, dora, house, at(22, 12))  # inside the new hours
    wednesday = await book(harness, bob, house, at(2, 9))  # another weekday
    before = len(ana_chat.texts())
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    await chat.press("Tuesday")

    view = (await chat.send("12-14"))[0]  # a typed answer is answered with a new message

    assert lines_of(view) == [
        "✅ Tuesday: 12:00–14:00.",
        "",
        "⚠️ 6 upcoming appointment(s) on Tuesday now fall outside your hours (Europe/Madrid):",
        "1. Tue 8 Dec 09:00 — Ana García",
        "2. Tue 8 Dec 15:00 — Bob Stone",
        "3. Tue 15 Dec 10:00 — Carl Sagan",
        "4. Tue 15 Dec 16:00 — Dora Díaz",
        "5. Tue 22 Dec 09:00 — Ana García",
        "",
        "Keep them booked, or cancel them and tell the patients?",
        "Page 1 of 2.",
    ]
    assert view.button_texts == [
        "✔ Keep 1", "✖ Cancel 1 and tell the patient",
        "✔ Keep 2", "✖ Cancel 2 and tell the patient",
        "✔ Keep 3", "✖ Cancel 3 and tell the patient",
        "✔ Keep 4", "✖ Cancel 4 and tell the patient",
        "✔ Keep 5", "✖ Cancel 5 and tell the patient",
        "Later ▶",
        "✔ Keep all",
        "✖ Cancel all 6 and tell the patients",
    ]  # fmt: skip
    await chat.press("Later ▶")
    assert "6. Tue 29 Dec 16:30 — Carl Sagan" in lines_of(view)
    assert "Page 2 of 2." in lines_of(view)
    await chat.press("◀ Earlier")

    await chat.press("✖ Cancel 2 and tell the patient")
    assert lines_of(view)[:4] == [
        "✖ Cancelled: Tue 8 Dec 15:00 — Bob Stone. The patient is told.",
        "",
        "⚠️ 5 upcoming appointment(s) on Tuesday now fall outside your hours (Europe/Madrid):",
        "1. Tue 8 Dec 09:00 — Ana García",
    ]
    assert "2. Tue 15 Dec 10:00 — Carl Sagan" in lines_of(view)  # numbered again
    assert await row(harness, visits[1]) == ("cancelled", house.user_id, "hours")
    assert bob_chat.last.text == (
        "❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
        "Tuesday 8 December 2026, 15:00–15:30 (Europe/Madrid). We are sorry. "
        "/book to choose another time.\n\n"
        "The next free times with Dr. Gregory House (Europe/Madrid): tap one to book it."
    )

    await chat.press("✔ Keep 1")
    assert lines_of(view)[0] == "✔ Kept: Tue 8 Dec 09:00 — Ana García."
    assert "1. Tue 15 Dec 10:00 — Carl Sagan" in lines_of(view)
    assert "Page 1 of 2." not in lines_of(view)  # four left: one page

    await chat.press("✖ Cancel all 4 and tell the patients")
    assert lines_of(view) == [
        "✖ 4 appointment(s) cancelled. The patients are told.",
        "",
        "Tuesday (Europe/Madrid): 12:00–14:00",
    ]
    for cancelled in visits[2:]:
        assert await row(harness, cancelled) == ("cancelled", house.user_id, "hours")
    for kept in (visits[0], inside, wednesday):
        assert (await row(harness, kept))[0] == "booked"
    ana_notices = [t for t in ana_chat.texts()[before:] if "cancelled your appointment" in t]
    assert ana_notices == [
        "❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
        "Tuesday 22 December 2026, 09:00–09:30 (Europe/Madrid). We are sorry. "
        "/book to choose another time.\n\n"
        "The next free times with Dr. Gregory House (Europe/Madrid): tap one to book it."
    ]
    # The doctor made the change: no notice of their own cancellations reaches them.
    assert not any(text.startswith("❌ Cancelled:") for text in chat.texts())

    # Changing the day again names only what that change leaves out: the one kept is noted.
    assert lines_of((await chat.send("12-13"))[0]) == [
        "✅ Tuesday: 12:00–13:00.",
        "ℹ️ 1 upcoming appointment(s) on Tuesday you kept are outside your hours: see /schedule.",
        "",
        "Tuesday (Europe/Madrid): 12:00–13:00",
    ]


async def test_typed_answers_in_spanish(harness: Harness) -> None:
    house, chat = await doctor_in_chat(harness, language="es")
    ana, ana_chat = await patient_in_chat(harness, "ana@example.com", "Ana García", "es")
    bob = await patient(harness, "bob@example.com", "Bob Stone", "es")
    carl = await patient(harness, "carl@example.com", "Carl Sagan", "es")
    first = await book(harness, ana, house, at(2, 10))
    second = await book(harness, bob, house, at(9, 11))
    third = await book(harness, carl, house, at(16, 15))
    await chat.send("/hours")
    await chat.press("Editar un día")
    await chat.send("miércoles")

    listed = (await chat.send("vaciar"))[0]
    assert lines_of(listed)[:6] == [
        "✅ miércoles sin horario.",
        "",
        "⚠️ 3 cita(s) próxima(s) del miércoles quedan ahora fuera de tu horario (Europe/Madrid):",
        "1. mié 2 dic 10:00 — Ana García",
        "2. mié 9 dic 11:00 — Bob Stone",
        "3. mié 16 dic 15:00 — Carl Sagan",
    ]
    assert listed.button_texts[:2] == ["✔ Mantener 1", "✖ Cancelar 1 y avisar al paciente"]
    assert listed.button_texts[-2:] == [
        "✔ Mantener todas",
        "✖ Cancelar las 3 y avisar a los pacientes",
    ]
    ambiguous = (await chat.send("cancelar"))[0]
    assert ambiguous.text.startswith("¿Cuál de estas:")

    cancelled = (await chat.send("cancelar 1"))[0]
    assert lines_of(cancelled)[0] == (
        "✖ Cancelada: mié 2 dic 10:00 — Ana García. Se avisa al paciente."
    )
    assert ana_chat.last.text.startswith("❌ La clínica ha cancelado tu cita con Dr. Gregory")
    assert await row(harness, first) == ("cancelled", house.user_id, "hours")

    kept = (await chat.send("mantener todas"))[0]
    assert lines_of(kept) == [
        "✔ 2 cita(s) mantenida(s) fuera de tu horario: consulta /schedule.",
        "",
        "miércoles (Europe/Madrid): sin horario (día libre)",
    ]
    assert [(await row(harness, a))[0] for a in (second, third)] == ["booked", "booked"]


async def test_only_the_listed_visits_can_be_cancelled_and_a_vanished_one_is_skipped(
    harness: Harness,
) -> None:
    house, chat = await doctor_in_chat(harness)
    cuddy = await make_doctor(harness.services, "cuddy@example.com", name="Dr. Lisa Cuddy")
    ana = await patient(harness, "ana@example.com", "Ana García")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    mine = await book(harness, ana, house, at(3, 10))
    gone = await book(harness, bob, house, at(10, 10))
    theirs = await book(harness, bob, cuddy, at(3, 11))
    view = (await chat.send("/hours"))[-1]
    await chat.press("Edit a day")
    await chat.press("Thursday")
    await chat.press("Clear day")
    assert view.button_texts[-1] == "✖ Cancel all 2 and tell the patients"

    # A forged button for another doctor's visit (or any visit not on the list) does nothing.
    forged = StrandedCancel(flow=flow_of(view), appointment=theirs.id).pack()
    await chat.press_data(forged, view)
    assert harness.telegram.answers[-1].get("text") == STALE
    assert (await row(harness, theirs))[0] == "booked"

    # The patient cancels one meanwhile: "all" means the ones still booked.
    async with harness.services.transaction() as s:
        await cancel(
            s, appointment_id=gone.id, actor=Actor(bob.id, Role.PATIENT),
            policy=policy_of(harness.services.settings), now=harness.clock.now(),
        )  # fmt: skip
    await chat.press("✖ Cancel all 2 and tell the patients")
    assert lines_of(view)[0] == "✖ 1 appointment(s) cancelled. The patients are told."
    assert await row(harness, mine) == ("cancelled", house.user_id, "hours")
    assert await row(harness, gone) == ("cancelled", bob.id, "patient")
