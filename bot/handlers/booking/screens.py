"""The booking conversation's states, draft and screens (what each step shows).

The step handlers that move between these screens are in :mod:`bot.handlers.booking.flow`.
The same walk serves the front desk booking for a patient, and the clinic (the front desk, an
admin, the visit's doctor) moving a visit: the draft then names the patient, and each screen
says whom it is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from telegram import Update

from bot.callbacks import (
    BookAbandon,
    BookBack,
    BookDay,
    BookDaysPage,
    BookDoctor,
    BookDoctorPage,
    BookSpecialty,
    BookSpecialtyPage,
    BookTime,
    BookTimesPage,
    BookWaitlist,
    ChangeWhy,
)
from bot.choices import NO, Choice, Screen, day_keys, rows_of, time_key
from bot.context import ClinicContext
from bot.conversation import Ended
from bot.formatting import clock, day_label, long_date, policy_of, when, when_short
from bot.paging import page_line, page_of, paging_row, short
from db.booking import available_days, next_free_slots
from db.doctors import (
    DoctorView,
    SpecialtyView,
    get_doctor,
    get_specialty,
    list_doctors,
    list_specialties,
)
from db.errors import NotFound
from db.slots import Slot

DAYS_PER_PAGE = 7
DAYS_PER_ROW = 3
TIMES_PER_ROW = 4
# A day's times a page at a time: a long day (24 h of 15 min) would pass Telegram's 100 buttons.
TIMES_PER_PAGE = 48
SPECIALTIES_PER_PAGE = 10
DOCTORS_PER_PAGE = 8
ALTERNATIVES = 6


class BookState(StrEnum):
    SPECIALTY = "specialty"
    DOCTOR = "doctor"
    DAY = "day"
    TIME = "time"
    TAKEN = "taken"  # the chosen time was just taken: the next free ones
    REASON = "reason"  # why the patient is coming (optional; not when moving)
    CONFIRM = "confirm"
    MOVE_REASON = "move_reason"  # the clinic moving a visit: why (the patient is told)
    WAIT = "wait"  # a patient joining the waitlist: for which days (and which doctors)


class Mode(StrEnum):
    BOOK = "book"
    MOVE = "move"


@dataclass
class BookingDraft:
    mode: Mode = Mode.BOOK
    specialty: int | None = None
    doctor: int | None = None
    page: int = 0
    day: date | None = None
    start: datetime | None = None
    taken: datetime | None = None  # the time someone else just booked
    reason: str | None = None  # the visit's reason, as the patient typed it (cleaned)
    reason_asked: bool = False  # answered or skipped: another time goes straight to confirm
    # The pages shown of the specialties, the doctors and a day's times.
    specialty_page: int = 0
    doctor_page: int = 0
    time_page: int = 0
    # When moving: the appointment and its current time.
    appointment: int | None = None
    current_start: datetime | None = None
    current_end: datetime | None = None
    # When the clinic books for a patient, or moves their visit: the patient, and when moving,
    # the visit's version as shown and why it moves (a reason from the list, or typed).
    patient: int | None = None
    patient_name: str = ""
    version: int | None = None
    why: ChangeWhy | None = None
    note: str | None = None
    # At the waitlist step: waiting for any doctor of the specialty, not only the chosen one.
    wait_anyone: bool = False


Result = BookState | Ended | None


def patient_of(context: ClinicContext, draft: BookingDraft) -> int:
    """Whom the walk books for: the patient the clinic chose, else the chat's own patient."""
    return draft.patient if draft.patient is not None else context.me.user_id


def for_patient(context: ClinicContext, draft: BookingDraft, screen: Screen) -> Screen:
    """``screen`` with the patient it is for above it, when the clinic is acting for one."""
    if draft.patient is None:
        return screen
    return screen.with_lead(context.t("book.for_patient", patient=draft.patient_name))


# --- look-ups -----------------------------------------------------------------------------------


async def bookable_doctor(context: ClinicContext, doctor_id: int) -> DoctorView | None:
    """A doctor still taking appointments (read once per update)."""

    async def read() -> DoctorView | None:
        try:
            return await get_doctor(context.db, doctor_id, bookable=True)
        except NotFound:
            return None

    return await context.once(("bookable doctor", doctor_id), read)


async def doctor_of(context: ClinicContext, draft: BookingDraft) -> DoctorView | None:
    """The draft's doctor, if still taking appointments."""
    if draft.doctor is None:
        return None
    return await bookable_doctor(context, draft.doctor)


async def bookable_specialties(context: ClinicContext) -> list[SpecialtyView]:
    """The specialties that have a bookable doctor (read once per update)."""
    return await context.once(
        "bookable specialties", lambda: list_specialties(context.db, bookable_only=True)
    )


async def specialty_of(context: ClinicContext, specialty_id: int) -> SpecialtyView | None:
    """A specialty by id (read once per update)."""

    async def read() -> SpecialtyView | None:
        try:
            return await get_specialty(context.db, specialty_id)
        except NotFound:
            return None

    return await context.once(("specialty", specialty_id), read)


async def free_days(
    context: ClinicContext, draft: BookingDraft, doctor: DoctorView, day: date | None = None
) -> dict[date, list[Slot]]:
    """The doctor's free slots by day (only ``day`` when given) for this patient; when moving,
    the appointment's own time is not offered as a new one. Read once per update."""
    patient = patient_of(context, draft)
    days = await context.once(
        ("free days", doctor.user_id, day, draft.appointment, patient),
        lambda: available_days(
            context.db,
            doctor=doctor,
            policy=policy_of(context.settings),
            now=context.now,
            patient_id=patient,
            ignore_appointment=draft.appointment,
            first_day=day,
            last_day=day,
        ),
    )
    if draft.mode is Mode.MOVE:
        days = {
            d: [x for x in slots if x.starts_at != draft.current_start]
            for d, slots in days.items()
        }
    return {d: slots for d, slots in days.items() if slots}


def current_when(context: ClinicContext, draft: BookingDraft) -> str:
    assert draft.current_start is not None and draft.current_end is not None
    return when(context.lang, draft.current_start, draft.current_end, context.settings.timezone)


def _time_labels(slots: Sequence[Slot], context: ClinicContext) -> list[str]:
    """``09:30`` for each slot; a wall time that occurs twice (the night clocks go back) also
    shows its UTC offset, so the two buttons differ."""
    tz = context.settings.timezone
    labels = [clock(slot.starts_at, tz) for slot in slots]
    repeated = {label for label in labels if labels.count(label) > 1}
    return [
        f"{label} ({slot.starts_at.astimezone(tz).strftime('%z')[:3]})"
        if label in repeated
        else label
        for label, slot in zip(labels, slots, strict=True)
    ]


def _time_choice(context: ClinicContext, label: str, slot: Slot) -> Choice:
    local = slot.starts_at.astimezone(context.settings.timezone)
    key = time_key(local.hour * 60 + local.minute)
    return Choice(label, BookTime(flow=context.turn.flow, starts_at=slot.starts_at), (key,))


def specialty_choices(
    context: ClinicContext, specialties: Sequence[SpecialtyView]
) -> list[Choice]:
    flow = context.turn.flow
    return [Choice(sp.name, BookSpecialty(flow=flow, specialty=sp.id)) for sp in specialties]


def doctor_choices(context: ClinicContext, doctors: Sequence[DoctorView]) -> list[Choice]:
    flow = context.turn.flow
    return [Choice(d.name, BookDoctor(flow=flow, doctor=d.user_id)) for d in doctors]


async def bookable_doctors(context: ClinicContext, draft: BookingDraft) -> list[DoctorView]:
    """The bookable doctors of the draft's specialty."""
    assert draft.specialty is not None
    return await list_doctors(context.db, specialty_id=draft.specialty, bookable_only=True)


async def time_choices(
    context: ClinicContext, draft: BookingDraft, doctor: DoctorView
) -> list[Choice]:
    """A button for each free time of the draft's day with ``doctor``."""
    if draft.day is None:
        return []
    slots = (await free_days(context, draft, doctor, draft.day)).get(draft.day, [])
    labels = _time_labels(slots, context)
    return [_time_choice(context, label, slot) for label, slot in zip(labels, slots, strict=True)]


def _shortened(choices: Sequence[Choice]) -> list[Choice]:
    """The same choices with labels short enough for a button (typing the full name works)."""
    return [Choice(short(c.label), c.data, (c.label, *c.keys)) for c in choices]


# --- screens ------------------------------------------------------------------------------------


def _with_page(text: str, line: str) -> str:
    return f"{text}\n{line}" if line else text


async def specialty_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """A page of the specialties that have a bookable doctor."""
    specialties = await bookable_specialties(context)
    if not specialties:
        return Screen(context.t("book.no_specialties"))
    flow = context.turn.flow
    page = page_of(
        specialty_choices(context, specialties), draft.specialty_page, SPECIALTIES_PER_PAGE
    )
    draft.specialty_page = page.page
    rows = rows_of(_shortened(page.items), 2)
    paging = paging_row(context, page, lambda p: BookSpecialtyPage(flow=flow, page=p))
    if paging:
        rows.append(paging)
    return Screen(_with_page(context.t("book.choose_specialty"), page_line(context, page)), rows)


async def doctor_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """A page of the specialty's bookable doctors."""
    flow = context.turn.flow
    back = [Choice(context.t("book.btn.back"), BookBack(flow=flow, to="specialty"), ("back",))]
    assert draft.specialty is not None
    specialty = await specialty_of(context, draft.specialty)
    if specialty is None:
        return Screen(context.t("book.doctor_gone"), [back])
    doctors = await bookable_doctors(context, draft)
    if not doctors:
        return Screen(context.t("book.no_doctors", specialty=specialty.name), [back])
    page = page_of(doctor_choices(context, doctors), draft.doctor_page, DOCTORS_PER_PAGE)
    draft.doctor_page = page.page
    rows = [[choice] for choice in _shortened(page.items)]
    paging = paging_row(context, page, lambda p: BookDoctorPage(flow=flow, page=p))
    if paging:
        rows.append(paging)
    text = context.t("book.choose_doctor", specialty=specialty.name)
    return Screen(_with_page(text, page_line(context, page)), [*rows, back])


async def day_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    flow, language = context.turn.flow, context.lang
    doctor = await doctor_of(context, draft)
    if doctor is None:
        return Screen(context.t("book.doctor_gone"))
    days = list(await free_days(context, draft, doctor))
    zone = context.settings.timezone.key
    moving = draft.mode is Mode.MOVE
    values: dict[str, object] = {"doctor": doctor.name, "specialty": doctor.specialty}
    cancel = Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), NO)
    doctors = Choice(context.t("book.btn.doctors"), BookBack(flow=flow, to="doctor"), ("back",))
    # A patient booking for themselves may wait for a time to free up.
    wait = (
        [Choice(context.t("book.btn.waitlist"), BookWaitlist(flow=flow, anyone=False))]
        if not moving and draft.patient is None
        else []
    )
    if not days:
        horizon = context.settings.booking_horizon_days
        if moving:
            return Screen(context.t("move.no_days", days=horizon, **values), [[cancel]])
        if wait:
            text = context.t("book.no_days_wait", days=horizon, **values)
            return Screen(text, [wait, [doctors]])
        return Screen(context.t("book.no_days", days=horizon, **values), [[doctors]])
    pages = -(-len(days) // DAYS_PER_PAGE)
    page = min(max(draft.page, 0), pages - 1)
    draft.page = page
    shown = days[page * DAYS_PER_PAGE : (page + 1) * DAYS_PER_PAGE]
    today = context.now.astimezone(context.settings.timezone).date()
    rows = rows_of(
        [
            Choice(day_label(language, d), BookDay(flow=flow, day=d), day_keys(d, today))
            for d in shown
        ],
        DAYS_PER_ROW,
    )
    nav = []
    if page > 0:
        nav.append(
            Choice(
                context.t("book.btn.prev"),
                BookDaysPage(flow=flow, page=page - 1),
                ("previous", "earlier", "anterior"),
            )
        )
    if page < pages - 1:
        nav.append(
            Choice(
                context.t("book.btn.next"),
                BookDaysPage(flow=flow, page=page + 1),
                ("next", "more", "later", "siguiente", "mas"),
            )
        )
    if nav:
        rows.append(nav)
    if wait:
        rows.append(wait)
    if moving:
        rows.append([cancel])
        text = context.t("move.choose_day", when=current_when(context, draft), zone=zone, **values)
    else:
        rows.append([doctors])
        text = context.t("book.choose_day", zone=zone, **values)
    if pages > 1:
        text += "\n" + context.t("book.page", page=page + 1, pages=pages)
    return Screen(text, rows)


async def time_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.day is None:
        return Screen(context.t("book.doctor_gone"))
    other_days = Choice(
        context.t("book.btn.other_days"), BookBack(flow=flow, to="days"), ("back", "days")
    )
    choices = await time_choices(context, draft, doctor)
    if not choices:
        return Screen(context.t("book.day_full"), [[other_days]])
    page = page_of(choices, draft.time_page, TIMES_PER_PAGE)
    draft.time_page = page.page
    rows = rows_of(page.items, TIMES_PER_ROW)
    paging = paging_row(context, page, lambda p: BookTimesPage(flow=flow, page=p))
    if paging:
        rows.append(paging)
    rows.append([other_days])
    key = "move.choose_time" if draft.mode is Mode.MOVE else "book.choose_time"
    text = context.t(
        key,
        doctor=doctor.name,
        specialty=doctor.specialty,
        day=long_date(context.lang, draft.day),
        zone=context.settings.timezone.key,
    )
    return Screen(_with_page(text, page_line(context, page)), rows)


async def taken_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """The time was just taken by someone else: the next free ones, as buttons."""
    flow, tz = context.turn.flow, context.settings.timezone
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.taken is None:
        return Screen(context.t("book.doctor_gone"))
    slots = await next_free_slots(
        context.db,
        doctor=doctor,
        policy=policy_of(context.settings),
        now=context.now,
        after=draft.taken,
        patient_id=patient_of(context, draft),
        limit=ALTERNATIVES + 1,
    )
    if draft.mode is Mode.MOVE:
        slots = [slot for slot in slots if slot.starts_at != draft.current_start]
    slots = slots[:ALTERNATIVES]
    other_days = Choice(
        context.t("book.btn.other_days"), BookBack(flow=flow, to="days"), ("back", "days")
    )
    cancel = Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), NO)
    if not slots:
        return Screen(context.t("book.slot_taken_none"), [[other_days], [cancel]])
    choices = []
    for slot in slots:
        local = slot.starts_at.astimezone(tz)
        keys = (time_key(local.hour * 60 + local.minute),)
        label = when_short(context.lang, slot.starts_at, tz)
        choices.append(Choice(label, BookTime(flow=flow, starts_at=slot.starts_at), keys))
    rows = rows_of(choices, 2)
    rows += [[other_days], [cancel]]
    return Screen(context.t("book.slot_taken", doctor=doctor.name, zone=tz.key), rows)
