"""Patients in chat: /book, /appointments, cancelling and rescheduling.

Booking and rescheduling are one conversation (specialty → doctor → day → time → confirm; a
reschedule starts at the day), all on one message edited in place. Callback data carries ids
only, and every id is checked again on the server:

- ``bk:s:<specialty>``, ``bk:d:<doctor>``, ``bk:p:<page>``, ``bk:day:<yyyymmdd>``,
  ``bk:t:<unix seconds>``, ``bk:back:s|d|p``, ``bk:ok``, ``bk:chg``, ``bk:x``: the
  conversation's steps, valid only on the conversation's own message;
- ``ap:c:<id>`` (cancel?), ``ap:cy:<id>`` (yes), ``ap:ck:<id>`` (keep it), ``ap:r:<id>``
  (reschedule), ``ap:past``: an appointment's buttons, valid wherever they are shown (the
  appointment list and the reminders), since they act on the server's state alone.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import ClinicContext
from bot.formatting import (
    clock,
    day_key,
    day_label,
    long_date,
    parse_day_key,
    policy_of,
    when,
    when_short,
)
from bot.guard import answer, lang, refuse, requires
from bot.handlers.common import cancel_conversation, conversation_busy, expects_button
from bot.jobs import kick_deliveries
from bot.notify import tell_doctor
from bot.texts import t
from db.booking import (
    Actor,
    AppointmentView,
    BookingPolicy,
    NotChangeable,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooManyUpcoming,
    appointment_view,
    available_days,
    book,
    cancel,
    check_changeable,
    next_free_slots,
    past_for_patient,
    reschedule,
    upcoming_count,
    upcoming_for_patient,
)
from db.doctors import DoctorView, get_doctor, get_specialty, list_doctors, list_specialties
from db.errors import DomainError, NotFound
from db.models import AppointmentStatus, Role
from db.slots import Slot

log = logging.getLogger(__name__)

# The booking conversation's states.
CHOOSE_SPECIALTY, CHOOSE_DOCTOR, CHOOSE_DAY, CHOOSE_TIME, CONFIRM = range(20, 25)

# The conversation's scratch answers: ids, a day key and instants as unix seconds (JSON-safe,
# kept in PostgreSQL across restarts), plus the id of the message the conversation lives on.
DRAFT = "draft_booking"
BOOK, MOVE = "book", "move"

DAYS_PER_PAGE = 7
DAYS_PER_ROW = 3
TIMES_PER_ROW = 4
ALTERNATIVES = 6

RESCHEDULE_PATTERN = r"^ap:r:\d+$"
CANCEL_PATTERN = r"^ap:c:\d+$"

Draft = dict[str, Any]
Step = Callable[[Update, ClinicContext, Draft], Awaitable[int | None]]


# --- small helpers -------------------------------------------------------------------------------


def _t(update: Update, context: ClinicContext, key: str, /, **values: object) -> str:
    return t(lang(update, context), key, **values)


def _keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _rows(buttons: Sequence[tuple[str, str]], per_row: int) -> list[list[tuple[str, str]]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _tail(update: Update) -> str:
    """The last field of the pressed button's data."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.rsplit(":", 1)[1]


def _number(update: Update) -> int:
    """The id at the end of the pressed button's data (its pattern guarantees digits)."""
    return int(_tail(update))


def _policy(context: ClinicContext) -> BookingPolicy:
    return policy_of(context.settings)


def _now(context: ClinicContext) -> datetime:
    return context.services.clock.now()


def _me(context: ClinicContext) -> int:
    principal = context.principal
    assert principal is not None
    return principal.user_id


def _actor(context: ClinicContext) -> Actor:
    principal = context.principal
    assert principal is not None
    return Actor(principal.user_id, principal.role)


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _span(language: str, window: timedelta) -> str:
    """``2 hours`` / ``90 minutes``: the cancellation window as people say it."""
    minutes = int(window.total_seconds()) // 60
    if minutes == 60:
        return t(language, "appts.one_hour")
    if minutes % 60 == 0:
        return t(language, "appts.hours", n=minutes // 60)
    return t(language, "appts.minutes", n=minutes)


async def _show(
    update: Update, context: ClinicContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> int | None:
    """Edit the message whose button was pressed (or send one); the id of the message shown."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return query.message.message_id
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return query.message.message_id
            log.debug("could not edit, sending instead: %s", exc)
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await context.bot.send_message(chat.id, text, reply_markup=markup)
    return sent.message_id


def _step(func: Step) -> Callable[[Update, ClinicContext], Coroutine[Any, Any, int | None]]:
    """A button of the conversation: the patient's session is verified, and the button must be
    on the conversation's own message (one from an earlier /book is answered as stale)."""

    @requires(Role.PATIENT)
    @functools.wraps(func)
    async def step(update: Update, context: ClinicContext) -> int | None:
        draft = context.user_data.get(DRAFT)
        if not isinstance(draft, dict):
            await answer(update, context)
            await _show(update, context, _t(update, context, "common.conversation_lost"))
            return ConversationHandler.END
        query = update.callback_query
        if query is None or query.message is None or query.message.message_id != draft.get("msg"):
            await answer(update, context, "common.stale_button")
            return None
        return await func(update, context, draft)

    return step


async def _finish(update: Update, context: ClinicContext, text: str) -> int:
    """End the conversation with ``text`` on its message."""
    context.user_data.pop(DRAFT, None)
    await _show(update, context, text)
    return ConversationHandler.END


# --- the steps' views ----------------------------------------------------------------------------


async def _offer_specialties(update: Update, context: ClinicContext, draft: Draft) -> int:
    async with context.services.transaction() as s:
        specialties = await list_specialties(s, bookable_only=True)
    if not specialties:
        return await _finish(update, context, _t(update, context, "book.no_specialties"))
    buttons = [(specialty.name, f"bk:s:{specialty.id}") for specialty in specialties]
    text = _t(update, context, "book.choose_specialty")
    draft["msg"] = await _show(update, context, text, _keyboard(_rows(buttons, 2)))
    return CHOOSE_SPECIALTY


async def _offer_doctors(update: Update, context: ClinicContext, draft: Draft) -> int:
    async with context.services.transaction() as s:
        try:
            specialty = await get_specialty(s, draft["specialty"])
        except NotFound:
            specialty = None
        doctors = await list_doctors(s, specialty_id=draft["specialty"], bookable_only=True)
    if specialty is None:
        return await _offer_specialties(update, context, draft)
    back = [(_t(update, context, "book.btn.back"), "bk:back:s")]
    if not doctors:
        text = _t(update, context, "book.no_doctors", specialty=specialty.name)
        draft["msg"] = await _show(update, context, text, _keyboard([back]))
        return CHOOSE_DOCTOR
    rows = [[(doctor.name, f"bk:d:{doctor.user_id}")] for doctor in doctors]
    text = _t(update, context, "book.choose_doctor", specialty=specialty.name)
    draft["msg"] = await _show(update, context, text, _keyboard([*rows, back]))
    return CHOOSE_DOCTOR


async def _doctor(context: ClinicContext, draft: Draft) -> DoctorView | None:
    """The draft's doctor, if still taking appointments."""
    async with context.services.transaction() as s:
        try:
            return await get_doctor(s, draft["doctor"], bookable=True)
        except NotFound:
            return None


async def _free_days(
    context: ClinicContext, draft: Draft, doctor: DoctorView, day: date | None = None
) -> dict[date, list[Slot]]:
    """The doctor's free slots by day (only ``day`` when given) for this patient; when moving,
    the appointment's own time is not offered as a new one."""
    async with context.services.transaction() as s:
        days = await available_days(
            s,
            doctor=doctor,
            policy=_policy(context),
            now=_now(context),
            patient_id=_me(context),
            ignore_appointment=draft.get("appointment"),
            first_day=day,
            last_day=day,
        )
    if draft["mode"] == MOVE:
        current = _instant(draft["from"])
        days = {d: [x for x in slots if x.starts_at != current] for d, slots in days.items()}
    return {d: slots for d, slots in days.items() if slots}


def _current_when(update: Update, context: ClinicContext, draft: Draft) -> str:
    tz = context.settings.timezone
    language = lang(update, context)
    return when(language, _instant(draft["from"]), _instant(draft["until"]), tz)


async def _doctor_gone(update: Update, context: ClinicContext, draft: Draft) -> int:
    key = "move.doctor_gone" if draft["mode"] == MOVE else "book.doctor_gone"
    return await _finish(update, context, _t(update, context, key))


async def _offer_days(
    update: Update, context: ClinicContext, draft: Draft, notice: str | None = None
) -> int:
    doctor = await _doctor(context, draft)
    if doctor is None:
        return await _doctor_gone(update, context, draft)
    days = list(await _free_days(context, draft, doctor))
    language = lang(update, context)
    zone = context.settings.timezone.key
    moving = draft["mode"] == MOVE
    lead = f"{t(language, notice)}\n\n" if notice else ""
    values: dict[str, object] = {"doctor": doctor.name, "specialty": doctor.specialty}
    if not days:
        horizon = context.settings.booking_horizon_days
        if moving:
            text = lead + t(language, "move.no_days", days=horizon, **values)
            return await _finish(update, context, text)
        text = lead + t(language, "book.no_days", days=horizon, **values)
        back = [(t(language, "book.btn.doctors"), "bk:back:d")]
        draft["msg"] = await _show(update, context, text, _keyboard([back]))
        return CHOOSE_DAY
    pages = -(-len(days) // DAYS_PER_PAGE)
    page = min(max(int(draft.get("page", 0)), 0), pages - 1)
    draft["page"] = page
    shown = days[page * DAYS_PER_PAGE : (page + 1) * DAYS_PER_PAGE]
    rows = _rows([(day_label(language, d), f"bk:day:{day_key(d)}") for d in shown], DAYS_PER_ROW)
    nav = []
    if page > 0:
        nav.append((t(language, "book.btn.prev"), f"bk:p:{page - 1}"))
    if page < pages - 1:
        nav.append((t(language, "book.btn.next"), f"bk:p:{page + 1}"))
    if nav:
        rows.append(nav)
    if moving:
        rows.append([(t(language, "book.btn.cancel"), "bk:x")])
        text = t(
            language,
            "move.choose_day",
            when=_current_when(update, context, draft),
            zone=zone,
            **values,
        )
    else:
        rows.append([(t(language, "book.btn.doctors"), "bk:back:d")])
        text = t(language, "book.choose_day", zone=zone, **values)
    if pages > 1:
        text += "\n" + t(language, "book.page", page=page + 1, pages=pages)
    draft["msg"] = await _show(update, context, lead + text, _keyboard(rows))
    return CHOOSE_DAY


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


async def _offer_times(update: Update, context: ClinicContext, draft: Draft, day: date) -> int:
    doctor = await _doctor(context, draft)
    if doctor is None:
        return await _doctor_gone(update, context, draft)
    slots = (await _free_days(context, draft, doctor, day)).get(day, [])
    if not slots:
        return await _offer_days(update, context, draft, notice="book.day_full")
    language = lang(update, context)
    draft["day"] = day_key(day)
    buttons = [
        (label, f"bk:t:{_seconds(slot.starts_at)}")
        for label, slot in zip(_time_labels(slots, context), slots, strict=True)
    ]
    rows = _rows(buttons, TIMES_PER_ROW)
    rows.append([(t(language, "book.btn.other_days"), "bk:back:p")])
    key = "move.choose_time" if draft["mode"] == MOVE else "book.choose_time"
    text = t(
        language,
        key,
        doctor=doctor.name,
        specialty=doctor.specialty,
        day=long_date(language, day),
        zone=context.settings.timezone.key,
    )
    draft["msg"] = await _show(update, context, text, _keyboard(rows))
    return CHOOSE_TIME


async def _offer_confirmation(
    update: Update, context: ClinicContext, draft: Draft, doctor: DoctorView, slot: Slot
) -> int:
    language = lang(update, context)
    tz = context.settings.timezone
    values: dict[str, object] = {
        "doctor": doctor.name,
        "specialty": doctor.specialty,
        "when": when(language, slot.starts_at, slot.ends_at, tz),
    }
    if draft["mode"] == MOVE:
        text = t(language, "move.confirm", old=_current_when(update, context, draft), **values)
    else:
        text = t(language, "book.confirm", **values)
    rows = [
        [(t(language, "book.btn.confirm"), "bk:ok")],
        [
            (t(language, "book.btn.change_time"), "bk:chg"),
            (t(language, "book.btn.cancel"), "bk:x"),
        ],
    ]
    draft["start"] = _seconds(slot.starts_at)
    draft["msg"] = await _show(update, context, text, _keyboard(rows))
    return CONFIRM


async def _offer_alternatives(
    update: Update, context: ClinicContext, draft: Draft, after: datetime
) -> int:
    """The chosen time was just taken: the next free ones, as buttons."""
    draft.pop("start", None)
    doctor = await _doctor(context, draft)
    if doctor is None:
        return await _doctor_gone(update, context, draft)
    async with context.services.transaction() as s:
        slots = await next_free_slots(
            s,
            doctor=doctor,
            policy=_policy(context),
            now=_now(context),
            after=after,
            patient_id=_me(context),
            limit=ALTERNATIVES + 1,
        )
    if draft["mode"] == MOVE:
        slots = [slot for slot in slots if slot.starts_at != _instant(draft["from"])]
    slots = slots[:ALTERNATIVES]
    if not slots:
        return await _offer_days(update, context, draft, notice="book.slot_taken_none")
    language = lang(update, context)
    tz = context.settings.timezone
    buttons = [
        (when_short(language, slot.starts_at, tz), f"bk:t:{_seconds(slot.starts_at)}")
        for slot in slots
    ]
    rows = _rows(buttons, 2)
    rows.append([(t(language, "book.btn.other_days"), "bk:back:p")])
    rows.append([(t(language, "book.btn.cancel"), "bk:x")])
    text = t(language, "book.slot_taken", doctor=doctor.name, zone=tz.key)
    draft["msg"] = await _show(update, context, text, _keyboard(rows))
    return CHOOSE_TIME


# --- booking -------------------------------------------------------------------------------------


@requires(Role.PATIENT)
async def start_booking(update: Update, context: ClinicContext) -> int | None:
    """/book: offer the specialties that have a bookable doctor."""
    policy = _policy(context)
    async with context.services.transaction() as s:
        upcoming = await upcoming_count(s, patient_id=_me(context), now=_now(context))
    if upcoming >= policy.max_upcoming:
        text = _t(update, context, "book.limit_reached", limit=policy.max_upcoming)
        await _show(update, context, text)
        return ConversationHandler.END
    draft: Draft = {"mode": BOOK, "page": 0}
    context.user_data[DRAFT] = draft
    return await _offer_specialties(update, context, draft)


@_step
async def choose_specialty(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Take the specialty; offer its doctors."""
    await answer(update, context)
    draft["specialty"] = _number(update)
    return await _offer_doctors(update, context, draft)


@_step
async def back_to_specialties(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Back from the doctors to the specialties."""
    await answer(update, context)
    return await _offer_specialties(update, context, draft)


@_step
async def choose_doctor(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Take the doctor; offer their days with a free time."""
    async with context.services.transaction() as s:
        try:
            doctor = await get_doctor(s, _number(update), bookable=True)
        except NotFound:
            doctor = None
    if doctor is None:
        await answer(update, context, "book.doctor_gone")
        return await _offer_doctors(update, context, draft)
    await answer(update, context)
    draft.update(doctor=doctor.user_id, specialty=doctor.specialty_id, page=0)
    return await _offer_days(update, context, draft)


@_step
async def back_to_doctors(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Back from the days to the specialty's doctors."""
    if draft["mode"] != BOOK:
        await answer(update, context, "common.stale_button")
        return None
    await answer(update, context)
    return await _offer_doctors(update, context, draft)


@_step
async def turn_page(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Show another page of days."""
    await answer(update, context)
    draft["page"] = _number(update)
    return await _offer_days(update, context, draft)


@_step
async def choose_day(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Take the day; offer its free times."""
    try:
        day = parse_day_key(_tail(update))
    except ValueError:
        await answer(update, context, "common.stale_button")
        return None
    await answer(update, context)
    return await _offer_times(update, context, draft, day)


@_step
async def back_to_days(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Back from the times to the days."""
    await answer(update, context)
    return await _offer_days(update, context, draft)


@_step
async def choose_time(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Take the time (if still free); ask to confirm."""
    starts_at = _instant(_number(update))  # at most 11 digits: always a valid instant
    doctor = await _doctor(context, draft)
    if doctor is None:
        await answer(update, context)
        return await _doctor_gone(update, context, draft)
    day = starts_at.astimezone(context.settings.timezone).date()
    slots = (await _free_days(context, draft, doctor, day)).get(day, [])
    slot = next((slot for slot in slots if slot.starts_at == starts_at), None)
    if slot is None:
        await answer(update, context, "book.time_gone")
        return await _offer_times(update, context, draft, day)
    await answer(update, context)
    draft["day"] = day_key(day)
    return await _offer_confirmation(update, context, draft, doctor, slot)


@_step
async def change_time(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Back from the confirmation to the day's times."""
    await answer(update, context)
    draft.pop("start", None)
    return await _offer_times(update, context, draft, parse_day_key(draft["day"]))


@_step
async def confirm_choice(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """Book (or move to) the chosen time, in one transaction."""
    await answer(update, context)
    if not isinstance(draft.get("start"), int):
        return await _finish(update, context, _t(update, context, "common.conversation_lost"))
    starts_at = _instant(draft["start"])
    if draft["mode"] == MOVE:
        return await _move(update, context, draft, starts_at)
    return await _book(update, context, draft, starts_at)


async def _book(update: Update, context: ClinicContext, draft: Draft, starts_at: datetime) -> int:
    try:
        async with context.services.transaction() as s:
            booked = await book(
                s,
                patient_id=_me(context),
                doctor_id=draft["doctor"],
                starts_at=starts_at,
                policy=_policy(context),
                now=_now(context),
            )
    except SlotTaken:
        return await _offer_alternatives(update, context, draft, starts_at)
    except (SlotUnavailable, PatientOverlap) as exc:
        return await _offer_days(update, context, draft, notice=f"book.{exc.code}")
    except TooManyUpcoming as exc:
        return await _finish(
            update, context, _t(update, context, "book.too_many", limit=exc.limit)
        )
    except NotFound:
        return await _doctor_gone(update, context, draft)
    await _finish(
        update, context, _t(update, context, "book.done", **_described(update, context, booked))
    )
    await tell_doctor(context.bot, context.services, booked, "booked")
    kick_deliveries(context)
    return ConversationHandler.END


async def _move(update: Update, context: ClinicContext, draft: Draft, starts_at: datetime) -> int:
    try:
        async with context.services.transaction() as s:
            moved, old_start = await reschedule(
                s,
                appointment_id=draft["appointment"],
                actor=_actor(context),
                new_start=starts_at,
                policy=_policy(context),
                now=_now(context),
            )
    except SlotTaken:
        return await _offer_alternatives(update, context, draft, starts_at)
    except (SlotUnavailable, PatientOverlap) as exc:
        return await _offer_days(update, context, draft, notice=f"book.{exc.code}")
    except NotFound:
        # The appointment was the patient's when the draft began (and is never deleted):
        # what went away is the doctor.
        return await _doctor_gone(update, context, draft)
    except (TooLateToChange, NotChangeable) as exc:
        return await _finish(update, context, _change_refusal(update, context, exc))
    old_end = old_start + (_instant(draft["until"]) - _instant(draft["from"]))
    values = _described(update, context, moved)
    values["old"] = when(lang(update, context), old_start, old_end, context.settings.timezone)
    await _finish(update, context, _t(update, context, "move.done", **values))
    await tell_doctor(context.bot, context.services, moved, "rescheduled", old_start=old_start)
    kick_deliveries(context)
    return ConversationHandler.END


@_step
async def drop_draft(update: Update, context: ClinicContext, draft: Draft) -> int | None:
    """The conversation's Cancel button: nothing is booked or moved."""
    await answer(update, context)
    key = "move.cancelled" if draft["mode"] == MOVE else "book.cancelled"
    return await _finish(update, context, _t(update, context, key))


@requires(Role.PATIENT)
async def start_rescheduling(update: Update, context: ClinicContext) -> int | None:
    """Reschedule button: if the appointment is the patient's and may move, offer new days."""
    try:
        async with context.services.transaction() as s:
            current = await check_changeable(
                s,
                appointment_id=_number(update),
                actor=_actor(context),
                policy=_policy(context),
                now=_now(context),
            )
            bookable = await _is_bookable(s, current.doctor_id)
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        await _refuse_change(update, context, exc)
        return None
    if not bookable:
        await refuse(update, context, "move.doctor_gone")
        return None
    draft: Draft = {
        "mode": MOVE,
        "appointment": current.id,
        "doctor": current.doctor_id,
        "from": _seconds(current.starts_at),
        "until": _seconds(current.ends_at),
        "page": 0,
    }
    context.user_data[DRAFT] = draft
    await answer(update, context)
    return await _offer_days(update, context, draft)


# --- /appointments: list, cancel, past -----------------------------------------------------------


def _described(update: Update, context: ClinicContext, appt: AppointmentView) -> dict[str, object]:
    tz = context.settings.timezone
    return {
        "doctor": appt.doctor_name,
        "specialty": appt.specialty,
        "when": when(lang(update, context), appt.starts_at, appt.ends_at, tz),
    }


def _refusal(
    update: Update, context: ClinicContext, exc: DomainError
) -> tuple[str, dict[str, object]]:
    """The text key (and values) telling why an appointment can't be changed."""
    if isinstance(exc, TooLateToChange):
        return "appts.too_late", {
            "window": _span(lang(update, context), context.settings.cancel_window)
        }
    if isinstance(exc, NotChangeable):
        return "appts.not_changeable", {}
    return "appts.not_found", {}


def _change_refusal(update: Update, context: ClinicContext, exc: DomainError) -> str:
    key, values = _refusal(update, context, exc)
    return _t(update, context, key, **values)


async def _refuse_change(update: Update, context: ClinicContext, exc: DomainError) -> None:
    key, values = _refusal(update, context, exc)
    await refuse(update, context, key, **values)


async def _is_bookable(s: AsyncSession, doctor_id: int) -> bool:
    try:
        await get_doctor(s, doctor_id, bookable=True)
    except NotFound:
        return False
    return True


def _status(update: Update, context: ClinicContext, appt: AppointmentView) -> str:
    if appt.status == AppointmentStatus.CANCELLED:
        who = "you" if appt.cancelled_by == appt.patient_id else "clinic"
        return _t(update, context, f"appts.status.cancelled_{who}")
    if appt.status == AppointmentStatus.BOOKED and appt.starts_at <= _now(context):
        return _t(update, context, "appts.status.unmarked")
    return _t(update, context, f"appts.status.{appt.status}")


def _card(
    update: Update, context: ClinicContext, appt: AppointmentView
) -> tuple[str, InlineKeyboardMarkup | None]:
    """An appointment as a message, with Cancel and Reschedule while it may still change."""
    text = _t(
        update,
        context,
        "appts.card",
        status=_status(update, context, appt),
        **_described(update, context, appt),
    )
    if appt.status != AppointmentStatus.BOOKED or appt.starts_at <= _now(context):
        return text, None
    markup = _keyboard(
        [
            [
                (_t(update, context, "appts.btn.cancel"), f"ap:c:{appt.id}"),
                (_t(update, context, "appts.btn.reschedule"), f"ap:r:{appt.id}"),
            ]
        ]
    )
    return text, markup


@requires(Role.PATIENT)
async def show_appointments(update: Update, context: ClinicContext) -> None:
    """/appointments: the upcoming ones, each with Cancel and Reschedule; past ones on request."""
    async with context.services.transaction() as s:
        upcoming = await upcoming_for_patient(s, patient_id=_me(context), now=_now(context))
    past = _keyboard([[(_t(update, context, "appts.btn.past"), "ap:past")]])
    if not upcoming:
        await _show(update, context, _t(update, context, "appts.none"), past)
        return
    await _show(update, context, _t(update, context, "appts.header", count=len(upcoming)), past)
    for appt in upcoming:
        await _show(update, context, *_card(update, context, appt))


@requires(Role.PATIENT)
async def show_past(update: Update, context: ClinicContext) -> None:
    """Past appointments button: the latest ones, with what became of them."""
    async with context.services.transaction() as s:
        past = await past_for_patient(s, patient_id=_me(context), now=_now(context))
    await answer(update, context)
    if not past:
        await _show(update, context, _t(update, context, "appts.past_none"))
        return
    lines = [_t(update, context, "appts.past_title")]
    lines += [
        _t(
            update,
            context,
            "appts.past_item",
            status=_status(update, context, appt),
            **_described(update, context, appt),
        )
        for appt in past
    ]
    await _show(update, context, "\n".join(lines))


@requires(Role.PATIENT)
async def ask_cancel(update: Update, context: ClinicContext) -> None:
    """Cancel button: if the appointment may be cancelled, ask to confirm on its message."""
    appointment_id = _number(update)
    try:
        async with context.services.transaction() as s:
            appt = await check_changeable(
                s,
                appointment_id=appointment_id,
                actor=_actor(context),
                policy=_policy(context),
                now=_now(context),
            )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        await _refuse_change(update, context, exc)
        return
    await answer(update, context)
    markup = _keyboard(
        [
            [
                (_t(update, context, "appts.btn.yes_cancel"), f"ap:cy:{appt.id}"),
                (_t(update, context, "appts.btn.keep"), f"ap:ck:{appt.id}"),
            ]
        ]
    )
    await _show(
        update,
        context,
        _t(update, context, "appts.confirm_cancel", **_described(update, context, appt)),
        markup,
    )


@requires(Role.PATIENT)
async def cancel_appointment(update: Update, context: ClinicContext) -> None:
    """Yes, cancel: cancel it (never deleted) and tell the doctor."""
    try:
        async with context.services.transaction() as s:
            cancelled = await cancel(
                s,
                appointment_id=_number(update),
                actor=_actor(context),
                policy=_policy(context),
                now=_now(context),
            )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        await _refuse_change(update, context, exc)
        return
    await answer(update, context)
    await _show(
        update,
        context,
        _t(update, context, "appts.cancelled", **_described(update, context, cancelled)),
    )
    await tell_doctor(context.bot, context.services, cancelled, "cancelled")
    kick_deliveries(context)


@requires(Role.PATIENT)
async def keep_appointment(update: Update, context: ClinicContext) -> None:
    """Keep it: show the appointment again as it now stands."""
    async with context.services.transaction() as s:
        try:
            appt: AppointmentView | None = await appointment_view(s, _number(update))
        except NotFound:
            appt = None
    if appt is None or appt.patient_id != _me(context):
        await refuse(update, context, "appts.not_found")
        return
    await answer(update, context)
    await _show(update, context, *_card(update, context, appt))


def handlers() -> list[BaseHandler[Update, ClinicContext, Any]]:
    """This feature's handlers, in registration order."""
    fallbacks: list[BaseHandler[Update, ClinicContext, Any]] = [
        CommandHandler("cancel", cancel_conversation),
        MessageHandler(filters.COMMAND, conversation_busy),
        # Reschedule pressed mid-conversation starts over with that appointment.
        CallbackQueryHandler(start_rescheduling, pattern=RESCHEDULE_PATTERN),
        CallbackQueryHandler(drop_draft, pattern=r"^bk:x$"),
        MessageHandler(filters.UpdateType.MESSAGE, expects_button),
    ]
    with warnings.catch_warnings():
        # One conversation per chat and user, whichever message its buttons are on: the draft
        # records its message, and buttons of any other message are answered as stale.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("book", start_booking),
                CallbackQueryHandler(start_rescheduling, pattern=RESCHEDULE_PATTERN),
            ],
            states={
                CHOOSE_SPECIALTY: [CallbackQueryHandler(choose_specialty, pattern=r"^bk:s:\d+$")],
                CHOOSE_DOCTOR: [
                    CallbackQueryHandler(choose_doctor, pattern=r"^bk:d:\d+$"),
                    CallbackQueryHandler(back_to_specialties, pattern=r"^bk:back:s$"),
                ],
                CHOOSE_DAY: [
                    CallbackQueryHandler(choose_day, pattern=r"^bk:day:\d{8}$"),
                    CallbackQueryHandler(turn_page, pattern=r"^bk:p:\d{1,3}$"),
                    CallbackQueryHandler(back_to_doctors, pattern=r"^bk:back:d$"),
                ],
                CHOOSE_TIME: [
                    CallbackQueryHandler(choose_time, pattern=r"^bk:t:\d{1,11}$"),
                    CallbackQueryHandler(back_to_days, pattern=r"^bk:back:p$"),
                ],
                CONFIRM: [
                    CallbackQueryHandler(confirm_choice, pattern=r"^bk:ok$"),
                    CallbackQueryHandler(change_time, pattern=r"^bk:chg$"),
                ],
            },
            fallbacks=fallbacks,
            name="booking",
            persistent=True,
        )
    return [
        conversation,
        CommandHandler("appointments", show_appointments),
        CallbackQueryHandler(ask_cancel, pattern=CANCEL_PATTERN),
        CallbackQueryHandler(cancel_appointment, pattern=r"^ap:cy:\d+$"),
        CallbackQueryHandler(keep_appointment, pattern=r"^ap:ck:\d+$"),
        CallbackQueryHandler(show_past, pattern=r"^ap:past$"),
    ]
