"""Waitlists end to end through the bot: joining from /book and from a visit's card, the offers
a freed time sends, taking one, losing one to a quicker patient, /waitlist and leaving.

The clock starts on Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri 09:00–17:00
in 30-minute slots; notice 1 h, horizon 30 days, cancellation window 2 h, 3 upcoming visits.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.callbacks import LeaveWaitlist, TakeFreedTime, decode
from db.models import Appointment, Delivery, User, WaitlistEntry
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message

MADRID = ZoneInfo("Europe/Madrid")
WAIT = "🔔 Tell me when a time frees up"
THU_3_TEN = "Thursday 3 December 2026, 10:00–10:30 (Europe/Madrid)"


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def _patient(h: Harness, name: str, language: str = "en") -> tuple[ChatUser, User]:
    email = f"{name.split()[0].lower()}@example.com"
    user = await make_user(h.services, email, name=name, language=language)
    chat = h.user(name.split()[0], language)
    await log_in_chat(chat, email)
    return chat, user


async def _wait_for(
    chat: ChatUser, span: str, doctor: str = "House", anyone: bool = False
) -> Message:
    """/book → Cardiology → the doctor → 🔔 → (Any doctor) → the span: the walk's message."""
    await chat.send("/book")
    await chat.press("Cardiology")
    await chat.press(doctor)
    walk = chat.last
    await chat.press("🔔", walk)  # in the chat's language
    if anyone:
        await chat.press("👥", walk)
    await chat.press(span, walk)
    return walk


async def _cancel_by_chat(chat: ChatUser) -> None:
    """The patient cancels their first upcoming visit from /appointments."""
    listing = (await chat.send("/appointments"))[-1]
    await chat.press("1. ", listing)
    await chat.press("✖ Cancel", listing)
    await chat.press("Yes, cancel", listing)
    assert listing.text.startswith("❌ Cancelled: ")


async def _offers(h: Harness, user: User) -> list[Delivery]:
    async with h.services.session_factory() as s:
        rows = await s.scalars(
            select(Delivery)
            .where(Delivery.recipient_id == user.id, Delivery.kind == "slot_offer")
            .order_by(Delivery.id)
        )
        return list(rows.all())


async def _entries(h: Harness, user: User) -> list[WaitlistEntry]:
    async with h.services.session_factory() as s:
        rows = await s.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.patient_id == user.id)
            .order_by(WaitlistEntry.id)
        )
        return list(rows.all())


async def _visits(h: Harness, user: User) -> list[tuple[datetime, str]]:
    async with h.services.session_factory() as s:
        rows = await s.execute(
            select(Appointment.starts_at, Appointment.status)
            .where(Appointment.patient_id == user.id)
            .order_by(Appointment.starts_at)
        )
        return [(at.astimezone(MADRID), status) for at, status in rows.all()]


async def test_a_freed_time_goes_to_the_waiting_patient_who_takes_it_with_one_tap(
    harness: Harness,
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, ana_user = await _patient(harness, "Ana García")
    bob, bob_user = await _patient(harness, "Bob Stone")
    await book_directly(
        harness.services, patient_id=bob_user.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )

    # Ana waits for Dr. House over the next week.
    await ana.send("/book")
    await ana.press("Cardiology")
    await ana.press("House")
    walk = ana.last
    await ana.press(WAIT, walk)
    assert walk.text == (
        "🔔 Waitlist: Dr. Gregory House (Cardiology)\n\nAs soon as a time frees up, I'll "
        "message you with it; the first to tap it gets it. Which days suit you?"
    )
    assert walk.button_texts == [
        "Next 7 days", "Next 14 days", "Any day (next 30)", "👥 Any Cardiology doctor", "‹ Days",
    ]  # fmt: skip
    await ana.send("next 7 days")  # typed, it counts like its button
    joined = ana.last
    assert joined.text == (
        "✅ You're on the waitlist\nDr. Gregory House (Cardiology)\nTue 1 Dec – Mon 7 Dec\n\n"
        "I'll message you as soon as a time frees up. /waitlist to see or leave it."
    )
    [entry] = await _entries(harness, ana_user)
    assert (entry.doctor_id, entry.status, entry.until_at) == (house.user_id, "waiting", dec(8, 0))

    # Bob cancels his visit: the time is offered to Ana, not to Bob who let it go.
    await _cancel_by_chat(bob)
    offer = ana.last
    assert offer.text == (
        f"🔔 A time freed up\nDr. Gregory House (Cardiology)\n{THU_3_TEN}\n\n"
        "The first to tap it gets it."
    )
    assert offer.button_texts == ["✅ Take this time", "🔕 Leave the waitlist"]
    assert not any("freed up" in text for text in bob.texts())
    [sent] = await _offers(harness, ana_user)
    assert (sent.status, sent.offer_starts_at) == ("sent", dec(3, 10))

    await ana.press("✅ Take this time", offer)
    assert offer.text.startswith(
        f"✅ It's yours\n\nDoctor: Dr. Gregory House\nSpecialty: Cardiology\nWhen: {THU_3_TEN}"
    )
    assert await _visits(harness, ana_user) == [(dec(3, 10), "booked")]
    [entry] = await _entries(harness, ana_user)
    assert entry.status == "booked"

    # The same offer pressed again (another copy of it) books nothing more.
    data = TakeFreedTime(entry=entry.id, doctor=house.user_id, starts_at=dec(3, 10)).pack()
    await ana.press_data(data, offer)
    assert ana.last_answer is not None
    assert ana.last_answer["text"] == "You already have a visit from this waitlist."
    assert await _visits(harness, ana_user) == [(dec(3, 10), "booked")]


async def test_the_quicker_patient_gets_the_time_and_the_other_keeps_waiting(
    harness: Harness,
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, ana_user = await _patient(harness, "Ana García")
    carl, carl_user = await _patient(harness, "Carl Jung", "es")
    _, bob_user = await _patient(harness, "Bob Stone")
    for day in (3, 4):
        await book_directly(
            harness.services,
            patient_id=bob_user.id,
            doctor_id=house.user_id,
            starts_at=dec(day, 10),
        )
    await _wait_for(ana, "Next 14 days")
    walk = await _wait_for(carl, "Próximos 14 días")
    assert walk.text.startswith("✅ Estás en la lista de espera\nDr. Gregory House (Cardiology)")

    async def doctor_cancels(day: int) -> None:
        from bot.formatting import policy_of
        from db.booking import Actor, cancel
        from db.models import Role

        async with harness.services.transaction() as s:
            visit = await s.scalar(
                select(Appointment.id).where(Appointment.starts_at == dec(day, 10))
            )
            assert visit is not None
            await cancel(
                s,
                appointment_id=visit,
                actor=Actor(house.user_id, Role.DOCTOR),
                policy=policy_of(harness.services.settings),
                now=harness.clock.now(),
            )
        from bot.jobs import deliver_pending

        await deliver_pending(harness.app.bot, harness.services)

    await doctor_cancels(3)
    ana_offer, carl_offer = ana.last, carl.last
    assert carl_offer.text.startswith("🔔 Se ha liberado una hora\nDr. Gregory House")
    assert carl_offer.button_texts == ["✅ Reservar esta hora", "🔕 Salir de la lista de espera"]
    await ana.press("✅ Take this time", ana_offer)
    assert ana_offer.text.startswith("✅ It's yours")

    # Carl was slower: told so on the offer itself, and he stays on the list.
    await carl.press("✅ Reservar esta hora", carl_offer)
    assert carl_offer.text == (
        "🔔 Alguien ha sido más rápido: esa hora ya no está. Sigues en la lista de espera y te "
        "escribiré cuando se libere otra."
    )
    assert carl_offer.button_texts == ["🔕 Salir de la lista de espera"]
    assert await _visits(harness, carl_user) == []
    [entry] = await _entries(harness, carl_user)
    assert entry.status == "waiting"

    # The next freed time is his (Ana booked: she is off the list).
    await doctor_cancels(4)
    assert carl.last.text.startswith("🔔 Se ha liberado una hora")
    assert "4 de diciembre" in carl.last.text
    assert [o.offer_starts_at for o in await _offers(harness, ana_user)] == [dec(3, 10)]
    await carl.press("✅ Reservar esta hora", carl.last)
    assert carl.last.text.startswith("✅ Es tuya")
    assert await _visits(harness, carl_user) == [(dec(4, 10), "booked")]


async def test_an_earlier_time_moves_the_visit_and_frees_the_old_one_for_others(
    harness: Harness,
) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    ana, ana_user = await _patient(harness, "Ana García")
    carl, carl_user = await _patient(harness, "Carl Jung")
    _, bob_user = await _patient(harness, "Bob Stone")
    await book_directly(
        harness.services, patient_id=bob_user.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )
    await book_directly(
        harness.services, patient_id=ana_user.id, doctor_id=house.user_id, starts_at=dec(11, 10)
    )
    # Ana asks, from her visit's card, for an earlier time.
    listing = (await ana.send("/appointments"))[-1]
    await ana.press("1. ", listing)
    await ana.press("🔔 Tell me if earlier frees up", listing)
    assert ana.last_answer is not None
    assert ana.last_answer["text"] == (
        "🔔 I'll message you if a time before Fri 11 Dec 10:00 frees up with Dr. Gregory House. "
        "/waitlist to stop."
    )
    # Carl waits for any time with House over the next 14 days.
    await _wait_for(carl, "Next 14 days")

    bob = harness.user("Bob")
    await log_in_chat(bob, "bob@example.com")
    await _cancel_by_chat(bob)
    offer = ana.last
    assert offer.text == (
        f"🔔 An earlier time freed up\nDr. Gregory House (Cardiology)\n{THU_3_TEN}\n\n"
        "Your visit is Fri 11 Dec 10:00: take this time and it moves here. The first to tap "
        "it gets it."
    )
    assert offer.button_texts == ["✅ Move my visit here", "🔕 Leave the waitlist"]
    carl_first = carl.last
    assert carl_first.text.startswith("🔔 A time freed up") and THU_3_TEN in carl_first.text

    await ana.press("✅ Move my visit here", offer)
    assert offer.text.startswith("✅ Your visit moved\n\nDoctor: Dr. Gregory House")
    assert "(it was Friday 11 December 2026, 10:00–10:30 (Europe/Madrid))" in offer.text
    assert await _visits(harness, ana_user) == [(dec(3, 10), "booked")]
    # Her old time freed up in turn: offered to Carl, who takes it.
    freed = carl.last
    assert freed is not carl_first
    assert "Friday 11 December 2026, 10:00–10:30" in freed.text
    await carl.press("✅ Take this time", carl_first)
    assert carl_first.text.startswith("🔔 Someone was quicker")
    await carl.press("✅ Take this time", freed)
    assert await _visits(harness, carl_user) == [(dec(11, 10), "booked")]


async def test_waitlist_lists_and_leaves_and_an_offer_can_leave_too(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    await make_doctor(harness.services, "wilson@example.com", name="Dr. James Wilson")
    ana, ana_user = await _patient(harness, "Ana García")
    _, bob_user = await _patient(harness, "Bob Stone")
    assert (await ana.send("/waitlist"))[-1].text.startswith("You are not waiting for any time.")
    await _wait_for(ana, "Next 7 days")
    await _wait_for(ana, "Any day (next 30)", doctor="Wilson", anyone=True)
    # Joining again for the same doctor replaces the span: still two entries.
    await _wait_for(ana, "Next 14 days")
    listing = (await ana.send("/waitlist"))[-1]
    assert listing.text == (
        "🔔 You are waiting for (2)\n"
        "1. Dr. Gregory House (Cardiology)\n    Tue 1 Dec – Mon 14 Dec\n"
        "2. any Cardiology doctor\n    Tue 1 Dec – Thu 31 Dec"
    )
    assert listing.button_texts == ["🔕 Leave 1", "🔕 Leave 2"]
    await ana.press("🔕 Leave 1", listing)
    assert listing.text.startswith(
        "🔕 You left the waitlist: Dr. Gregory House (Cardiology).\n\n🔔 You are waiting for (1)"
    )

    # Someone else's Leave button (forged) is refused; the entry keeps waiting.
    [_, waiting] = await _entries(harness, ana_user)
    carl, _ = await _patient(harness, "Carl Jung")
    await carl.press_data(LeaveWaitlist(entry=waiting.id, listed=True).pack(), carl.last)
    assert carl.last_answer is not None
    assert carl.last_answer["text"] == "That waitlist entry was not found."
    assert [e.status for e in await _entries(harness, ana_user)] == ["left", "waiting"]

    # Any Cardiology doctor: a cancellation with House is offered; Leave from the offer.
    await book_directly(
        harness.services, patient_id=bob_user.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )
    bob = harness.user("Bob")
    await log_in_chat(bob, "bob@example.com")
    await _cancel_by_chat(bob)
    offer = ana.last
    assert offer.text.startswith("🔔 A time freed up\nDr. Gregory House (Cardiology)")
    await ana.press("🔕 Leave the waitlist", offer)
    assert offer.text == "🔕 You left the waitlist: any Cardiology doctor."
    assert offer.button_texts == []
    assert [e.status for e in await _entries(harness, ana_user)] == ["left", "left"]
    assert (await ana.send("/waitlist"))[-1].text.startswith("You are not waiting")
    # Its Take button, pressed after leaving, books nothing.
    data = TakeFreedTime(entry=waiting.id, doctor=house.user_id, starts_at=dec(3, 10)).pack()
    await ana.press_data(data, offer)
    assert ana.last_answer is not None
    assert ana.last_answer["text"] == "You left this waitlist."
    assert await _visits(harness, ana_user) == []


async def test_offers_respect_the_patients_own_visits_and_limit(harness: Harness) -> None:
    house = await make_doctor(harness.services, "house@example.com")
    wilson = await make_doctor(
        harness.services, "wilson@example.com", name="Dr. James Wilson", specialty="Oncology"
    )
    ana, ana_user = await _patient(harness, "Ana García")
    dan, dan_user = await _patient(harness, "Dan Brown")
    _, bob_user = await _patient(harness, "Bob Stone")
    await _wait_for(ana, "Next 7 days")
    await _wait_for(dan, "Next 7 days")
    # Ana is busy with Wilson at 10:00 on Thursday; Dan holds the most upcoming visits.
    await book_directly(
        harness.services, patient_id=ana_user.id, doctor_id=wilson.user_id, starts_at=dec(3, 10)
    )
    for day in (14, 15, 16):
        await book_directly(
            harness.services,
            patient_id=dan_user.id,
            doctor_id=wilson.user_id,
            starts_at=dec(day, 9),
        )
    await book_directly(
        harness.services, patient_id=bob_user.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )
    bob = harness.user("Bob")
    await log_in_chat(bob, "bob@example.com")
    await _cancel_by_chat(bob)
    assert await _offers(harness, ana_user) == []
    assert await _offers(harness, dan_user) == []
    assert not any("freed up" in text for text in ana.texts() + dan.texts())

    # A forged offer for Ana's busy time is refused by booking's own rules.
    [entry] = await _entries(harness, ana_user)
    data = TakeFreedTime(entry=entry.id, doctor=house.user_id, starts_at=dec(3, 10)).pack()
    assert decode(data) is not None
    await ana.press_data(data, ana.last)
    assert ana.last_answer is not None
    assert ana.last_answer["text"] == (
        "You already have another appointment at that time. Choose another one."
    )
    assert await _visits(harness, ana_user) == [(dec(3, 10), "booked")]


async def test_an_offer_written_before_a_restart_arrives_once_after_it(harness: Harness) -> None:
    from bot.formatting import policy_of
    from bot.jobs import deliver_pending
    from db.booking import Actor, cancel
    from db.models import Role

    house = await make_doctor(harness.services, "house@example.com")
    ana, ana_user = await _patient(harness, "Ana García")
    _, bob_user = await _patient(harness, "Bob Stone")
    visit = await book_directly(
        harness.services, patient_id=bob_user.id, doctor_id=house.user_id, starts_at=dec(3, 10)
    )
    await _wait_for(ana, "Next 7 days")
    # The doctor cancels; the bot stops before any delivery pass, and starts again.
    async with harness.services.transaction() as s:
        await cancel(
            s, appointment_id=visit.id, actor=Actor(house.user_id, Role.DOCTOR),
            policy=policy_of(harness.services.settings), now=harness.clock.now(),
        )  # fmt: skip
    before = len(ana.texts())
    await harness.restart()
    harness.rebind(ana)
    await deliver_pending(harness.app.bot, harness.services)
    await deliver_pending(harness.app.bot, harness.services)
    offers = [text for text in ana.texts()[before:] if "A time freed up" in text]
    assert offers == [
        f"🔔 A time freed up\nDr. Gregory House (Cardiology)\n{THU_3_TEN}\n\n"
        "The first to tap it gets it."
    ]
    await ana.press("✅ Take this time")
    assert await _visits(harness, ana_user) == [(dec(3, 10), "booked")]
