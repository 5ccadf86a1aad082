"""/book and Reschedule: specialty → doctor → day → time → confirm, on one message.

A reschedule is the same conversation started at the day, for the appointment's doctor. Every
id a button carries is checked again here (a doctor still bookable, a slot still free) and by
the booking use cases, which the database's constraints back. The states, draft and screens
are in :mod:`bot.handlers.booking.screens`.
"""

from __future__ import annotations

from datetime import datetime

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
    BookSpecialty,
    BookSpecialtyPage,
    BookTime,
    BookTimesPage,
    Reschedule,
)
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import policy_of, when
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
    confirm_screen,
    day_screen,
    doctor_of,
    doctor_screen,
    free_days,
    specialty_screen,
    taken_screen,
    time_screen,
)
from bot.handlers.booking.shared import change_refusal, described
from bot.routes import Button, Command, Routes, roles
from db.booking import (
    Actor,
    NotChangeable,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooManyUpcoming,
    book,
    check_changeable,
    reschedule,
    upcoming_count,
)
from db.doctors import get_doctor, get_specialty, list_specialties
from db.errors import NotFound
from db.models import Role

PATIENTS = roles(Role.PATIENT)


def _gone(context: ClinicContext, draft: BookingDraft) -> Ended:
    context.show_text("move.doctor_gone" if draft.mode is Mode.MOVE else "book.doctor_gone")
    return END


# --- entries ------------------------------------------------------------------------------------


async def start_booking(update: Update, context: ClinicContext) -> BookState | None:
    """/book: offer the specialties that have a bookable doctor."""
    policy = policy_of(context.settings)
    upcoming = await upcoming_count(context.db, patient_id=context.me.user_id, now=context.now)
    if upcoming >= policy.max_upcoming:
        context.reply("book.limit_reached", limit=policy.max_upcoming)
        return None
    if not await list_specialties(context.db, bookable_only=True):
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
        key, values = change_refusal(context, exc)
        context.alert(key, **values)
        return None
    try:
        await get_doctor(context.db, current.doctor_id, bookable=True)
    except NotFound:
        context.alert("move.doctor_gone")
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
    try:
        await get_specialty(context.db, specialty)
    except NotFound:
        context.toast("book.doctor_gone")
        return BookState.SPECIALTY
    draft.specialty, draft.doctor_page = specialty, 0
    return BookState.DOCTOR


async def choose_doctor(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Take the doctor; offer their days with a free time."""
    try:
        doctor = await get_doctor(context.db, context.payload(BookDoctor).doctor, bookable=True)
    except NotFound:
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
    return BookState.CONFIRM


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
    try:
        booked = await book(
            context.db,
            patient_id=context.me.user_id,
            doctor_id=draft.doctor,
            starts_at=starts_at,
            policy=policy_of(context.settings),
            now=context.now,
        )
    except SlotTaken:
        draft.start, draft.taken = None, starts_at
        return BookState.TAKEN
    except (SlotUnavailable, PatientOverlap) as exc:
        draft.start = None
        context.note(f"book.{exc.code}")
        return BookState.DAY
    except TooManyUpcoming as exc:
        context.show_text("book.too_many", limit=exc.limit)
        return END
    except NotFound:
        return _gone(context, draft)
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
        )
    except SlotTaken:
        draft.start, draft.taken = None, starts_at
        return BookState.TAKEN
    except (SlotUnavailable, PatientOverlap) as exc:
        draft.start = None
        context.note(f"book.{exc.code}")
        return BookState.DAY
    except NotFound:
        # The appointment was the patient's when the draft began (and is never deleted):
        # what went away is the doctor.
        return _gone(context, draft)
    except (TooLateToChange, NotChangeable) as exc:
        key, values = change_refusal(context, exc)
        context.show_text(key, **values)
        return END
    old_end = old_start + (moved.ends_at - moved.starts_at)
    values = described(context, moved)
    values["old"] = when(context.lang, old_start, old_end, context.settings.timezone)
    context.show_text("move.done", **values)
    return END


async def abandon(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """The conversation's Cancel: nothing is booked or moved."""
    context.show_text("move.cancelled" if draft.mode is Mode.MOVE else "book.cancelled")
    return END


BOOKING = Conversation(
    "booking",
    BookState,
    BookingDraft,
    {
        BookState.SPECIALTY: Step(
            specialty_screen,
            {BookSpecialty: choose_specialty, BookSpecialtyPage: turn_specialty_page},
            text=type_specialty,
        ),
        BookState.DOCTOR: Step(
            doctor_screen,
            {BookDoctor: choose_doctor, BookDoctorPage: turn_doctor_page, BookBack: go_back},
            text=type_doctor,
        ),
        BookState.DAY: Step(
            day_screen, {BookDay: choose_day, BookDaysPage: turn_page, BookBack: go_back}
        ),
        BookState.TIME: Step(
            time_screen,
            {BookTime: choose_time, BookTimesPage: turn_times_page, BookBack: go_back},
            text=type_time,
        ),
        BookState.TAKEN: Step(taken_screen, {BookTime: choose_time, BookBack: go_back}),
        BookState.CONFIRM: Step(
            confirm_screen, {BookConfirm: confirm, BookChangeTime: change_time}
        ),
    },
    roles=PATIENTS,
    anywhere={BookAbandon: abandon},
)

ROUTES = Routes(
    commands=[Command("book", start_booking, roles=PATIENTS)],
    buttons=[Button(Reschedule, start_rescheduling, roles=PATIENTS)],
    conversations=[BOOKING],
)
