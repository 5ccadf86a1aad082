"""/closures, end to end through the bot: an admin closes the clinic for whole days or part of
a day, pressed or typed in English and Spanish; every doctor's appointments in that time are
listed first and, once confirmed, cancelled with the patients (and their doctors) told; the
closure's time is no longer bookable; closures are listed and removed; nobody else may do it.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.callbacks import ClosureConfirm, ClosuresAction, StepData, decode
from bot.formatting import policy_of
from db.booking import AppointmentView, available_days
from db.doctors import DoctorView
from db.models import Appointment, ClinicClosure, Role, User
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

MADRID = ZoneInfo("Europe/Madrid")
STALE = "This button is no longer valid."
WRONG_ROLE = "That is not available to your account."


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def admin_in_chat(h: Harness, language: str = "en") -> tuple[User, ChatUser]:
    admin = await make_user(
        h.services, "boss@example.com", name="The Boss", role=Role.ADMIN, language=language
    )
    chat = h.user("Boss", language)
    await log_in_chat(chat, "boss@example.com")
    return admin, chat


async def in_chat(h: Harness, email: str, name: str, role: Role = Role.PATIENT) -> ChatUser:
    await make_user(h.services, email, name=name, role=role)
    chat = h.user(name.split()[0])
    await log_in_chat(chat, email)
    return chat


async def patient(h: Harness, email: str, name: str) -> User:
    async with h.services.transaction() as s:
        user = User(email=email, name=name, role=Role.PATIENT.value)
        s.add(user)
        await s.flush()
    return user


async def user_of(h: Harness, email: str) -> User:
    async with h.services.session_factory() as s:
        found = await s.scalar(select(User).where(User.email == email))
        assert found is not None
        return found


async def book(h: Harness, who: User, doctor: DoctorView, starts_at: datetime) -> AppointmentView:
    return await book_directly(
        h.services, patient_id=who.id, doctor_id=doctor.user_id, starts_at=starts_at
    )


async def status_of(
    h: Harness, appointment: AppointmentView
) -> tuple[str, int | None, str | None]:
    async with h.services.session_factory() as s:
        found = await s.get(Appointment, appointment.id)
        assert found is not None
        return found.status, found.cancelled_by, found.cancel_reason


async def closures_of(h: Harness) -> list[tuple[datetime, datetime, bool]]:
    async with h.services.session_factory() as s:
        rows = await s.scalars(select(ClinicClosure).order_by(ClinicClosure.starts_at))
        return [(r.starts_at, r.ends_at, r.whole_days) for r in rows]


async def free_days(h: Harness, doctor: DoctorView) -> set[int]:
    async with h.services.session_factory() as s:
        days = await available_days(
            s, doctor=doctor, policy=policy_of(h.services.settings), now=h.clock.now()
        )
    return {day.day for day in days}


async def free_on_2nd(h: Harness, doctor: DoctorView) -> list[datetime]:
    async with h.services.session_factory() as s:
        days = await available_days(
            s, doctor=doctor, policy=policy_of(h.services.settings), now=h.clock.now()
        )
    return [slot.starts_at for slot in days.get(at(2, 0).date(), [])]


def lines_of(message: Message) -> list[str]:
    return message.text.splitlines()


def flow_of(message: Message) -> int:
    for row in message.buttons:
        for button in row:
            data = decode(button["callback_data"])
            if isinstance(data, StepData):
                return data.flow
    raise AssertionError("no step buttons on the message")


async def test_whole_days_closed_cancel_every_doctors_appointments_once_confirmed(
    harness: Harness,
) -> None:
    admin, chat = await admin_in_chat(harness)
    house = await make_doctor(harness.services, "house@example.com")
    cuddy = await make_doctor(harness.services, "cuddy@example.com", name="Dr. Lisa Cuddy")
    house_chat = harness.user("House")
    await log_in_chat(house_chat, "house@example.com")
    ana_chat = await in_chat(harness, "ana@example.com", "Ana García")
    bob_chat = await in_chat(harness, "bob@example.com", "Bob Stone")
    ana, bob = await user_of(harness, "ana@example.com"), await user_of(harness, "bob@example.com")
    carl = await patient(harness, "carl@example.com", "Carl Sagan")
    before = await book(harness, carl, house, at(23, 16, 30))
    on_24th = await book(harness, ana, house, at(24, 10))
    on_25th = await book(harness, bob, cuddy, at(25, 16))
    after = await book(harness, carl, cuddy, at(28, 9))
    assert {24, 25} <= await free_days(harness, house)

    view = (await chat.send("/closures"))[-1]
    assert lines_of(view) == [
        "🏥 Clinic closures (Europe/Madrid)",
        "No upcoming closures.",
        "",
        "While the clinic is closed, no doctor can be booked.",
    ]
    assert view.button_texts == ["Add a closure"]

    await chat.press("Add a closure")
    assert view.text == "🏥 Clinic closure (Europe/Madrid): pick the first day."
    assert view.button_texts[:7] == [
        "Tue 1 Dec", "Wed 2 Dec", "Thu 3 Dec", "Fri 4 Dec", "Sat 5 Dec", "Sun 6 Dec", "Mon 7 Dec",
    ]  # fmt: skip
    kind = (await chat.send("24/12"))[-1]
    assert kind.text == (
        "🏥 Clinic closed from Thursday 24 December 2026 (Europe/Madrid): the whole day(s), or "
        "part of the day?"
    )
    await chat.press("Whole day(s)", kind)
    assert kind.text == (
        "🏥 Clinic closed whole days from Thursday 24 December 2026 (Europe/Madrid): pick the "
        "last day."
    )
    assert kind.button_texts[0] == "Thu 24 Dec"
    await chat.press("Fri 25 Dec", kind)
    assert lines_of(kind) == [
        "🏥 Clinic closed: Thu 24 Dec – Fri 25 Dec (whole days) (Europe/Madrid).",
        "",
        "What is it for? Type a short name that patients and doctors will see (for example: "
        "Christmas), or Skip.",
    ]
    assert kind.button_texts == ["Skip", "« Back"]
    assert "Please type a name of 1 to 80 characters" in (await chat.send("x" * 81))[-1].text
    kind = (await chat.send("  Christmas  "))[-1]  # the typed answer's screen comes anew

    assert lines_of(kind) == [
        "⚠️ 2 appointment(s) are booked in Thu 24 Dec – Fri 25 Dec (whole days) (Europe/Madrid):",
        "• Thu 24 Dec 10:00 — Dr. Gregory House — Ana García",
        "• Fri 25 Dec 16:00 — Dr. Lisa Cuddy — Bob Stone",
        "",
        "Close the clinic and cancel these 2 appointment(s)? The patients and their doctors "
        "will be told.",
    ]
    assert kind.button_texts == ["Close and cancel 2", "« Back"]
    assert await closures_of(harness) == []
    confirm = ClosureConfirm(flow=flow_of(kind), answer="y").pack()

    await chat.press("Close and cancel 2", kind)

    assert lines_of(kind) == [
        "✅ Clinic closed: Thu 24 Dec – Fri 25 Dec (whole days) — Christmas. 2 appointment(s) "
        "cancelled; the patients were told.",
        "",
        "🏥 Clinic closures (Europe/Madrid)",
        "• Thu 24 Dec – Fri 25 Dec (whole days) — Christmas",
        "",
        "While the clinic is closed, no doctor can be booked.",
    ]
    assert kind.button_texts == ["Add a closure", "Remove a closure"]
    assert await closures_of(harness) == [(at(24, 0), at(26, 0), True)]
    for cancelled in (on_24th, on_25th):
        assert await status_of(harness, cancelled) == ("cancelled", admin.id, "closure")
    for kept in (before, after):
        assert (await status_of(harness, kept))[0] == "booked"
    assert ana_chat.last.text == (
        "❌ The clinic cancelled your appointment with Dr. Gregory House (Cardiology) on "
        "Thursday 24 December 2026, 10:00–10:30 (Europe/Madrid). We are sorry. "
        "/book to choose another time.\n"
        "🏥 The clinic is closed: Christmas.\n\n"
        "The next free times with Dr. Gregory House (Europe/Madrid): tap one to book it."
    )
    assert "Friday 25 December 2026, 16:00–16:30" in bob_chat.last.text
    assert house_chat.last.text == (
        "❌ Cancelled: Ana García's appointment on Thursday 24 December 2026, 10:00–10:30 "
        "(Europe/Madrid)."
    )
    # Nobody can book those days any more, with any doctor.
    assert not {24, 25} & (await free_days(harness, house) | await free_days(harness, cuddy))

    # A second tap on the confirmation changes nothing more.
    await chat.press_data(confirm, kind)
    assert harness.telegram.answers[-1].get("text") == STALE
    assert len(await closures_of(harness)) == 1
    assert len([t for t in ana_chat.texts() if "cancelled your appointment" in t]) == 1
    # Its name shows where it is picked for removal, too.
    again = (await chat.send("/closures"))[-1]
    await chat.press("Remove a closure", again)
    assert again.button_texts == ["Thu 24 Dec – Fri 25 Dec (whole days) — Christmas", "« Back"]


async def test_part_of_a_day_then_removing_it(harness: Harness) -> None:
    _, chat = await admin_in_chat(harness)
    house = await make_doctor(harness.services, "house@example.com")
    view = (await chat.send("/closures"))[-1]

    await chat.press("Add a closure")
    await chat.press("Wed 2 Dec")
    await chat.press("Part of the day")
    assert "Clinic closed on Wednesday 2 December 2026 (Europe/Madrid)." in view.text
    assert "Pick the start hour" in view.text
    await chat.press("14")
    await chat.press("14:00")
    assert "Starts at 14:00. Pick the end hour" in view.text
    await chat.press("24:00")
    await chat.press("Skip")
    assert lines_of(view)[:4] == [
        "✅ Clinic closed: Wed 2 Dec, 14:00–24:00.",
        "",
        "🏥 Clinic closures (Europe/Madrid)",
        "• Wed 2 Dec, 14:00–24:00",
    ]
    assert (await free_on_2nd(harness, house))[-1] == at(2, 13, 30)  # the morning is still open

    await chat.press("Remove a closure")
    assert view.text == "🏥 Which closure do you want to remove? (Europe/Madrid)"
    assert view.button_texts == ["Wed 2 Dec, 14:00–24:00", "« Back"]
    await chat.press("Wed 2 Dec, 14:00–24:00")
    assert lines_of(view)[:4] == [
        "✅ Closure removed: Wed 2 Dec, 14:00–24:00. Its time can be booked again; "
        "appointments it cancelled stay cancelled.",
        "",
        "🏥 Clinic closures (Europe/Madrid)",
        "No upcoming closures.",
    ]
    assert await closures_of(harness) == []
    assert at(2, 16) in await free_on_2nd(harness, house)


async def test_typed_answers_in_spanish_and_an_appointment_booked_meanwhile(
    harness: Harness,
) -> None:
    admin, chat = await admin_in_chat(harness, language="es")
    house = await make_doctor(harness.services, "house@example.com")
    ana = await patient(harness, "ana@example.com", "Ana García")
    bob = await patient(harness, "bob@example.com", "Bob Stone")
    first = await book(harness, ana, house, at(2, 10))
    overview = (await chat.send("/closures"))[-1]
    assert overview.button_texts == ["Añadir un cierre"]
    await chat.press("Añadir un cierre")

    assert "Clínica cerrada desde el miércoles 2 de diciembre de 2026" in (
        (await chat.send("mañana"))[-1].text
    )
    assert "Elige la hora de inicio" in (await chat.send("parte"))[-1].text
    await chat.send("9:00")
    assert "¿Por qué motivo?" in (await chat.send("1pm"))[-1].text
    conflicts = (await chat.send("omitir"))[-1]
    assert lines_of(conflicts)[:2] == [
        "⚠️ Hay 1 cita(s) reservada(s) en mié 2 dic, 09:00–13:00 (Europe/Madrid):",
        "• mié 2 dic 10:00 — Dr. Gregory House — Ana García",
    ]
    assert conflicts.button_texts == ["Cerrar y cancelar 1", "« Volver"]

    second = await book(harness, bob, house, at(2, 12))  # while the admin reads
    changed = (await chat.send("sí"))[-1]
    assert lines_of(changed)[0] == (
        "⚠️ Las citas de ese tiempo han cambiado mientras tanto; aún no se ha cambiado nada."
    )
    assert "• mié 2 dic 12:00 — Dr. Gregory House — Bob Stone" in lines_of(changed)
    assert await closures_of(harness) == []
    assert (await status_of(harness, second))[0] == "booked"

    done = (await chat.send("sí"))[-1]
    assert lines_of(done)[0] == (
        "✅ Clínica cerrada: mié 2 dic, 09:00–13:00. 2 cita(s) cancelada(s); se ha avisado a "
        "los pacientes."
    )
    for cancelled in (first, second):
        assert await status_of(harness, cancelled) == ("cancelled", admin.id, "closure")
    assert await closures_of(harness) == [(at(2, 9), at(2, 13), False)]

    # Whole days, typed, back out without changing anything.
    await chat.press("Añadir un cierre", done)
    assert "jueves 24 de diciembre de 2026" in (await chat.send("24 de diciembre"))[-1].text
    assert "elige el último día" in (await chat.send("días completos"))[-1].text
    assert "¿Por qué motivo?" in (await chat.send("26/12"))[-1].text
    added = (await chat.send("Navidad"))[-1]
    assert lines_of(added)[0] == (
        "✅ Clínica cerrada: jue 24 dic – sáb 26 dic (días completos) — Navidad."
    )
    assert await closures_of(harness) == [
        (at(2, 9), at(2, 13), False),
        (at(24, 0), at(27, 0), True),
    ]
    await chat.press("Quitar un cierre", added)
    removed = (await chat.send("24/12"))[-1]
    assert lines_of(removed)[0].startswith(
        "✅ Cierre quitado: jue 24 dic – sáb 26 dic (días completos)."
    )
    assert await closures_of(harness) == [(at(2, 9), at(2, 13), False)]


async def test_only_admins_may_close_the_clinic(harness: Harness) -> None:
    await make_doctor(harness.services, "house@example.com")
    doctor = harness.user("House")
    await log_in_chat(doctor, "house@example.com")
    patient_chat = await in_chat(harness, "ana@example.com", "Ana García")
    for chat in (doctor, patient_chat):
        assert (await chat.send("/closures"))[-1].text == WRONG_ROLE
        await chat.press_data(ClosuresAction(action="a").pack(), chat.last)
        assert harness.telegram.answers[-1].get("text") == WRONG_ROLE
    stranger = harness.user("Eve")
    assert (await stranger.send("/closures"))[-1].text == "Please /login first."
    assert await closures_of(harness) == []
