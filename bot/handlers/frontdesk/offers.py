"""The free times a "the clinic cancelled your visit" notice offers: one tap books one.

It books through the booking use case, with every rule (the patient's limits, the doctor's
hours, the database's no-overlap constraint). A time taken meanwhile is answered "just taken"
with the next free ones, on the same message; a notice books once, however many of its copies
(one per chat) are pressed.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import TakeOffer
from bot.choices import Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.formatting import policy_of, when_short
from bot.handlers.booking.shared import described
from bot.routes import Button, Routes, roles
from db.booking import (
    OfferTaken,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooManyUpcoming,
    appointment_view,
    next_free_slots,
    take_offer,
)
from db.doctors import get_doctor
from db.errors import NotFound
from db.models import Role

PATIENTS = roles(Role.PATIENT)
OFFERS = 6


async def _next_times(context: ClinicContext, cancelled: int, after_key: str) -> None:
    """The doctor's next free times after the one pressed, as buttons on the same message."""
    pressed = context.payload(TakeOffer)
    tz = context.settings.timezone
    appt = await appointment_view(context.db, cancelled)
    try:
        doctor = await get_doctor(context.db, appt.doctor_id, bookable=True)
    except NotFound:
        context.show_text("offer.doctor_gone", doctor=appt.doctor_name)
        return
    slots = await next_free_slots(
        context.db,
        doctor=doctor,
        policy=policy_of(context.settings),
        now=context.now,
        after=pressed.starts_at,
        patient_id=context.me.user_id,
        limit=OFFERS + 1,
    )
    # Not the time the clinic cancelled.
    slots = [x for x in slots if not (x.starts_at < appt.ends_at and x.ends_at > appt.starts_at)]
    slots = slots[:OFFERS]
    if not slots:
        context.show_text(f"{after_key}_none")
        return
    choices = [
        Choice(
            when_short(context.lang, slot.starts_at, tz),
            TakeOffer(cancelled=cancelled, starts_at=slot.starts_at),
        )
        for slot in slots
    ]
    text = context.t(after_key, doctor=doctor.name, zone=tz.key)
    context.show(Screen(text, rows_of(choices, 2)))


async def take_offered_time(update: Update, context: ClinicContext) -> None:
    """A time offered after the clinic cancelled a visit: book it."""
    pressed = context.payload(TakeOffer)
    try:
        booked = await take_offer(
            context.db,
            cancelled_id=pressed.cancelled,
            patient_id=context.me.user_id,
            starts_at=pressed.starts_at,
            policy=policy_of(context.settings),
            now=context.now,
        )
    except NotFound:
        context.alert("appts.not_found")
        return
    except OfferTaken as exc:
        taken = await appointment_view(context.db, exc.appointment_id)
        context.alert(
            "offer.used", when=when_short(context.lang, taken.starts_at, context.settings.timezone)
        )
        context.strip_buttons()
        return
    except SlotTaken:
        await _next_times(context, pressed.cancelled, "offer.taken")
        return
    except SlotUnavailable:
        await _next_times(context, pressed.cancelled, "offer.unavailable")
        return
    except PatientOverlap:
        context.alert("offer.overlap")
        return
    except TooManyUpcoming as exc:
        context.alert("offer.too_many", limit=exc.limit)
        return
    context.show_text("offer.booked", **described(context, booked))


ROUTES = Routes(buttons=[Button(TakeOffer, take_offered_time, roles=PATIENTS)])
