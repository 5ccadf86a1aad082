"""A visit as the clinic sees it — its card, with Cancel and Move — for the front desk and admins
(any visit) and doctors (their own, from /schedule's "✏️ Cancel or move a visit").

Cancelling asks why (a reason from a short list, or typed) and to confirm; moving asks why, then
walks the booking conversation's days and times (:func:`bot.handlers.booking.flow.move_for`).
The patient is told in chat and by email, with the doctor's next free times after a
cancellation. Each button is authorised again against the presser's session, and a visit that
changed since it was shown (another member of the clinic moved or cancelled it) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import Update

from bot.callbacks import (
    CancelConfirm,
    CancelKeep,
    CancelWhy,
    ChangeWhy,
    DayVisits,
    OpenPatient,
    OpenSchedule,
    VisitCancel,
    VisitCard,
    VisitMove,
)
from bot.choices import NO, YES, Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import clock, long_date, policy_of, reason_text, when
from bot.handlers.booking.clinic import move_for
from bot.handlers.booking.screens import BookState
from bot.handlers.booking.shared import alert_refusal, change_refusal
from bot.handlers.frontdesk.reasons import why_choices, why_label, why_of
from bot.handlers.frontdesk.shared import CLINIC
from bot.routes import Button, Routes, roles
from db.booking import (
    Actor,
    AppointmentView,
    ChangedMeanwhile,
    InvalidNote,
    NotChangeable,
    TooLateToChange,
    cancel,
    check_changeable,
    doctor_schedule,
    normalise_note,
    visible_to,
)
from db.doctors import day_bounds
from db.errors import NotFound
from db.models import AppointmentStatus, Role

# Who may see and change a visit for the clinic (a doctor only their own).
CHANGERS = roles(Role.STAFF, Role.ADMIN, Role.DOCTOR)
VISITS_PER_ROW = 2
MAX_DAY_VISITS = 60


def _actor(context: ClinicContext) -> Actor:
    return Actor(context.me.user_id, context.me.role)


def _changeable(context: ClinicContext, appt: AppointmentView) -> bool:
    return appt.status == AppointmentStatus.BOOKED and appt.starts_at > context.now


def _status(context: ClinicContext, appt: AppointmentView) -> str:
    if appt.status == AppointmentStatus.CANCELLED:
        who = "patient" if appt.cancelled_by == appt.patient_id else "clinic"
        return context.t(f"visit.status.cancelled_{who}")
    return context.t(f"schedule.status.{appt.status}")


def _day_of(context: ClinicContext, appt: AppointmentView) -> OpenSchedule:
    day = appt.starts_at.astimezone(context.settings.timezone).date()
    return OpenSchedule(doctor=appt.doctor_id, day=day, days="1")


def visit_screen(context: ClinicContext, appt: AppointmentView) -> Screen:
    """The visit: patient, doctor, time, status and why the clinic last changed it; Cancel and
    Move while it may change; the patient's card (the clinic) and the doctor's day."""
    lines = [
        context.t(
            "visit.card",
            patient=appt.patient_name,
            phone=appt.patient_phone or context.t("patients.no_phone"),
            email=appt.patient_email or context.t("patients.no_email"),
            doctor=appt.doctor_name,
            specialty=appt.specialty,
            when=when(context.lang, appt.starts_at, appt.ends_at, context.settings.timezone),
            status=_status(context, appt),
        )
    ]
    if appt.booked_by_clinic:
        lines.append(context.t("visit.by_clinic"))
    reason = why_label_of(context, appt)
    if reason:
        lines.append(context.t("visit.reason", reason=reason))
    rows = []
    if _changeable(context, appt):
        rows.append(
            [
                Choice(context.t("visit.btn.cancel"), VisitCancel(appointment=appt.id)),
                Choice(context.t("visit.btn.move"), VisitMove(appointment=appt.id)),
            ]
        )
    back = [Choice(context.t("visit.btn.day"), _day_of(context, appt))]
    if context.me.role in CLINIC:
        back.insert(0, Choice(f"👤 {appt.patient_name}", OpenPatient(patient=appt.patient_id)))
    rows.append(back)
    return Screen("\n".join(lines), rows)


def why_label_of(context: ClinicContext, appt: AppointmentView) -> str:
    """Why the clinic last changed the visit, in the reader's language; empty when it did not."""
    return reason_text(context.lang, appt.change_reason, appt.change_note)


async def _visible(context: ClinicContext, appointment_id: int) -> AppointmentView | None:
    try:
        return await visible_to(context.db, appointment_id=appointment_id, actor=_actor(context))
    except NotFound:
        context.alert("visit.not_found")
        return None


async def show_visit(update: Update, context: ClinicContext) -> None:
    """A visit's card."""
    appt = await _visible(context, context.payload(VisitCard).appointment)
    if appt is not None:
        context.show(visit_screen(context, appt))


async def show_day_visits(update: Update, context: ClinicContext) -> None:
    """The doctor's visits of a day still to come, one button each, to cancel or move one."""
    wanted = context.payload(DayVisits)
    me = context.me
    if me.role is Role.DOCTOR and wanted.doctor != me.user_id:
        context.alert("schedule.not_yours")
        return
    start, end = day_bounds(wanted.day, wanted.day, context.settings.timezone)
    try:
        found = await doctor_schedule(context.db, doctor_id=wanted.doctor, start=start, end=end)
    except NotFound:
        context.alert("schedule.doctor_not_found")
        return
    visits = [a for a in found.appointments if _changeable(context, a)][:MAX_DAY_VISITS]
    tz = context.settings.timezone
    choices = [
        Choice(f"{clock(a.starts_at, tz)} · {a.patient_name}", VisitCard(appointment=a.id))
        for a in visits
    ]
    rows = rows_of(choices, VISITS_PER_ROW)
    day = OpenSchedule(doctor=wanted.doctor, day=wanted.day, days="1")
    rows.append([Choice(context.t("visit.btn.day"), day)])
    key = "visit.day_pick" if visits else "visit.day_none"
    text = context.t(
        key, doctor=found.doctor.name, date=long_date(context.lang, wanted.day), zone=tz.key
    )
    context.show(Screen(text, rows))


# --- cancelling: why → confirm ------------------------------------------------------------------


class CancelState(StrEnum):
    WHY = "why"
    CONFIRM = "confirm"


@dataclass
class CancelDraft:
    appointment: int
    version: int  # as shown: a visit changed since is not cancelled
    why: ChangeWhy | None = None
    note: str | None = None


Result = CancelState | Ended | None


async def _draft_visit(context: ClinicContext, draft: CancelDraft) -> AppointmentView | None:
    try:
        return await visible_to(
            context.db, appointment_id=draft.appointment, actor=_actor(context)
        )
    except NotFound:
        return None


async def why_screen(update: Update, context: ClinicContext, draft: CancelDraft) -> Screen:
    flow = context.turn.flow
    appt = await _draft_visit(context, draft)
    if appt is None:
        return Screen(context.t("visit.not_found"))
    text = context.t(
        "visit.ask_reason",
        patient=appt.patient_name,
        doctor=appt.doctor_name,
        when=when(context.lang, appt.starts_at, appt.ends_at, context.settings.timezone),
    )
    rows = rows_of(why_choices(context, CancelWhy), 2)
    rows.append([Choice(context.t("visit.btn.keep"), CancelKeep(flow=flow), NO)])
    return Screen(text, rows)


async def confirm_screen(update: Update, context: ClinicContext, draft: CancelDraft) -> Screen:
    flow = context.turn.flow
    appt = await _draft_visit(context, draft)
    if appt is None:
        return Screen(context.t("visit.not_found"))
    text = context.t(
        "visit.confirm_cancel",
        patient=appt.patient_name,
        doctor=appt.doctor_name,
        specialty=appt.specialty,
        when=when(context.lang, appt.starts_at, appt.ends_at, context.settings.timezone),
        reason=why_label(context, draft.why, draft.note),
    )
    rows = [
        [Choice(context.t("visit.btn.yes_cancel"), CancelConfirm(flow=flow), YES)],
        [Choice(context.t("visit.btn.keep"), CancelKeep(flow=flow), NO)],
    ]
    return Screen(text, rows)


async def start_cancel(update: Update, context: ClinicContext) -> CancelState | None:
    """❌ Cancel on a visit's card: if it may still be cancelled, ask why."""
    try:
        appt = await check_changeable(
            context.db,
            appointment_id=context.payload(VisitCancel).appointment,
            actor=_actor(context),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return None
    context.begin(CancelDraft(appointment=appt.id, version=appt.version))
    return CancelState.WHY


async def start_move(update: Update, context: ClinicContext) -> BookState | None:
    """🔁 Move on a visit's card: ask why, then a new day and time."""
    return await move_for(context, context.payload(VisitMove).appointment)


async def choose_why(update: Update, context: ClinicContext, draft: CancelDraft) -> Result:
    """A reason from the list; ask to confirm."""
    draft.why, draft.note = context.payload(CancelWhy).why, None
    return CancelState.CONFIRM


async def type_why(update: Update, context: ClinicContext, draft: CancelDraft) -> Result:
    """A typed reason; ask to confirm."""
    try:
        draft.note, draft.why = normalise_note(context.text or ""), None
    except InvalidNote:
        context.note("visit.bad_reason")
        return CancelState.WHY
    return CancelState.CONFIRM


async def confirm(update: Update, context: ClinicContext, draft: CancelDraft) -> Result:
    """Yes, cancel it: the patient (and the doctor, unless they cancelled it) are told."""
    try:
        cancelled = await cancel(
            context.db,
            appointment_id=draft.appointment,
            actor=_actor(context),
            policy=policy_of(context.settings),
            now=context.now,
            why=why_of(draft.why, draft.note),
            expected_version=draft.version,
        )
    except ChangedMeanwhile:
        context.show_text("visit.changed")
        return END
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        key, values = change_refusal(context, exc)
        context.show_text(key, **values)
        return END
    screen = visit_screen(context, cancelled)
    context.show(screen.with_lead(context.t("visit.cancelled", patient=cancelled.patient_name)))
    return END


async def keep(update: Update, context: ClinicContext, draft: CancelDraft) -> Ended:
    """« Keep it: nothing changes; the visit's card again."""
    appt = await _draft_visit(context, draft)
    if appt is None:
        context.show_text("visit.not_found")
    else:
        context.show(visit_screen(context, appt))
    return END


CANCEL_VISIT = Conversation(
    "visitcancel",
    CancelState,
    CancelDraft,
    {
        CancelState.WHY: Step(why_screen, {CancelWhy: choose_why}, text=type_why),
        CancelState.CONFIRM: Step(confirm_screen, {CancelConfirm: confirm}),
    },
    roles=CHANGERS,
    anywhere={CancelKeep: keep},
)

ROUTES = Routes(
    buttons=[
        Button(VisitCard, show_visit, roles=CHANGERS),
        Button(DayVisits, show_day_visits, roles=CHANGERS),
        Button(VisitCancel, start_cancel, roles=CHANGERS),
        Button(VisitMove, start_move, roles=CHANGERS),
    ],
    conversations=[CANCEL_VISIT],
)
