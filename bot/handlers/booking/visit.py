"""I'll come (from a reminder) and I'm here (from a reminder on the day, or the appointment's
card, from 30 minutes before): the patient tells the clinic, and the doctor's /schedule shows
✅ confirmed / 📍 arrived.

The buttons carry the appointment's id (and, for I'll come, the version the patient was
shown) and act on the appointment as it is when pressed: only its own patient may press them,
a copy from before a move confirms nothing, and a cancelled or finished visit is refused.
The message then shows the appointment's card as it now stands.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import CheckIn, ConfirmVisit
from bot.context import ClinicContext
from bot.formatting import clock
from bot.handlers.booking.appointments import card
from bot.routes import Button, Routes, roles
from db.booking import appointment_view
from db.errors import NotFound
from db.models import Role
from db.visits import (
    TooEarlyToCheckIn,
    VisitCancelled,
    VisitChanged,
    VisitOver,
    check_in,
    confirm_visit,
)

PATIENTS = roles(Role.PATIENT)


async def confirm_coming(update: Update, context: ClinicContext) -> None:
    """I'll come: record it for the time the patient was shown, and show the appointment."""
    pressed = context.payload(ConfirmVisit)
    try:
        presence = await confirm_visit(
            context.db,
            appointment_id=pressed.appointment,
            patient_id=context.me.user_id,
            version=pressed.version,
            now=context.now,
        )
    except NotFound:
        context.alert("appts.not_found")
        return
    except VisitCancelled:
        context.alert("arrival.cancelled")
        return
    except VisitOver:
        context.alert("arrival.started")
        return
    except VisitChanged:
        context.alert("arrival.changed")
        await _show_current(context, pressed.appointment)
        return
    context.toast("arrival.already_confirmed" if presence.already else "arrival.confirmed")
    context.show(card(context, presence.appointment))


async def check_in_visit(update: Update, context: ClinicContext) -> None:
    """I'm here: record the arrival (from 30 minutes before until the end) for the doctor."""
    pressed = context.payload(CheckIn)
    try:
        presence = await check_in(
            context.db,
            appointment_id=pressed.appointment,
            patient_id=context.me.user_id,
            now=context.now,
        )
    except NotFound:
        context.alert("appts.not_found")
        return
    except VisitCancelled:
        context.alert("arrival.cancelled")
        return
    except VisitOver:
        context.alert("arrival.ended")
        return
    except TooEarlyToCheckIn as exc:
        context.alert("arrival.too_early", time=clock(exc.opens_at, context.settings.timezone))
        return
    context.toast("arrival.already_arrived" if presence.already else "arrival.arrived")
    context.show(card(context, presence.appointment))


async def _show_current(context: ClinicContext, appointment_id: int) -> None:
    """The patient's appointment as it now stands, in place of the pressed message."""
    context.show(card(context, await appointment_view(context.db, appointment_id)))


ROUTES = Routes(
    buttons=[
        Button(ConfirmVisit, confirm_coming, roles=PATIENTS),
        Button(CheckIn, check_in_visit, roles=PATIENTS),
    ],
)
