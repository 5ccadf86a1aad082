"""/hours: a doctor's weekly hours and time off, and the conversation that changes them.

/hours shows the overview; its buttons start a change (a conversation on that message): edit a
day of the week (add a range with the time picker, clear the day, or type its hours as
"9-13, 14:30-18"), add time off (:mod:`time_off`) or remove it (:mod:`time_off_removal`).
Every change is one use case in the update's one transaction. A change that leaves upcoming
visits outside the hours lists them, to keep or to cancel with the patients told
(:mod:`hours_stranded`).
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import HoursAction, HoursAddRange, HoursClearDay, HoursDone, HoursWeekday
from bot.choices import Choice, Screen, match, rows_of
from bot.context import ClinicContext
from bot.conversation import Conversation, Step
from bot.formatting import hhmm, policy_of
from bot.handlers.doctor import hours_stranded, time_off, time_off_removal
from bot.handlers.doctor.shared import (
    DOCTORS,
    BadRanges,
    HoursDraft,
    HoursState,
    Result,
    finish_change,
    overview_screen,
    parse_ranges,
    ranges_text,
    weekday_name,
)
from bot.handlers.pickers.dates import back_choice
from bot.handlers.pickers.time_picker import Purpose
from bot.routes import Button, Command, Routes
from bot.texts import LANGUAGES, t
from db.booking import set_day_hours
from db.doctors import InvalidHours, OverlappingHours, get_doctor, weekly_hours
from db.errors import NotFound
from db.slots import WeeklyRange

WEEKDAYS_PER_ROW = 3
ECHO = 40  # at most this much of what was typed is quoted back
CLEAR_KEYS = ("clear", "day off", "off", "none", "closed", "vaciar", "libre", "cerrado")


def _weekday_keys(weekday: int) -> tuple[str, ...]:
    """Monday is "monday", "mon", "lunes" or "lun", whatever the chat's language."""
    return tuple(
        t(language, f"date.weekday{form}.{weekday}")
        for language in LANGUAGES
        for form in ("", "_short")
    )


def _weekday_choices(context: ClinicContext) -> list[Choice]:
    flow = context.turn.flow
    return [
        Choice(
            weekday_name(context, day),
            HoursWeekday(flow=flow, weekday=day),
            _weekday_keys(day),
        )
        for day in range(7)
    ]


# --- screens ------------------------------------------------------------------------------------


async def weekday_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    rows = rows_of(_weekday_choices(context), WEEKDAYS_PER_ROW)
    rows.append([back_choice(context, HoursDone(flow=context.turn.flow))])
    return Screen(context.t("hours.pick_weekday"), rows)


async def day_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    """A weekday's ranges, with Add a range / Clear day / Done."""
    weekday = draft.weekday or 0
    flow = context.turn.flow
    hours = await weekly_hours(context.db, context.me.user_id)
    ranges = [r for r in hours if r.weekday == weekday]
    first_row = [Choice(context.t("hours.add_range"), HoursAddRange(flow=flow), ("add",))]
    if ranges:
        first_row.append(
            Choice(context.t("hours.clear_day"), HoursClearDay(flow=flow), CLEAR_KEYS)
        )
    done = Choice(context.t("hours.done"), HoursDone(flow=flow), ("done", "hecho", "listo"))
    text = context.t(
        "hours.day",
        weekday=weekday_name(context, weekday),
        zone=context.settings.timezone.key,
        ranges=ranges_text(context, ranges) if ranges else context.t("hours.day_off"),
    )
    return Screen(text, [first_row, [done]])


# --- /hours and the overview's buttons ----------------------------------------------------------


async def show_hours(update: Update, context: ClinicContext) -> None:
    """/hours: the weekly hours and upcoming time off, with buttons to change them."""
    if context.turn.conversation is HOURS:
        context.turn.end()  # a change left open is dropped: /hours starts over
    try:
        screen = await overview_screen(context)
    except NotFound:
        context.reply("hours.no_profile")
        return
    context.show(screen)


async def start_change(update: Update, context: ClinicContext) -> HoursState | None:
    """Edit a day / Add time off / Remove time off: begin that change on this message."""
    try:
        await get_doctor(context.db, context.me.user_id)
    except NotFound:
        context.alert("hours.no_profile")
        return None
    action = context.payload(HoursAction).action
    if action == "a":
        return time_off.start_adding(context)
    if action == "r":
        return await time_off_removal.start_removing(context)
    context.begin(HoursDraft())
    return HoursState.WEEKDAY


# --- editing a weekday --------------------------------------------------------------------------


async def choose_weekday(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """A day of the week: show its ranges."""
    draft.weekday = context.payload(HoursWeekday).weekday
    return HoursState.DAY


async def type_day_and_hours(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """A weekday typed with its hours ("monday 9-13, 15-18"): that day's hours are set."""
    text = context.text or ""
    cut = next((i for i, ch in enumerate(text) if ch.isdigit()), 0)
    picked = match(_weekday_choices(context), text[:cut]).choice if cut else None
    data = picked.data if picked is not None else None
    if not isinstance(data, HoursWeekday):
        context.note("hours.weekday_hint")
        return HoursState.WEEKDAY
    draft.weekday = data.weekday
    changed = await _set_typed(context, draft, text[cut:])
    return changed if changed is not None else HoursState.WEEKDAY


async def type_hours(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """The day's hours typed as ranges ("9-13, 14:30-18"): they replace the day's ranges."""
    changed = await _set_typed(context, draft, context.text or "")
    return changed if changed is not None else HoursState.DAY


async def _set_typed(context: ClinicContext, draft: HoursDraft, text: str) -> Result:
    """Set the draft weekday's hours to the ranges in ``text``: the step to go to; ``None``
    (and the reason noted above the step's screen) when they can't be used."""
    weekday = draft.weekday or 0
    name = weekday_name(context, weekday)
    echo = text.strip() if len(text.strip()) <= ECHO else text.strip()[: ECHO - 1] + "…"
    try:
        ranges = parse_ranges(text)
    except BadRanges:
        context.note("hours.typed_invalid", text=echo)
        return None
    if ranges is None:
        context.note("hours.day_hint", weekday=name)
        return None
    try:
        changed = await set_day_hours(
            context.db,
            doctor_id=context.me.user_id,
            weekday=weekday,
            ranges=[WeeklyRange(weekday, start, end) for start, end in ranges],
            tz=context.settings.timezone,
            now=context.now,
            policy=policy_of(context.settings),
        )
    except OverlappingHours as exc:
        first, second = exc.first, exc.second
        context.note(
            "hours.typed_overlap",
            first=f"{hhmm(first.start_minute)}–{hhmm(first.end_minute)}",
            second=f"{hhmm(second.start_minute)}–{hhmm(second.end_minute)}",
        )
        return None
    except InvalidHours:
        context.note("hours.typed_invalid", text=echo)
        return None
    done = context.t("hours.day_set", weekday=name, ranges=ranges_text(context, changed.ranges))
    return hours_stranded.strand(context, draft, done, changed)


async def clear_day(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Clear day: the weekday has no hours any more (its visits are listed, to keep or
    cancel)."""
    weekday = draft.weekday or 0
    changed = await set_day_hours(
        context.db,
        doctor_id=context.me.user_id,
        weekday=weekday,
        ranges=[],
        tz=context.settings.timezone,
        now=context.now,
        policy=policy_of(context.settings),
    )
    done = context.t("hours.cleared", weekday=weekday_name(context, weekday))
    return hours_stranded.strand(context, draft, done, changed)


async def add_range(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Add a range: pick its start and end (:mod:`weekly_range`)."""
    return time_off.SPAN.time.open(draft, Purpose.RANGE)


HOURS = Conversation(
    "hours",
    HoursState,
    HoursDraft,
    {
        HoursState.WEEKDAY: Step(
            weekday_screen,
            {HoursWeekday: choose_weekday, HoursDone: finish_change},
            text=type_day_and_hours,
        ),
        HoursState.DAY: Step(
            day_screen,
            {HoursAddRange: add_range, HoursClearDay: clear_day, HoursDone: finish_change},
            text=type_hours,
        ),
        **time_off.STEPS,
        **time_off_removal.STEPS,
        **hours_stranded.STEPS,
    },
    roles=DOCTORS,
)

ROUTES = Routes(
    commands=[Command("hours", show_hours, roles=DOCTORS)],
    buttons=[Button(HoursAction, start_change, roles=DOCTORS)],
    conversations=[HOURS],
)
