"""/hours, adding time off: whole days or part of a day.

Adding: the first day (a week of days a page, or a date typed), whole day(s) or part of the day,
then the last day or the start and end (the time picker). Appointments in that time are shown
first; blocking it cancels them once the doctor confirms, and the database checks again, in the
same transaction, that no other one was booked there meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from telegram import Update

from bot.callbacks import (
    HoursDone,
    OffBack,
    OffConfirm,
    OffDay,
    OffDaysPage,
    OffKind,
)
from bot.choices import NO, YES, Choice, Screen, day_keys, rows_of
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import long_date, policy_of, when_short
from bot.handlers.doctor.shared import (
    BACK_KEYS,
    EARLIER_KEYS,
    LATER_KEYS,
    MIDNIGHT,
    HoursDraft,
    HoursState,
    Purpose,
    Result,
    back_choice,
    date_label,
    describe_off,
    finish_change,
    label,
    leave_change,
    parse_day,
    today,
)
from bot.handlers.doctor.time_picker import open_picker
from bot.texts import Raw
from db.booking import Actor, appointment_views, block_time
from db.doctors import InvalidHours, day_bounds

# How far ahead time off can be set.
TIME_OFF_REACH = timedelta(days=365)
DAYS_PER_PAGE = 7
DAYS_PER_ROW = 4
# At most this many appointments are listed when asking to block time.
CONFLICT_LINES = 25
WHOLE_KEYS = ("whole", "all day", "full day", "dias completos", "completo", "todo el dia")
PART_KEYS = ("part", "partial", "some hours", "parte", "unas horas")


def _last(context: ClinicContext) -> bool:
    """Whether the date picker shown is the one of the last whole day."""
    return context.turn.state is HoursState.OFF_LAST


def _here(context: ClinicContext) -> HoursState:
    return HoursState.OFF_LAST if _last(context) else HoursState.OFF_FIRST


def _window(context: ClinicContext, draft: HoursDraft, last: bool) -> tuple[date, date]:
    """The days a date picker may offer."""
    this_day = today(context)
    lowest = draft.first if last and draft.first is not None else this_day
    return lowest, this_day + TIME_OFF_REACH


def _local(day: date, minute: int, context: ClinicContext) -> datetime:
    """The instant of wall-clock ``minute`` (0..1440) of the local ``day``."""
    tz = context.settings.timezone
    if minute >= MIDNIGHT:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


# --- screens ------------------------------------------------------------------------------------


async def _days_screen(context: ClinicContext, draft: HoursDraft, *, last: bool) -> Screen:
    """A week of days from the draft's page, with paging by week."""
    flow, language, this_day = context.turn.flow, context.lang, today(context)
    zone = context.settings.timezone.key
    lowest, highest = _window(context, draft, last)
    page = min(max(draft.page or lowest, lowest), highest)
    days = [page + timedelta(days=i) for i in range(DAYS_PER_PAGE)]
    choices = [
        Choice(
            date_label(language, day, this_day),
            OffDay(flow=flow, day=day),
            day_keys(day, this_day),
        )
        for day in days
        if day <= highest
    ]
    rows = rows_of(choices, DAYS_PER_ROW)
    paging = []
    if page > lowest:
        earlier = max(lowest, page - timedelta(days=DAYS_PER_PAGE))
        paging.append(
            Choice(context.t("off.earlier"), OffDaysPage(flow=flow, first=earlier), EARLIER_KEYS)
        )
    if page + timedelta(days=DAYS_PER_PAGE) <= highest:
        later = page + timedelta(days=DAYS_PER_PAGE)
        paging.append(
            Choice(context.t("off.later"), OffDaysPage(flow=flow, first=later), LATER_KEYS)
        )
    if paging:
        rows.append(paging)
    if last and draft.first is not None:
        rows.append([back_choice(context, OffBack(flow=flow))])
        text = context.t("off.pick_last", date=long_date(language, draft.first), zone=zone)
        return Screen(text, rows)
    rows.append([back_choice(context, HoursDone(flow=flow))])
    return Screen(context.t("off.pick_first", zone=zone), rows)


async def first_day_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    return await _days_screen(context, draft, last=False)


async def last_day_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    return await _days_screen(context, draft, last=True)


async def kind_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    if draft.first is None:
        return await first_day_screen(update, context, draft)
    flow = context.turn.flow
    rows = [
        [
            Choice(context.t("off.whole"), OffKind(flow=flow, kind="w"), WHOLE_KEYS),
            Choice(context.t("off.part"), OffKind(flow=flow, kind="p"), PART_KEYS),
        ],
        [back_choice(context, OffBack(flow=flow))],
    ]
    text = context.t(
        "off.pick_kind",
        date=long_date(context.lang, draft.first),
        zone=context.settings.timezone.key,
    )
    return Screen(text, rows)


async def conflicts_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    """The appointments in the time to block, and whether to block it and cancel them."""
    if draft.starts_at is None or draft.ends_at is None:
        return await first_day_screen(update, context, draft)
    flow, tz = context.turn.flow, context.settings.timezone
    found = await appointment_views(context.db, draft.shown)
    live = sorted(found.values(), key=lambda a: (a.starts_at, a.id))
    lines = [
        context.t(
            "off.conflict_line",
            when=when_short(context.lang, a.starts_at, tz),
            patient=a.patient_name,
        )
        for a in live[:CONFLICT_LINES]
    ]
    if len(live) > CONFLICT_LINES:
        lines.append(context.t("off.more", count=len(live) - CONFLICT_LINES))
    text = context.t(
        "off.conflicts",
        count=len(live),
        what=describe_off(context, draft.starts_at, draft.ends_at, draft.whole_days),
        zone=tz.key,
        lines=Raw("\n".join(lines)),
    )
    if draft.shown_changed:
        text = context.t("off.conflicts_changed", rest=Raw(text))
    rows = [
        [
            Choice(
                label(context, "off.confirm", count=len(live)),
                OffConfirm(flow=flow, answer="y"),
                YES,
            )
        ],
        [Choice(context.t("hours.back"), OffConfirm(flow=flow, answer="n"), (*NO, *BACK_KEYS))],
    ]
    return Screen(text, rows)


# --- the entry (from the overview's button) -----------------------------------------------------


def start_adding(context: ClinicContext) -> HoursState:
    """Add time off: begin a change at the first day."""
    context.begin(HoursDraft(page=today(context)))
    return HoursState.OFF_FIRST


# --- steps --------------------------------------------------------------------------------------


async def turn_page(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """◀ Earlier / Later ▶ in a date picker."""
    first = context.payload(OffDaysPage).first
    lowest, highest = _window(context, draft, _last(context))
    if not lowest <= first <= highest:
        context.alert("off.day_out_of_range")
        return None
    draft.page = first
    return _here(context)


async def choose_day(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """A day of a date picker: the first day off, or the last whole one (then it is blocked)."""
    day = context.payload(OffDay).day
    if not _allowed(context, draft, day):
        context.alert("off.day_out_of_range")
        return None
    return await _take_day(context, draft, day)


async def type_day(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """A date typed at a date picker ("24/12", "24 dec"): as if its day had been pressed."""
    day = parse_day(context.text or "", today(context))
    if day is None:
        context.note("off.day_hint")
        return _here(context)
    if not _allowed(context, draft, day):
        context.note("off.day_out_of_range")
        return _here(context)
    return await _take_day(context, draft, day)


def _allowed(context: ClinicContext, draft: HoursDraft, day: date) -> bool:
    lowest, highest = _window(context, draft, _last(context))
    return lowest <= day <= highest


async def _take_day(context: ClinicContext, draft: HoursDraft, day: date) -> Result:
    if not _last(context) or draft.first is None:
        draft.first = day
        return HoursState.OFF_KIND
    draft.starts_at, draft.ends_at = day_bounds(draft.first, day, context.settings.timezone)
    draft.whole_days, draft.shown, draft.shown_changed = True, [], False
    return await _block(context, draft)


async def choose_kind(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Whole day(s): pick the last day. Part of the day: pick the start and end times."""
    if draft.first is None:
        return HoursState.OFF_FIRST
    if context.payload(OffKind).kind == "w":
        draft.page = draft.first
        return HoursState.OFF_LAST
    return open_picker(draft, Purpose.TIME_OFF, back_to=HoursState.OFF_KIND)


async def go_back(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """« Back: from whole/part to the first day, from the last day to whole/part."""
    if context.turn.state is HoursState.OFF_LAST:
        return HoursState.OFF_KIND
    return HoursState.OFF_FIRST


async def part_picked(context: ClinicContext, draft: HoursDraft, start: int, end: int) -> Result:
    """The time picker's start and end of part of the first day: block that time."""
    if draft.first is None:
        return HoursState.OFF_FIRST
    draft.starts_at = _local(draft.first, start, context)
    draft.ends_at = _local(draft.first, end, context)
    draft.whole_days, draft.shown, draft.shown_changed = False, [], False
    return await _block(context, draft)


async def confirm_block(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Block and cancel (the appointments shown, in one go), or « Back: nothing is changed."""
    if context.payload(OffConfirm).answer == "n":
        return await leave_change(context, context.t("off.nothing_changed"))
    return await _block(context, draft)


async def _block(context: ClinicContext, draft: HoursDraft) -> Result:
    """Block the draft's time if every live appointment in it has been shown to the doctor
    (cancelling those, and telling the patients once committed); otherwise show them and ask."""
    if draft.starts_at is None or draft.ends_at is None:
        return HoursState.OFF_FIRST
    me = context.me
    try:
        outcome = await block_time(
            context.db,
            doctor_id=me.user_id,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            whole_days=draft.whole_days,
            shown=set(draft.shown),
            actor=Actor(me.user_id, me.role),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except InvalidHours:
        return await leave_change(context, context.t("off.invalid"))
    if outcome.unseen:
        draft.shown_changed = bool(draft.shown)
        draft.shown = [a.id for a in outcome.unseen]
        return HoursState.OFF_CONFIRM
    what = describe_off(context, draft.starts_at, draft.ends_at, draft.whole_days)
    cancelled = outcome.cancelled
    if not cancelled:
        return await leave_change(context, context.t("off.added", what=what))
    note = context.t("off.added_cancelled", what=what, count=len(cancelled))
    return await leave_change(context, note)


STEPS: dict[HoursState, Step[HoursDraft]] = {
    HoursState.OFF_FIRST: Step(
        first_day_screen,
        {OffDay: choose_day, OffDaysPage: turn_page, HoursDone: finish_change},
        text=type_day,
    ),
    HoursState.OFF_KIND: Step(kind_screen, {OffKind: choose_kind, OffBack: go_back}),
    HoursState.OFF_LAST: Step(
        last_day_screen,
        {OffDay: choose_day, OffDaysPage: turn_page, OffBack: go_back},
        text=type_day,
    ),
    HoursState.OFF_CONFIRM: Step(conflicts_screen, {OffConfirm: confirm_block}),
}
