"""/book and Reschedule: specialty → doctor → day → time → reason → confirm, on one message.

The visit's reason is optional (typed, or skipped) and asked only when booking; a reschedule
is the same conversation started at the day, for the appointment's doctor. Every
id a button carries is checked again here (a doctor still bookable, a slot still free) and by
the booking use cases, which the database's constraints back. The states, draft and screens
are in :mod:`bot.handlers.booking.screens`.

The clinic walks the same conversation for a patient: the front desk or an admin booking for
one, and the front desk, an admin or the visit's doctor moving a visit, which first asks why
(their entries are in :mod:`bot.handlers.booking.clinic`). The use cases authorise each of them
again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from telegram import Update

from bot.callbacks import (
    BookAbandon,
    BookBack,
    BookChangeTime,
    BookConfirm,
    BookDay,
    BookDaysPage,
    BookDoctor,
    BookDoctorPage,
    BookEditReason,
    BookMoveWhy,
    BookSkipReason,
    BookSpecialty,
    BookSpecialtyPage,
    BookTime,
    BookTimesPage,
    BookWaitlist,
    BookWaitSpan,
    Reschedule,
)
from bot.clinic import call_text
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import policy_of
from bot.handlers.booking.clinic import choose_reason, move_reason_screen, type_reason
from bot.handlers.booking.confirm import addressed, confirm_screen, reason_screen
from bot.handlers.booking.lists import (
    turn_doctor_page,
    turn_specialty_page,
    turn_times_page,
    type_doctor,
    type_specialty,
    type_time,
)
from bot.handlers.booking.screens import (
    BookingDraft,
    BookState,
    Mode,
    Result,
    bookable_doctor,
    bookable_specialties,
    day_screen,
    doctor_of,
    doctor_screen,
    free_days,
    patient_of,
    specialty_of,
    specialty_screen,
    taken_screen,
    time_screen,
)
from bot.handlers.booking.shared import alert_refusal, change_refusal, described, moved_values
from bot.handlers.booking.waiting import choose_span, open_waitlist, wait_screen
from bot.handlers.frontdesk.reasons import why_label, why_of
from bot.handlers.frontdesk.shared import find_patient_to_book
from bot.routes import Button, Command, Routes, roles
from db.booking import (
    MAX_REASON,
    Actor,
    ChangedMeanwhile,
    NotChangeable,
    PatientOverlap,
    ReasonTooLong,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooManyUpcoming,
    book,
    check_changeable,
    clean_reason,
    reschedule,
    upcoming_count,
)
from db.doctors import get_doctor
from db.errors import NotFound
from db.models import Role

PATIENTS = roles(Role.PATIENT)
# /book: patients book for themselves, the front desk and admins for a patient.
BOOKERS = roles(Role.PATIENT, Role.STAFF, Role.ADMIN)
# The conversation: also the visit's doctor, moving it.
WALKERS = roles(Role.PATIENT, Role.STAFF, Role.ADMIN, Role.DOCTOR)


def _gone(context: ClinicContext, draft: BookingDraft) -> Ended:
    if draft.mode is Mode.MOVE:
        if draft.patient is not None:
            context.show_text("move.doctor_gone_clinic")
        else:
            context.show_text(
                "move.doctor_gone", call=call_text(context.lang, context.settings.clinic)
            )
    else:
        context.show_text("book.doctor_gone")
    return END


# --- entries ------------------------------------------------------------------------------------


async def start_booking(update: Update, context: ClinicContext) -> StrEnum | None:
    """/book: offer the specialties that have a bookable doctor; for the front desk and
    admins, first find the patient to book for."""
    if context.me.role is not Role.PATIENT:
        return find_patient_to_book(context)
    policy = policy_of(context.settings)
    upcoming = await upcoming_count(context.db, patient_id=context.me.user_id, now=context.now)
    if upcoming >= policy.max_upcoming:
        context.reply("book.limit_reached", limit=policy.max_upcoming)
        return None
    if not await bookable_specialties(context):
        context.reply("book.no_specialties")
        return None
    context.begin(BookingDraft())
    return BookState.SPECIALTY


async def start_rescheduling(update: Update, context: ClinicContext) -> BookState | None:
    """Reschedule: if the appointment is the patient's and may move, offer new days."""
    appointment = context.payload(Reschedule).appointment
    me = context.me
    try:
        current = await check_changeable(
            context.db,
            appointment_id=appointment,
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
        context.alert("move.doctor_gone", call=call_text(context.lang, context.settings.clinic))
        return None
    context.begin(
        BookingDraft(
            mode=Mode.MOVE,
            doctor=current.doctor_id,
            appointment=current.id,
            current_start=current.starts_at,
            current_end=current.ends_at,
        )
    )
    return BookState.DAY


# --- steps --------------------------------------------------------------------------------------


async def choose_specialty(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the specialty; offer its doctors."""
    specialty = context.payload(BookSpecialty).specialty
    if await specialty_of(context, specialty) is None:
        context.toast("book.doctor_gone")
        return BookState.SPECIALTY
    draft.specialty, draft.doctor_page = specialty, 0
    return BookState.DOCTOR


async def choose_doctor(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the doctor; offer their days with a free time."""
    doctor = await bookable_doctor(context, context.payload(BookDoctor).doctor)
    if doctor is None:
        context.alert("book.doctor_gone")
        return BookState.DOCTOR
    draft.doctor, draft.specialty, draft.page = doctor.user_id, doctor.specialty_id, 0
    return BookState.DAY


async def go_back(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """‹ Back / ‹ Doctors / ‹ Other days."""
    to = context.payload(BookBack).to
    if to == "specialty":
        return BookState.SPECIALTY
    if to == "doctor":
        if draft.mode is Mode.MOVE:
            return BookState.DAY
        return BookState.DOCTOR
    draft.start = None
    return BookState.DAY


async def turn_page(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Another page of days."""
    draft.page = context.payload(BookDaysPage).page
    return BookState.DAY


async def choose_day(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the day; offer its free times."""
    day = context.payload(BookDay).day
    doctor = await doctor_of(context, draft)
    if doctor is None:
        return _gone(context, draft)
    if not (await free_days(context, draft, doctor, day)).get(day):
        context.note("book.day_full")
        return BookState.DAY
    draft.day, draft.time_page = day, 0
    return BookState.TIME


async def choose_time(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the time (if still free); ask to confirm."""
    starts_at = context.payload(BookTime).starts_at
    doctor = await doctor_of(context, draft)
    if doctor is None:
        return _gone(context, draft)
    day = starts_at.astimezone(context.settings.timezone).date()
    slots = (await free_days(context, draft, doctor, day)).get(day, [])
    if not any(slot.starts_at == starts_at for slot in slots):
        context.toast("book.time_gone")
        if slots:
            draft.day = day
            return BookState.TIME
        context.note("book.day_full")
        return BookState.DAY
    draft.day, draft.start = day, starts_at
    if draft.mode is Mode.BOOK and not draft.reason_asked:
        return BookState.REASON
    return BookState.CONFIRM


async def take_reason(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """A typed reason for the visit (at most 200 characters); then confirm."""
    try:
        reason = clean_reason(context.text)
    except ReasonTooLong as exc:
        context.note("book.reason_too_long", length=exc.length, limit=MAX_REASON)
        return BookState.REASON
    if reason is None:
        return BookState.REASON
    draft.reason, draft.reason_asked = reason, True
    return BookState.CONFIRM if draft.start is not None else BookState.TIME


async def skip_reason(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Skip: no reason for the visit; then confirm."""
    draft.reason, draft.reason_asked = None, True
    return BookState.CONFIRM if draft.start is not None else BookState.TIME


async def edit_reason(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """📝 Reason on the confirmation: back to the reason step."""
    return BookState.REASON


async def change_time(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Back from the confirmation to the day's times."""
    draft.start = None
    return BookState.TIME


async def confirm(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Book (or move to) the chosen time."""
    if draft.start is None:
        return BookState.TIME
    if draft.mode is Mode.MOVE:
        return await _move(context, draft, draft.start)
    return await _book(context, draft, draft.start)


async def _book(context: ClinicContext, draft: BookingDraft, starts_at: datetime) -> Result:
    assert draft.doctor is not None
    me = context.me
    if draft.patient is None and me.role is not Role.PATIENT:
        return _gone(context, draft)  # a walk begun as a patient by an account now staff
    try:
        booked = await book(
            context.db,
            patient_id=patient_of(context, draft),
            doctor_id=draft.doctor,
            starts_at=starts_at,
            policy=policy_of(context.settings),
            now=context.now,
            actor=Actor(me.user_id, me.role),
            reason=draft.reason,
        )
    except SlotTaken:
        draft.start, draft.taken = None, starts_at
        return BookState.TAKEN
    except (SlotUnavailable, PatientOverlap) as exc:
        draft.start = None
        if draft.patient is not None and isinstance(exc, PatientOverlap):
            context.note("book.patient_overlap_for", patient=draft.patient_name)
        else:
            context.note(f"book.{exc.code}")
        return BookState.DAY
    except ReasonTooLong as exc:
        context.note("book.reason_too_long", length=exc.length, limit=MAX_REASON)
        return BookState.REASON
    except TooManyUpcoming as exc:
        if draft.patient is not None:
            context.show_text("book.too_many_for", patient=draft.patient_name, limit=exc.limit)
        else:
            context.show_text("book.too_many", limit=exc.limit)
        return END
    except NotFound:
        return _gone(context, draft)
    if draft.patient is not None:
        context.show_text(
            "book.done_for", patient=draft.patient_name, **described(context, booked)
        )
    else:
        context.show_text("book.done", **described(context, booked))
    return END


async def _move(context: ClinicContext, draft: BookingDraft, starts_at: datetime) -> Result:
    assert draft.appointment is not None
    me = context.me
    try:
        moved, old_start = await reschedule(
            context.db,
            appointment_id=draft.appointment,
            actor=Actor(me.user_id, me.role),
            new_start=starts_at,
            policy=policy_of(context.settings),
            now=context.now,
            why=why_of(draft.why, draft.note),
            expected_version=draft.version,
        )
    except SlotTaken:
        draft.start, draft.taken = None, starts_at
        return BookState.TAKEN
    except (SlotUnavailable, PatientOverlap) as exc:
        draft.start = None
        if draft.patient is not None and isinstance(exc, PatientOverlap):
            context.note("book.patient_overlap_for", patient=draft.patient_name)
        else:
            context.note(f"book.{exc.code}")
        return BookState.DAY
    except ChangedMeanwhile:
        context.show_text("visit.changed")
        return END
    except NotFound:
        # The appointment was the patient's when the draft began (and is never deleted):
        # what went away is the doctor.
        return _gone(context, draft)
    except (TooLateToChange, NotChangeable) as exc:
        key, values = change_refusal(context, exc)
        context.show_text(key, **values)
        return END
    values = moved_values(context, moved, old_start)
    if draft.patient is not None:
        reason = why_label(context, draft.why, draft.note)
        context.show_text("move.done_for", patient=draft.patient_name, reason=reason, **values)
    else:
        context.show_text("move.done", **values)
    return END


async def abandon(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """The conversation's Cancel: nothing is booked or moved."""
    if draft.mode is Mode.MOVE:
        context.show_text("move.cancelled_for" if draft.patient else "move.cancelled")
    else:
        context.show_text("book.cancelled")
    return END


BOOKING = Conversation(
    "booking",
    BookState,
    BookingDraft,
    {
        BookState.SPECIALTY: Step(
            addressed(specialty_screen),
            {BookSpecialty: choose_specialty, BookSpecialtyPage: turn_specialty_page},
            text=type_specialty,
        ),
        BookState.DOCTOR: Step(
            addressed(doctor_screen),
            {BookDoctor: choose_doctor, BookDoctorPage: turn_doctor_page, BookBack: go_back},
            text=type_doctor,
        ),
        BookState.DAY: Step(
            addressed(day_screen),
            {
                BookDay: choose_day,
                BookDaysPage: turn_page,
                BookBack: go_back,
                BookWaitlist: open_waitlist,
            },
        ),
        BookState.TIME: Step(
            addressed(time_screen),
            {BookTime: choose_time, BookTimesPage: turn_times_page, BookBack: go_back},
            text=type_time,
        ),
        BookState.TAKEN: Step(addressed(taken_screen), {BookTime: choose_time, BookBack: go_back}),
        BookState.REASON: Step(
            addressed(reason_screen),
            {BookSkipReason: skip_reason, BookChangeTime: change_time},
            text=take_reason,
        ),
        BookState.CONFIRM: Step(
            addressed(confirm_screen),
            {BookConfirm: confirm, BookChangeTime: change_time, BookEditReason: edit_reason},
        ),
        BookState.MOVE_REASON: Step(
            move_reason_screen, {BookMoveWhy: choose_reason}, text=type_reason
        ),
        BookState.WAIT: Step(
            wait_screen,
            {BookWaitSpan: choose_span, BookWaitlist: open_waitlist, BookBack: go_back},
        ),
    },
    roles=WALKERS,
    anywhere={BookAbandon: abandon},
)

ROUTES = Routes(
    commands=[Command("book", start_booking, roles=BOOKERS)],
    buttons=[Button(Reschedule, start_rescheduling, roles=PATIENTS)],
    conversations=[BOOKING],
)
