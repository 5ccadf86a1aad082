"""/doctors (admins): every doctor, paged, with Deactivate / Reactivate and a new invite link.

The list is one message, edited in place by its buttons. Its buttons carry ids only and act on
the server's state when pressed, from any copy of the list: a doctor already inactive, gone,
or with appointments booked since the admin looked is answered as such.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.callbacks import (
    ConfirmDeactivation,
    Deactivate,
    DoctorsAt,
    DoctorsPage,
    Reactivate,
    RenewInvite,
)
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import moment, policy_of, when_short
from bot.invites import invite_link
from bot.routes import Button, Command, Routes, roles
from bot.texts import Raw
from db.booking import Actor, AppointmentView, deactivate_and_cancel
from db.doctors import (
    DoctorInactive,
    DoctorView,
    list_doctors,
    reactivate_doctor,
    renew_invite,
)
from db.errors import NotFound
from db.models import Role

ADMINS = roles(Role.ADMIN)
PAGE_SIZE = 8
# Upcoming appointments listed when asking to confirm a deactivation.
SHOWN_APPOINTMENTS = 10


# --- the list -----------------------------------------------------------------------------------


def _item(context: ClinicContext, number: int, doctor: DoctorView) -> str:
    return context.t(
        "admin.list.item",
        number=number,
        name=doctor.name,
        specialty=doctor.specialty,
        minutes=doctor.slot_minutes,
        email=doctor.email,
        status=context.t("admin.list.active" if doctor.active else "admin.list.inactive"),
        password=context.t(
            "admin.list.password_set" if doctor.has_password else "admin.list.no_password"
        ),
    )


def _doctor_row(context: ClinicContext, doctor: DoctorView) -> list[Choice]:
    name = Raw(doctor.name)  # button labels are plain text: no HTML escaping
    if not doctor.active:
        label = context.t("admin.list.reactivate_button", name=name)
        return [Choice(label, Reactivate(doctor=doctor.user_id))]
    return [
        Choice(
            context.t("admin.list.deactivate_button", name=name),
            Deactivate(doctor=doctor.user_id),
        ),
        Choice(context.t("admin.list.invite_button"), RenewInvite(doctor=doctor.user_id)),
    ]


async def _list_screen(
    context: ClinicContext, *, page: int = 0, at_doctor: int | None = None
) -> Screen:
    """One page of the doctors list (the page showing ``at_doctor`` when given)."""
    doctors = await list_doctors(context.db)
    if not doctors:
        return Screen(context.t("admin.list.empty"))
    pages = -(-len(doctors) // PAGE_SIZE)
    if at_doctor is not None:
        index = next((i for i, d in enumerate(doctors) if d.user_id == at_doctor), 0)
        page = index // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = doctors[first : first + PAGE_SIZE]
    if pages == 1:
        title = context.t("admin.list.title", count=len(doctors))
    else:
        title = context.t(
            "admin.list.title_paged", first=first + 1, last=first + len(shown), count=len(doctors)
        )
    items = [_item(context, number, d) for number, d in enumerate(shown, start=first + 1)]
    rows = [_doctor_row(context, doctor) for doctor in shown]
    paging = []
    if page > 0:
        paging.append(Choice(context.t("admin.list.previous_button"), DoctorsPage(page=page - 1)))
    if page < pages - 1:
        paging.append(Choice(context.t("admin.list.next_button"), DoctorsPage(page=page + 1)))
    if paging:
        rows.append(paging)
    text = context.t("admin.list.page", title=Raw(title), items=Raw("\n".join(items)))
    return Screen(text, rows)


async def _show_list(
    context: ClinicContext, *, page: int = 0, at_doctor: int | None = None, notice: str = ""
) -> None:
    """Show the list (edited in place for a button), with ``notice`` (HTML) above it."""
    screen = await _list_screen(context, page=page, at_doctor=at_doctor)
    context.show(screen.with_lead(notice))


async def list_clinic_doctors(update: Update, context: ClinicContext) -> None:
    """/doctors: every doctor with their state, and the buttons to manage them."""
    await _show_list(context)


async def show_doctors_page(update: Update, context: ClinicContext) -> None:
    """Another page of the list."""
    await _show_list(context, page=context.payload(DoctorsPage).page)


async def show_doctors_at(update: Update, context: ClinicContext) -> None:
    """Back to the list, at the page of one doctor."""
    await _show_list(context, at_doctor=context.payload(DoctorsAt).doctor)


async def _not_found(context: ClinicContext) -> None:
    context.alert("admin.list.not_found")
    await _show_list(context)


# --- deactivation -------------------------------------------------------------------------------


def _confirmation(
    context: ClinicContext, doctor: DoctorView, upcoming: Sequence[AppointmentView]
) -> Screen:
    """The doctor's upcoming appointments, and a button to deactivate and cancel them."""
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
    rows = [
        [
            Choice(
                context.t("admin.off.confirm_button", count=len(upcoming)),
                ConfirmDeactivation(doctor=doctor.user_id, newest=newest),
            )
        ],
        [Choice(context.t("admin.off.back_button"), DoctorsAt(doctor=doctor.user_id))],
    ]
    text = context.t(
        "admin.off.confirm",
        name=doctor.name,
        count=len(upcoming),
        items=Raw("\n".join(items)),
        zone=tz.key,
    )
    return Screen(text, rows)


async def _deactivate(context: ClinicContext, doctor_id: int, newest_shown: int | None) -> None:
    """Deactivate the doctor and cancel their upcoming appointments once the admin has seen
    every one of them (up to the appointment ``newest_shown``); otherwise show them and ask."""
    try:
        outcome = await deactivate_and_cancel(
            context.db,
            doctor_id=doctor_id,
            newest_shown=newest_shown,
            actor=Actor(context.me.user_id, Role.ADMIN),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except NotFound:
        await _not_found(context)
        return
    doctor = outcome.doctor
    if not outcome.was_active:
        context.alert("admin.list.already_inactive", name=doctor.name)
        await _show_list(context, at_doctor=doctor_id)
        return
    if outcome.unseen:
        screen = _confirmation(context, doctor, outcome.upcoming)
        if newest_shown is not None:
            screen = screen.with_lead(context.t("admin.off.changed"))
        context.show(screen)
        return
    if newest_shown is None:
        notice = context.t("admin.list.deactivated", name=doctor.name)
    else:
        notice = context.t(
            "admin.list.deactivated_cancelled", name=doctor.name, count=len(outcome.cancelled)
        )
    await _show_list(context, at_doctor=doctor_id, notice=notice)


async def deactivate_doctor(update: Update, context: ClinicContext) -> None:
    """Deactivate a doctor; with upcoming appointments, show them and ask to confirm first."""
    await _deactivate(context, context.payload(Deactivate).doctor, newest_shown=None)


async def confirm_deactivation(update: Update, context: ClinicContext) -> None:
    """Deactivate a doctor and cancel the upcoming appointments the admin was shown."""
    data = context.payload(ConfirmDeactivation)
    await _deactivate(context, data.doctor, newest_shown=data.newest)


# --- reactivation and invites -------------------------------------------------------------------


async def make_doctor_active(update: Update, context: ClinicContext) -> None:
    """Make an inactive doctor bookable again and let them log in."""
    doctor_id = context.payload(Reactivate).doctor
    try:
        outcome = await reactivate_doctor(context.db, doctor_id=doctor_id, now=context.now)
    except NotFound:
        await _not_found(context)
        return
    name = outcome.doctor.name
    if outcome.was_active:
        context.alert("admin.list.already_active", name=name)
        await _show_list(context, at_doctor=doctor_id)
        return
    notice = context.t("admin.list.reactivated", name=name)
    await _show_list(context, at_doctor=doctor_id, notice=notice)


async def send_new_invite(update: Update, context: ClinicContext) -> None:
    """A new one-time invite link for an active doctor (earlier ones stop working)."""
    doctor_id = context.payload(RenewInvite).doctor
    try:
        renewed = await renew_invite(
            context.db, doctor_id=doctor_id, created_by=context.me.user_id, now=context.now
        )
    except NotFound:
        await _not_found(context)
        return
    except DoctorInactive as refused:
        context.alert("admin.invite.inactive", name=refused.doctor.name)
        await _show_list(context, at_doctor=doctor_id)
        return
    context.reply(
        "admin.invite.link",
        name=renewed.doctor.name,
        expires=moment(context.lang, renewed.expires_at, context.settings.timezone),
        link=invite_link(context.bot.username, renewed.token),
    )


ROUTES = Routes(
    commands=[Command("doctors", list_clinic_doctors, roles=ADMINS)],
    buttons=[
        Button(DoctorsPage, show_doctors_page, roles=ADMINS),
        Button(DoctorsAt, show_doctors_at, roles=ADMINS),
        Button(Deactivate, deactivate_doctor, roles=ADMINS),
        Button(ConfirmDeactivation, confirm_deactivation, roles=ADMINS),
        Button(Reactivate, make_doctor_active, roles=ADMINS),
        Button(RenewInvite, send_new_invite, roles=ADMINS),
    ],
)
