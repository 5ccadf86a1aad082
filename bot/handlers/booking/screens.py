"""The booking conversation's states, draft and screens (what each step shows).

The step handlers that move between these screens are in :mod:`bot.handlers.booking.flow`.
The same walk serves the front desk booking for a patient, and the clinic (the front desk, an
admin, the visit's doctor) moving a visit: the draft then names the patient, and each screen
says whom it is for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    BookEditReason,
    BookSkipReason,
    BookSpecialty,
    BookTime,
    ChangeWhy,
)
from bot.choices import NO, YES, Choice, Screen, day_keys, rows_of, time_key
from bot.clinic import change_text
from bot.context import ClinicContext
from bot.conversation import Ended, ScreenBuilder
from bot.formatting import clock, day_label, long_date, policy_of, when, when_short
from bot.handlers.booking.shared import span
from bot.handlers.frontdesk.reasons import why_label
from db.booking import MAX_REASON, available_days, next_free_slots
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
ALTERNATIVES = 6
# Typed at the reason step, these skip it (other words are the reason).
SKIP = ("skip", "omitir", "saltar")


class BookState(StrEnum):
    SPECIALTY = "specialty"
    DOCTOR = "doctor"
    DAY = "day"
    TIME = "time"
    TAKEN = "taken"  # the chosen time was just taken: the next free ones
    REASON = "reason"  # why the patient is coming (optional; not when moving)
    CONFIRM = "confirm"
    MOVE_REASON = "move_reason"  # the clinic moving a visit: why (the patient is told)


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


# --- screens ------------------------------------------------------------------------------------


async def specialty_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    specialties = await bookable_specialties(context)
    if not specialties:
        return Screen(context.t("book.no_specialties"))
    flow = context.turn.flow
    choices = [Choice(sp.name, BookSpecialty(flow=flow, specialty=sp.id)) for sp in specialties]
    return Screen(context.t("book.choose_specialty"), rows_of(choices, 2))


async def doctor_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    flow = context.turn.flow
    back = [Choice(context.t("book.btn.back"), BookBack(flow=flow, to="specialty"), ("back",))]
    assert draft.specialty is not None
    specialty = await specialty_of(context, draft.specialty)
    if specialty is None:
        return Screen(context.t("book.doctor_gone"), [back])
    doctors = await list_doctors(context.db, specialty_id=specialty.id, bookable_only=True)
    if not doctors:
        return Screen(context.t("book.no_doctors", specialty=specialty.name), [back])
    rows = [[Choice(d.name, BookDoctor(flow=flow, doctor=d.user_id))] for d in doctors]
    return Screen(context.t("book.choose_doctor", specialty=specialty.name), [*rows, back])


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
    if not days:
        horizon = context.settings.booking_horizon_days
        if moving:
            return Screen(context.t("move.no_days", days=horizon, **values), [[cancel]])
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
    slots = (await free_days(context, draft, doctor, draft.day)).get(draft.day, [])
    if not slots:
        return Screen(context.t("book.day_full"), [[other_days]])
    choices = [
        _time_choice(context, label, slot)
        for label, slot in zip(_time_labels(slots, context), slots, strict=True)
    ]
    rows = rows_of(choices, TIMES_PER_ROW)
    rows.append([other_days])
    key = "move.choose_time" if draft.mode is Mode.MOVE else "book.choose_time"
    text = context.t(
        key,
        doctor=doctor.name,
        specialty=doctor.specialty,
        day=long_date(context.lang, draft.day),
        zone=context.settings.timezone.key,
    )
    return Screen(text, rows)


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


def _chosen(context: ClinicContext, doctor: DoctorView, start: datetime) -> dict[str, object]:
    end = start + timedelta(minutes=doctor.slot_minutes)
    return {
        "doctor": doctor.name,
        "specialty": doctor.specialty,
        "when": when(context.lang, start, end, context.settings.timezone),
    }


async def reason_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """Why the patient is coming: typed, or skipped (only the Skip button is matched by typing;
    any other text is the reason)."""
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.start is None:
        return Screen(context.t("book.doctor_gone"))
    text = context.t("book.reason_ask", limit=MAX_REASON, **_chosen(context, doctor, draft.start))
    if draft.reason:
        text += context.t("book.reason_now", reason=draft.reason)
    rows = [
        [Choice(context.t("book.btn.skip"), BookSkipReason(flow=flow), SKIP)],
        [
            Choice(context.t("book.btn.change_time"), BookChangeTime(flow=flow), typed=False),
            Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), typed=False),
        ],
    ]
    return Screen(text, rows)


async def confirm_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.start is None:
        return Screen(context.t("book.doctor_gone"))
    values = _chosen(context, doctor, draft.start)
    if draft.mode is Mode.MOVE and draft.patient is not None:
        text = context.t(
            "move.confirm_for",
            old=current_when(context, draft),
            patient=draft.patient_name,
            reason=why_label(context, draft.why, draft.note),
            **values,
        )
    elif draft.mode is Mode.MOVE:
        text = context.t("move.confirm", old=current_when(context, draft), **values)
    elif draft.patient is not None:
        text = context.t("book.confirm_for", patient=draft.patient_name, **values)
        if draft.reason:
            text += context.t("book.reason_line", reason=draft.reason)
    else:
        text = context.t("book.confirm", **values)
        if draft.reason:
            text += context.t("book.reason_line", reason=draft.reason)
    window = context.settings.cancel_window
    if draft.start - context.now < window:
        # Inside the cancellation window: once booked, only the clinic can change it.
        call = change_text(context.lang, context.settings.clinic)
        text += context.t("book.window_warning", window=span(context, window), call=call)
    change = [Choice(context.t("book.btn.change_time"), BookChangeTime(flow=flow), ("change",))]
    if draft.mode is Mode.BOOK:
        change.append(Choice(context.t("book.btn.reason"), BookEditReason(flow=flow)))
    change.append(Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), NO))
    rows = [[Choice(context.t("book.btn.confirm"), BookConfirm(flow=flow), YES)], change]
    return Screen(text, rows)


def addressed(builder: ScreenBuilder[BookingDraft]) -> ScreenBuilder[BookingDraft]:
    """``builder``'s screen with the patient it is for above it (see :func:`for_patient`)."""

    async def build(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
        return for_patient(context, draft, await builder(update, context, draft))

    return build
