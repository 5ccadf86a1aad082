"""The booking conversation's long lists: the specialties, a specialty's doctors and a day's
times are shown a page at a time; a typed answer names any item of the list, whatever page
is shown ("cardio", "house", "17:30")."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import BookDoctorPage, BookSpecialtyPage, BookTimesPage
from bot.choices import Choice
from bot.context import ClinicContext
from bot.conversation import Ended
from bot.handlers.booking.screens import (
    BookingDraft,
    BookState,
    Result,
    bookable_doctors,
    doctor_choices,
    doctor_of,
    specialty_choices,
    time_choices,
)
from bot.paging import pick_typed
from db.doctors import list_specialties


async def turn_specialty_page(
    update: Update, context: ClinicContext, draft: BookingDraft
) -> Result:
    """◀ / ▶ in the specialties."""
    draft.specialty_page = context.payload(BookSpecialtyPage).page
    return BookState.SPECIALTY


async def turn_doctor_page(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """◀ / ▶ in the doctors."""
    draft.doctor_page = context.payload(BookDoctorPage).page
    return BookState.DOCTOR


async def turn_times_page(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """◀ / ▶ in a day's times."""
    draft.time_page = context.payload(BookTimesPage).page
    return BookState.TIME


async def _typed(
    update: Update, context: ClinicContext, draft: BookingDraft, choices: list[Choice]
) -> Result:
    result = await pick_typed(update, context, draft, choices)
    assert result is None or isinstance(result, BookState | Ended)
    return result


async def type_specialty(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """A specialty typed: any of the list, not only those on the page shown."""
    specialties = await list_specialties(context.db, bookable_only=True)
    return await _typed(update, context, draft, specialty_choices(context, specialties))


async def type_doctor(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """A doctor typed: any of the specialty's, not only those on the page shown."""
    doctors = await bookable_doctors(context, draft)
    return await _typed(update, context, draft, doctor_choices(context, doctors))


async def type_time(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """A time typed ("17:30", "5:30pm"): any of the day's, not only those on the page shown."""
    doctor = await doctor_of(context, draft)
    choices = await time_choices(context, draft, doctor) if doctor is not None else []
    return await _typed(update, context, draft, choices)
