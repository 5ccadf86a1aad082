"""/doctors (admins): every doctor, a page at a time, each opening their card.

The list says of each doctor whether patients can book them, and if not why: inactive, or
their invite not accepted yet. A doctor's card shows their details and offers Edit, a new
invite link, Mark ready (bookable before they accept their invite), Deactivate (always after a
confirmation, :mod:`bot.handlers.admin.deactivation`) or Reactivate.

Every screen is one message, edited in place by its buttons. The buttons carry ids only and
act on the server's state when pressed, from any copy of the list: a doctor gone, already
inactive or already marked is answered as such.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    Deactivate,
    DoctorsAt,
    DoctorsPage,
    EditDoctor,
    MarkReady,
    OpenDoctor,
    Reactivate,
    RenewInvite,
)
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import hours_summary, moment, policy_of
from bot.invites import invite_link
from bot.paging import page_at, page_of, paging_row, short
from bot.routes import Button, Command, Routes, roles
from bot.texts import Raw
from db.doctors import (
    DoctorCard,
    DoctorInactive,
    DoctorView,
    doctor_card,
    list_doctors,
    mark_ready,
    reactivate_doctor,
    renew_invite,
)
from db.errors import NotFound
from db.models import Role
from db.waitlist import on_doctor_open

ADMINS = roles(Role.ADMIN)
PAGE_SIZE = 8


# --- the list -----------------------------------------------------------------------------------


def standing(context: ClinicContext, doctor: DoctorView) -> str:
    """Whether /book lists the doctor, and if not why (plain text)."""
    if not doctor.active:
        return context.t("admin.list.inactive")
    if doctor.has_password:
        return context.t("admin.list.in_book")
    if doctor.marked_ready:
        return context.t("admin.list.marked_ready")
    return context.t("admin.list.not_ready")


async def list_screen(
    context: ClinicContext, *, page: int = 0, at_doctor: int | None = None
) -> Screen:
    """One page of the doctors (the page showing ``at_doctor`` when given)."""
    doctors = await list_doctors(context.db)
    if not doctors:
        return Screen(context.t("admin.list.empty"))
    if at_doctor is not None:
        index = next((i for i, d in enumerate(doctors) if d.user_id == at_doctor), 0)
        shown = page_at(doctors, index, PAGE_SIZE)
    else:
        shown = page_of(doctors, page, PAGE_SIZE)
    if shown.pages == 1:
        title = context.t("admin.list.title", count=shown.total)
    else:
        last = shown.first + len(shown.items)
        title = context.t(
            "admin.list.title_paged", first=shown.first + 1, last=last, count=shown.total
        )
    items = [
        context.t(
            "admin.list.item",
            number=number,
            name=doctor.name,
            specialty=doctor.specialty,
            standing=standing(context, doctor),
        )
        for number, doctor in shown.numbered
    ]
    rows = [
        [Choice(short(f"{number}. {doctor.name}"), OpenDoctor(doctor=doctor.user_id))]
        for number, doctor in shown.numbered
    ]
    paging = paging_row(context, shown, lambda p: DoctorsPage(page=p))
    if paging:
        rows.append(paging)
    text = context.t(
        "admin.list.page",
        title=Raw(title),
        hint=Raw(context.t("admin.list.hint")),
        items=Raw("\n".join(items)),
    )
    return Screen(text, rows)


async def list_clinic_doctors(update: Update, context: ClinicContext) -> None:
    """/doctors: every doctor, whether /book lists them, a button to open each."""
    context.show(await list_screen(context))


async def show_doctors_page(update: Update, context: ClinicContext) -> None:
    """Another page of the list."""
    context.show(await list_screen(context, page=context.payload(DoctorsPage).page))


async def show_doctors_at(update: Update, context: ClinicContext) -> None:
    """Back to the list, at the page of one doctor."""
    context.show(await list_screen(context, at_doctor=context.payload(DoctorsAt).doctor))


async def not_found(context: ClinicContext) -> None:
    """The doctor of a button is gone: say so, and show the list."""
    context.alert("admin.list.not_found")
    context.show(await list_screen(context))


# --- the card -----------------------------------------------------------------------------------


def _invite(context: ClinicContext, card: DoctorCard) -> str:
    if card.invite_expires_at is None or card.invite_used:
        return context.t("admin.card.invite_none")
    expires = moment(context.lang, card.invite_expires_at, context.settings.timezone)
    if card.invite_expires_at <= context.now:
        return context.t("admin.card.invite_expired", expires=expires)
    return context.t("admin.card.invite_valid", expires=expires)


def _status(context: ClinicContext, card: DoctorCard) -> str:
    """Whether /book lists the doctor, and if not why and what to do (HTML)."""
    doctor = card.doctor
    if not doctor.active:
        lines = [context.t("admin.card.inactive", name=doctor.name)]
    elif doctor.has_password:
        lines = [context.t("admin.card.bookable", name=doctor.name)]
    elif doctor.marked_ready:
        lines = [context.t("admin.card.marked_ready", name=doctor.name)]
    else:
        invite = Raw(_invite(context, card))
        lines = [context.t("admin.card.not_ready", name=doctor.name, invite=invite)]
    if doctor.active and not card.hours:
        lines.append(context.t("admin.card.no_hours", name=doctor.name))
    return "\n".join(lines)


def _card_rows(context: ClinicContext, doctor: DoctorView) -> list[list[Choice]]:
    doctor_id = doctor.user_id
    edit = Choice(context.t("admin.card.edit_button"), EditDoctor(doctor=doctor_id))
    back = Choice(context.t("admin.card.back_button"), DoctorsAt(doctor=doctor_id))
    if not doctor.active:
        reactivate = Choice(
            context.t("admin.card.reactivate_button"), Reactivate(doctor=doctor_id)
        )
        return [[edit, reactivate], [back]]
    invite = Choice(context.t("admin.list.invite_button"), RenewInvite(doctor=doctor_id))
    rows = [[edit, invite]]
    if not doctor.has_password:
        ready = not doctor.marked_ready
        key = "admin.card.ready_button" if ready else "admin.card.unready_button"
        rows.append([Choice(context.t(key), MarkReady(doctor=doctor_id, ready=ready))])
    rows.append([Choice(context.t("admin.card.deactivate_button"), Deactivate(doctor=doctor_id))])
    rows.append([back])
    return rows


async def card_screen(context: ClinicContext, doctor_id: int) -> Screen | None:
    """The doctor's card, or ``None`` when there is no such doctor."""
    try:
        card = await doctor_card(context.db, doctor_id=doctor_id, now=context.now)
    except NotFound:
        return None
    doctor = card.doctor
    text = context.t(
        "admin.card",
        name=doctor.name,
        specialty=doctor.specialty,
        minutes=doctor.slot_minutes,
        email=doctor.email,
        hours=hours_summary(context.lang, card.hours),
        upcoming=card.upcoming,
        status=Raw(_status(context, card)),
    )
    return Screen(text, _card_rows(context, doctor))


async def show_card(context: ClinicContext, doctor_id: int, notice: str = "") -> None:
    """Show the doctor's card with ``notice`` (HTML) above it; the list if they are gone."""
    screen = await card_screen(context, doctor_id)
    if screen is None:
        await not_found(context)
        return
    context.show(screen.with_lead(notice))


async def open_doctor(update: Update, context: ClinicContext) -> None:
    """A doctor of the list: their card."""
    await show_card(context, context.payload(OpenDoctor).doctor)


# --- ready, reactivation and invites ------------------------------------------------------------


async def set_ready(update: Update, context: ClinicContext) -> None:
    """Mark ready: bookable before accepting the invite; or take that back."""
    pressed = context.payload(MarkReady)
    try:
        outcome = await mark_ready(
            context.db, doctor_id=pressed.doctor, ready=pressed.ready, now=context.now
        )
    except NotFound:
        await not_found(context)
        return
    if not outcome.changed:
        context.toast("admin.card.unchanged")
        await show_card(context, pressed.doctor)
        return
    if outcome.doctor.ready:
        await on_doctor_open(
            context.db,
            doctor_id=pressed.doctor,
            policy=policy_of(context.settings),
            now=context.now,
        )
    key = "admin.ready.marked" if pressed.ready else "admin.ready.unmarked"
    await show_card(context, pressed.doctor, context.t(key, name=outcome.doctor.name))


async def make_doctor_active(update: Update, context: ClinicContext) -> None:
    """Make an inactive doctor bookable again and let them log in."""
    doctor_id = context.payload(Reactivate).doctor
    try:
        outcome = await reactivate_doctor(context.db, doctor_id=doctor_id, now=context.now)
    except NotFound:
        await not_found(context)
        return
    name = outcome.doctor.name
    if not outcome.was_active and outcome.doctor.ready:
        await on_doctor_open(
            context.db, doctor_id=doctor_id, policy=policy_of(context.settings), now=context.now
        )
    if outcome.was_active:
        context.alert("admin.list.already_active", name=name)
        await show_card(context, doctor_id)
        return
    notice = context.t(
        "admin.list.reactivated" if outcome.doctor.ready else "admin.list.reactivated_pending",
        name=name,
    )
    await show_card(context, doctor_id, notice)


async def send_new_invite(update: Update, context: ClinicContext) -> None:
    """A new one-time invite link for an active doctor (earlier ones stop working)."""
    doctor_id = context.payload(RenewInvite).doctor
    try:
        renewed = await renew_invite(
            context.db, doctor_id=doctor_id, created_by=context.me.user_id, now=context.now
        )
    except NotFound:
        await not_found(context)
        return
    except DoctorInactive as refused:
        context.alert("admin.invite.inactive", name=refused.doctor.name)
        await show_card(context, doctor_id)
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
        Button(OpenDoctor, open_doctor, roles=ADMINS),
        Button(MarkReady, set_ready, roles=ADMINS),
        Button(Reactivate, make_doctor_active, roles=ADMINS),
        Button(RenewInvite, send_new_invite, roles=ADMINS),
    ],
)
