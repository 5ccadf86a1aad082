"""/appointments: one message listing the upcoming visits (paged), each opening its card with
Cancel and Reschedule (and I'm here, on the day); past visits on request.

Its buttons carry ids only and act on the server's state when pressed, wherever they are shown
(an older copy of the list, a reminder): every id is checked against the presser's session.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    AppointmentsPage,
    AskCancel,
    CheckIn,
    ConfirmCancel,
    KeepAppointment,
    PastAppointments,
    PastAppointmentsPage,
    Reschedule,
    ShowAppointment,
    WaitEarlier,
)
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import clock, policy_of, reason_text, when_short
from bot.handlers.booking.shared import alert_refusal, described
from bot.paging import short
from bot.routes import Button, Command, Routes, roles
from db.booking import (
    Actor,
    AppointmentView,
    NotChangeable,
    TooLateToChange,
    appointment_view,
    cancel,
    check_changeable,
    past_for_patient,
    upcoming_for_patient,
)
from db.errors import NotFound
from db.models import AppointmentStatus, Role
from db.visits import check_in_open

PATIENTS = roles(Role.PATIENT)
PER_PAGE = 6
PAST_PER_PAGE = 10


def _status(context: ClinicContext, appt: AppointmentView) -> str:
    if appt.status == AppointmentStatus.CANCELLED:
        who = "you" if appt.cancelled_by == appt.patient_id else "clinic"
        return context.t(f"appts.status.cancelled_{who}")
    if appt.status != AppointmentStatus.BOOKED:
        return context.t(f"appts.status.{appt.status}")
    status = context.t(
        "appts.status.unmarked" if appt.starts_at <= context.now else "appts.status.booked"
    )
    if appt.arrived_at is not None:
        arrived = clock(appt.arrived_at, context.settings.timezone)
        return f"{status} · {context.t('arrival.card_arrived', time=arrived)}"
    if appt.confirmed_at is not None:
        return f"{status} · {context.t('arrival.card_confirmed')}"
    return status


def _to_list(context: ClinicContext) -> Choice:
    return Choice(context.t("appts.btn.list"), AppointmentsPage(page=0))


def _actor(context: ClinicContext) -> Actor:
    return Actor(context.me.user_id, context.me.role)


async def _list_screen(context: ClinicContext, page: int) -> Screen:
    upcoming = await upcoming_for_patient(
        context.db, patient_id=context.me.user_id, now=context.now
    )
    past = Choice(context.t("appts.btn.past"), PastAppointments())
    if not upcoming:
        return Screen(context.t("appts.none"), [[past]])
    tz, language = context.settings.timezone, context.lang
    pages = -(-len(upcoming) // PER_PAGE)
    page = min(max(page, 0), pages - 1)
    first = page * PER_PAGE
    shown = upcoming[first : first + PER_PAGE]
    lines = [context.t("appts.header", count=len(upcoming), zone=tz.key)]
    rows: list[list[Choice]] = []
    for number, appt in enumerate(shown, start=first + 1):
        moment = when_short(language, appt.starts_at, tz)
        lines.append(
            context.t(
                "appts.list_item",
                number=number,
                when=moment,
                doctor=appt.doctor_name,
                specialty=appt.specialty,
            )
        )
        label = short(f"{number}. {moment} · {appt.doctor_name}")
        rows.append([Choice(label, ShowAppointment(appt.id))])
    nav = []
    if page > 0:
        nav.append(Choice(context.t("book.btn.prev"), AppointmentsPage(page=page - 1)))
    if page < pages - 1:
        nav.append(Choice(context.t("book.btn.next"), AppointmentsPage(page=page + 1)))
    if nav:
        rows.append(nav)
    if pages > 1:
        lines.append(context.t("book.page", page=page + 1, pages=pages))
    rows.append([past])
    return Screen("\n".join(lines), rows)


def card(context: ClinicContext, appt: AppointmentView) -> Screen:
    """An appointment, with I'm here from 30 minutes before it, and Cancel and Reschedule while
    it may still change."""
    text = context.t("appts.card", status=_status(context, appt), **described(context, appt))
    if appt.booked_by_clinic:
        text += "\n" + context.t("appts.by_clinic")
    reason = reason_text(context.lang, appt.change_reason, appt.change_note)
    if reason:
        text += "\n" + context.t("appts.reason", reason=reason)
    if appt.reason:
        text += context.t("arrival.card_reason", reason=appt.reason)
    rows = []
    if check_in_open(appt, context.now):
        rows.append([Choice(context.t("arrival.btn.arrived"), CheckIn(appointment=appt.id))])
    if appt.status == AppointmentStatus.BOOKED and appt.starts_at > context.now:
        rows.append(
            [
                Choice(context.t("appts.btn.cancel"), AskCancel(appointment=appt.id)),
                Choice(context.t("appts.btn.reschedule"), Reschedule(appointment=appt.id)),
            ]
        )
        if appt.starts_at - context.now >= context.settings.cancel_window:
            rows.append([Choice(context.t("appts.btn.earlier"), WaitEarlier(appointment=appt.id))])
    rows.append([_to_list(context)])
    return Screen(text, rows)


async def _own(context: ClinicContext, appointment_id: int) -> AppointmentView | None:
    try:
        appt = await appointment_view(context.db, appointment_id)
    except NotFound:
        return None
    return appt if appt.patient_id == context.me.user_id else None


async def show_appointments(update: Update, context: ClinicContext) -> None:
    """/appointments: the upcoming ones, one line and one button each; past ones on request."""
    context.show(await _list_screen(context, 0))


async def show_page(update: Update, context: ClinicContext) -> None:
    """Another page of the list (or back to it from a card)."""
    context.show(await _list_screen(context, context.payload(AppointmentsPage).page))


async def show_card(update: Update, context: ClinicContext) -> None:
    """One appointment's card."""
    appt = await _own(context, context.payload(ShowAppointment).appointment)
    if appt is None:
        context.alert("appts.not_found")
        return
    context.show(card(context, appt))


async def _show_past(context: ClinicContext, page: int) -> None:
    """A page of past appointments, newest first, with what became of them."""
    past = await past_for_patient(
        context.db,
        patient_id=context.me.user_id,
        now=context.now,
        limit=PAST_PER_PAGE + 1,
        offset=page * PAST_PER_PAGE,
    )
    back = [_to_list(context)]
    if not past:
        if page > 0:  # a page past the end (the list got shorter): the first one
            await _show_past(context, 0)
            return
        context.show(Screen(context.t("appts.past_none"), [back]))
        return
    lines = [context.t("appts.past_title")]
    lines += [
        context.t("appts.past_item", status=_status(context, appt), **described(context, appt))
        for appt in past[:PAST_PER_PAGE]
    ]
    nav = []
    if page > 0:
        nav.append(Choice(context.t("appts.btn.newer"), PastAppointmentsPage(page=page - 1)))
    if len(past) > PAST_PER_PAGE:
        nav.append(Choice(context.t("appts.btn.older"), PastAppointmentsPage(page=page + 1)))
    rows = [nav, back] if nav else [back]
    context.show(Screen("\n".join(lines), rows))


async def show_past(update: Update, context: ClinicContext) -> None:
    """Past appointments: the latest ones, with what became of them."""
    await _show_past(context, 0)


async def show_past_page(update: Update, context: ClinicContext) -> None:
    """Older (or newer) past appointments."""
    await _show_past(context, context.payload(PastAppointmentsPage).page)


async def ask_cancel(update: Update, context: ClinicContext) -> None:
    """Cancel: if the appointment may be cancelled, ask to confirm on its message."""
    try:
        appt = await check_changeable(
            context.db,
            appointment_id=context.payload(AskCancel).appointment,
            actor=_actor(context),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return
    rows = [
        [
            Choice(context.t("appts.btn.yes_cancel"), ConfirmCancel(appointment=appt.id)),
            Choice(context.t("appts.btn.keep"), KeepAppointment(appointment=appt.id)),
        ]
    ]
    context.show(Screen(context.t("appts.confirm_cancel", **described(context, appt)), rows))


async def confirm_cancel(update: Update, context: ClinicContext) -> None:
    """Yes, cancel: cancel it (never deleted) and tell the doctor."""
    try:
        cancelled = await cancel(
            context.db,
            appointment_id=context.payload(ConfirmCancel).appointment,
            actor=_actor(context),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return
    text = context.t("appts.cancelled", **described(context, cancelled))
    context.show(Screen(text, [[_to_list(context)]]))


async def keep_appointment(update: Update, context: ClinicContext) -> None:
    """Keep it: the appointment's card again, as it now stands."""
    appt = await _own(context, context.payload(KeepAppointment).appointment)
    if appt is None:
        context.alert("appts.not_found")
        return
    context.show(card(context, appt))


ROUTES = Routes(
    commands=[Command("appointments", show_appointments, roles=PATIENTS)],
    buttons=[
        Button(AppointmentsPage, show_page, roles=PATIENTS),
        Button(ShowAppointment, show_card, roles=PATIENTS),
        Button(PastAppointments, show_past, roles=PATIENTS),
        Button(PastAppointmentsPage, show_past_page, roles=PATIENTS),
        Button(AskCancel, ask_cancel, roles=PATIENTS),
        Button(ConfirmCancel, confirm_cancel, roles=PATIENTS),
        Button(KeepAppointment, keep_appointment, roles=PATIENTS),
    ],
)
