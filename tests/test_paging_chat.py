"""Long lists a page at a time, through the bot: /book's specialties, doctors and times (a
typed answer names any item, whatever page is shown), past appointments, a doctor's long
day, and a long agenda sent in parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs import send_agendas_now
from db.models import Appointment
from db.slots import WeeklyRange
from tests.conftest import START, Harness
from tests.factories import log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser

MADRID = ZoneInfo("Europe/Madrid")
WEDNESDAY = datetime(2026, 12, 2, tzinfo=MADRID)


async def _patient(h: Harness, email: str = "pat@example.com") -> ChatUser:
    await make_user(h.services, email, name="Pat Doe")
    chat = h.user("Pat")
    await log_in_chat(chat, email)
    return chat


async def _insert(h: Harness, *appointments: Appointment) -> None:
    async with h.services.transaction() as s:
        s.add_all(appointments)


def _appointment(doctor: int, patient: int, starts: datetime, status: str) -> Appointment:
    created = START - timedelta(days=90)
    return Appointment(
        doctor_id=doctor,
        patient_id=patient,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        status=status,
        version=0,
        created_at=created,
        updated_at=created,
    )


async def test_book_pages_specialties_doctors_and_times_and_takes_any_typed(
    harness: Harness,
) -> None:
    names = [f"Alpha {n:02d}" for n in range(1, 10)] + [f"Zeta {n:02d}" for n in range(1, 7)]
    for n, specialty in enumerate(names):
        await make_doctor(
            harness.services, f"s{n}@clinic.example", name=f"Dr. Solo {specialty}",
            specialty=specialty, password=None,
        )  # fmt: skip
    for n in range(10):
        await make_doctor(
            harness.services, f"c{n}@clinic.example", name=f"Dr. Cardio {n:02d}",
            password=None, slot_minutes=15,
            hours=(WeeklyRange(2, 0, 1440),),  # all of Wednesday
        )  # fmt: skip
    pat = await _patient(harness)
    screen = (await pat.send("/book"))[-1]
    assert screen.text == "📅 Book an appointment\nWhich specialty?\nPage 1 of 2."
    assert screen.button_texts[-2:] == ["Cardiology", "Next ▶"]
    assert len(screen.button_texts) == 11
    await pat.press("Next ▶", screen)
    assert screen.button_texts == [*names[9:], "◀ Previous"]
    # Typed: any specialty, not only those on the page shown.
    await pat.send("/book")
    assert "Dr. Solo Zeta 06" in (await pat.send("zeta 06"))[-1].button_texts
    await pat.send("/book")
    which = (await pat.send("zeta"))[-1]
    assert which.text == (
        "Which one do you mean: Zeta 01, Zeta 02, Zeta 03, Zeta 04, Zeta 05, …? Type more of "
        "the name, or choose a button.\n\n"
        "📅 Book an appointment\nWhich specialty?\nPage 1 of 2."
    )
    doctors = (await pat.send("cardiology"))[-1]
    assert doctors.text.endswith("Page 1 of 2.")
    assert doctors.button_texts[-2:] == ["Next ▶", "‹ Back"]
    days = (await pat.send("cardio 09"))[-1]
    assert "Dr. Cardio 09" in days.text
    times = (await pat.send("2/12"))[-1]
    assert times.text.endswith("Page 1 of 2.")
    assert times.button_texts[0] == "00:00" and "11:45" in times.button_texts
    assert "12:00" not in times.button_texts
    await pat.press("Next ▶", times)
    assert times.button_texts[0] == "12:00" and times.button_texts[-3] == "23:45"
    await pat.press("◀ Previous", times)
    confirm = (await pat.send("23:45"))[-1]
    assert "Wednesday 2 December 2026, 23:45–00:00 (Europe/Madrid)" in confirm.text


async def test_past_appointments_come_a_page_at_a_time(harness: Harness) -> None:
    doctor = await make_doctor(harness.services, "house@clinic.example")
    pat = await _patient(harness)
    patient_id = await harness.scalar("SELECT id FROM users WHERE email = 'pat@example.com'")
    await _insert(
        harness,
        *(
            _appointment(doctor.user_id, patient_id, WEDNESDAY - timedelta(days=n), "attended")
            for n in range(1, 24)
        ),
    )
    screen = (await pat.send("/appointments"))[-1]
    await pat.press("Past appointments", screen)
    assert screen.text.count("•") == 10 and "Tuesday 1 December 2026" in screen.text
    assert screen.button_texts == ["Older ▶", "« All appointments"]
    await pat.press("Older ▶", screen)
    assert screen.text.count("•") == 10 and "• Saturday 21 November 2026" in screen.text
    assert screen.button_texts == ["◀ Newer", "Older ▶", "« All appointments"]
    await pat.press("Older ▶", screen)
    assert screen.text.count("•") == 3 and "Monday 9 November 2026" in screen.text
    assert screen.button_texts == ["◀ Newer", "« All appointments"]


async def test_a_long_day_is_shown_a_page_at_a_time_and_marking_keeps_the_page(
    harness: Harness,
) -> None:
    house = await make_doctor(
        harness.services, "house@clinic.example", slot_minutes=15,
        hours=(WeeklyRange(2, 0, 1440),),
    )  # fmt: skip
    ids = []
    for n in range(60):
        user = await make_user(
            harness.services, f"p{n}@example.com", name=f"Patient {n:02d} " + "x" * 100,
            phone="+34600000000",
        )  # fmt: skip
        ids.append(user.id)
    await _insert(
        harness,
        *(
            _appointment(house.user_id, ids[n], WEDNESDAY + timedelta(minutes=15 * n), "booked")
            for n in range(60)
        ),
    )
    harness.clock.set(datetime(2026, 12, 2, 22, 0, tzinfo=UTC))
    doctor = harness.user("House")
    await log_in_chat(doctor, "house@clinic.example")
    day = (await doctor.send("/schedule"))[-1]
    assert "Patient 00" in day.text and "Page 1 of 3." in day.text
    assert "Patient 30" not in day.text
    await doctor.press("Next ▶", day)
    assert "Page 2 of 3." in day.text and "Patient 00" not in day.text
    shown = [label for label in day.button_texts if label.startswith("✔")]
    # Attendance buttons for the appointments on this page only.
    assert 0 < len(shown) < 30
    await doctor.press(shown[-1], day)
    assert "Page 2 of 3." in day.text

    # The morning agenda of a day this long comes in parts.
    harness.clock.set(datetime(2026, 12, 3, 6, 31, tzinfo=UTC))
    await _insert(
        harness,
        *(
            _appointment(
                house.user_id, ids[n], WEDNESDAY + timedelta(days=1, hours=12, minutes=15 * n),
                "booked",
            )
            for n in range(40)
        ),
    )  # fmt: skip
    await log_in_chat(doctor, "house@clinic.example")
    assert await send_agendas_now(harness.app.bot, harness.services) == 1
    parts = [m.text for m in harness.telegram.bot_messages(doctor.chat_id) if "☀️" in m.text]
    assert len(parts) == 2
    assert parts[0].startswith("☀️ Good morning, Dr. Gregory House. Today, Thursday 3 December")
    assert "(part 1 of 2)" in parts[0] and "(part 2 of 2)" in parts[1]
    lines = [line for part in parts for line in part.split("\n")[1:]]
    assert len(lines) == 40 and lines[0].startswith("12:00–12:15 Patient 00")
