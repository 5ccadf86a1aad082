"""The clinic's ways into the booking walk: the front desk or an admin booking for a patient
(from /book or a patient's card), and the front desk, an admin or the visit's doctor moving a
visit (from the visit's card), which first asks why. The walk itself is
:mod:`bot.handlers.booking.flow`; the use cases authorise each of them again.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import BookAbandon, BookMoveWhy
from bot.choices import NO, Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.formatting import policy_of
from bot.handlers.booking.screens import (
    BookingDraft,
    BookState,
    Mode,
    Result,
    current_when,
    doctor_of,
)
from bot.handlers.booking.shared import alert_refusal
from bot.handlers.frontdesk.reasons import why_choices
from bot.handlers.frontdesk.shared import PATIENTS_SEARCH
from db.booking import (
    Actor,
    InvalidNote,
    NotChangeable,
    TooLateToChange,
    check_changeable,
    normalise_note,
    upcoming_count,
)
from db.doctors import get_doctor, list_specialties
from db.errors import NotFound
from db.patients import get_patient


async def book_for(context: ClinicContext, patient_id: int) -> BookState | None:
    """Begin the walk for the patient (the front desk or an admin booking for them); a patient
    search it goes on from is closed without a note."""
    policy = policy_of(context.settings)
    try:
        patient = await get_patient(context.db, patient_id)
    except NotFound:
        context.alert("patients.not_found")
        return None
    if not patient.active:
        context.alert("patients.inactive", name=patient.name)
        return None
    upcoming = await upcoming_count(context.db, patient_id=patient_id, now=context.now)
    if upcoming >= policy.max_upcoming:
        context.alert("book.limit_reached_for", patient=patient.name, limit=policy.max_upcoming)
        return None
    if not await list_specialties(context.db, bookable_only=True):
        context.reply("book.no_specialties")
        return None
    conversation = context.turn.conversation
    if conversation is not None and conversation.name == PATIENTS_SEARCH:
        context.turn.end()  # the walk goes on from the search: nothing was left unfinished
    context.begin(BookingDraft(patient=patient_id, patient_name=patient.name))
    return BookState.SPECIALTY


async def move_for(context: ClinicContext, appointment_id: int) -> BookState | None:
    """Begin moving a visit for the clinic (the front desk, an admin, the visit's doctor):
    why, then a new day and time of the same doctor."""
    me = context.me
    try:
        current = await check_changeable(
            context.db,
            appointment_id=appointment_id,
            actor=Actor(me.user_id, me.role),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return None
    try:
        await get_doctor(context.db, current.doctor_id, bookable=True)
    except NotFound:
        context.alert("move.doctor_gone_clinic")
        return None
    context.begin(
        BookingDraft(
            mode=Mode.MOVE,
            doctor=current.doctor_id,
            appointment=current.id,
            current_start=current.starts_at,
            current_end=current.ends_at,
            patient=current.patient_id,
            patient_name=current.patient_name,
            version=current.version,
        )
    )
    return BookState.MOVE_REASON


async def choose_reason(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the reason for moving the visit from the list; offer the doctor's days."""
    draft.why, draft.note = context.payload(BookMoveWhy).why, None
    return BookState.DAY


async def type_reason(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take a typed reason for moving the visit; offer the doctor's days."""
    try:
        draft.note, draft.why = normalise_note(context.text or ""), None
    except InvalidNote:
        context.note("visit.bad_reason")
        return BookState.MOVE_REASON
    return BookState.DAY


async def move_reason_screen(
    update: Update, context: ClinicContext, draft: BookingDraft
) -> Screen:
    """The clinic moving a visit: why (a reason from the list, or typed); the patient is told."""
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None:
        return Screen(context.t("book.doctor_gone"))
    text = context.t(
        "move.ask_reason",
        patient=draft.patient_name,
        doctor=doctor.name,
        when=current_when(context, draft),
    )
    rows = rows_of(why_choices(context, BookMoveWhy), 2)
    rows.append([Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), NO)])
    return Screen(text, rows)
