"""Deactivating a doctor (admins), always after a confirmation.

Deactivate on a doctor's card shows what it does — the doctor leaves /book, is logged out and
cannot log in — and their upcoming appointments, which it cancels (each patient is told). Only
the confirmation's button acts, and only if the appointments are still those the admin was
shown: one booked meanwhile shows the list again, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.callbacks import ConfirmDeactivation, Deactivate, OpenDoctor
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import policy_of, when_short
from bot.handlers.admin.doctors import ADMINS, not_found, show_card
from bot.routes import Button, Routes
from bot.texts import Raw
from db.booking import Actor, AppointmentView, deactivate_and_cancel, upcoming_for_doctor
from db.doctors import DoctorView, get_doctor
from db.errors import NotFound
from db.models import Role

# Upcoming appointments listed when asking to confirm (the rest are counted).
SHOWN_APPOINTMENTS = 10


def _confirmation(
    context: ClinicContext, doctor: DoctorView, upcoming: Sequence[AppointmentView]
) -> Screen:
    """What deactivating does, the upcoming appointments it cancels, and the button to do it."""
    back = [Choice(context.t("admin.off.back_button"), OpenDoctor(doctor=doctor.user_id))]
    if not upcoming:
        confirm = Choice(
            context.t("admin.off.confirm_none_button"),
            ConfirmDeactivation(doctor=doctor.user_id, newest=0),
        )
        return Screen(context.t("admin.off.confirm_none", name=doctor.name), [[confirm], back])
    tz = context.settings.timezone
    items = [
        context.t(
            "admin.off.item",
            when=when_short(context.lang, appointment.starts_at, tz),
            patient=appointment.patient_name,
        )
        for appointment in upcoming[:SHOWN_APPOINTMENTS]
    ]
    if len(upcoming) > SHOWN_APPOINTMENTS:
        items.append(context.t("admin.off.more", count=len(upcoming) - SHOWN_APPOINTMENTS))
    newest = max(appointment.id for appointment in upcoming)
    confirm = Choice(
        context.t("admin.off.confirm_button", count=len(upcoming)),
        ConfirmDeactivation(doctor=doctor.user_id, newest=newest),
    )
    text = context.t(
        "admin.off.confirm",
        name=doctor.name,
        count=len(upcoming),
        items=Raw("\n".join(items)),
        zone=tz.key,
    )
    return Screen(text, [[confirm], back])


async def ask_deactivation(update: Update, context: ClinicContext) -> None:
    """Deactivate: what it does and the appointments it cancels; nothing changes yet."""
    doctor_id = context.payload(Deactivate).doctor
    try:
        doctor = await get_doctor(context.db, doctor_id)
    except NotFound:
        await not_found(context)
        return
    if not doctor.active:
        context.alert("admin.list.already_inactive", name=doctor.name)
        await show_card(context, doctor_id)
        return
    upcoming = await upcoming_for_doctor(context.db, doctor_id=doctor_id, now=context.now)
    context.show(_confirmation(context, doctor, upcoming))


async def confirm_deactivation(update: Update, context: ClinicContext) -> None:
    """Deactivate the doctor and cancel the upcoming appointments the admin was shown."""
    data = context.payload(ConfirmDeactivation)
    try:
        outcome = await deactivate_and_cancel(
            context.db,
            doctor_id=data.doctor,
            newest_shown=data.newest,
            actor=Actor(context.me.user_id, Role.ADMIN),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except NotFound:
        await not_found(context)
        return
    doctor = outcome.doctor
    if not outcome.was_active:
        context.alert("admin.list.already_inactive", name=doctor.name)
        await show_card(context, data.doctor)
        return
    if outcome.unseen:
        screen = _confirmation(context, doctor, outcome.upcoming)
        context.show(screen.with_lead(context.t("admin.off.changed")))
        return
    if outcome.cancelled:
        notice = context.t(
            "admin.list.deactivated_cancelled", name=doctor.name, count=len(outcome.cancelled)
        )
    else:
        notice = context.t("admin.list.deactivated", name=doctor.name)
    await show_card(context, data.doctor, notice)


ROUTES = Routes(
    buttons=[
        Button(Deactivate, ask_deactivation, roles=ADMINS),
        Button(ConfirmDeactivation, confirm_deactivation, roles=ADMINS),
    ],
)
