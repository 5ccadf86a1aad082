"""The time picker of /hours: an hour, then its minutes, first for a start and then for an end.

A sub-flow of the hours conversation (its HOUR and MINUTE steps), opened for a weekly range or
for part of a day off. Whoever opens it says what it picks for and the step its « Back returns
to (both kept in the draft); the conversation maps each purpose to what is done with the picked
start and end, as a nested conversation's ``map_to_parent`` would. A time typed as the buttons
offer it ("13:00", "1pm", "9.30") counts like the buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from telegram import Update

from bot.callbacks import PickerBack, PickerHour, PickerMinute
from bot.choices import Choice, Screen, parse_time, rows_of, time_key
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import hhmm, long_date
from bot.handlers.doctor.shared import (
    MIDNIGHT,
    Edge,
    HoursDraft,
    HoursState,
    Purpose,
    Result,
    back_choice,
    today,
    weekday_name,
)
from bot.texts import Raw

QUARTERS = (0, 15, 30, 45)
HOURS_PER_ROW = 6

# What the conversation does with a picked start and end (minutes of the day).
Picked = Callable[[ClinicContext, HoursDraft, int, int], Awaitable[Result]]


def open_picker(draft: HoursDraft, purpose: Purpose, back_to: HoursState) -> HoursState:
    """Start picking a start and an end for ``purpose``; « Back from the start leads to
    ``back_to``. The step to go to."""
    draft.purpose, draft.back_to = purpose, back_to
    draft.edge, draft.start, draft.hour = Edge.START, None, None
    return HoursState.HOUR


def _close(draft: HoursDraft) -> HoursState:
    back_to = draft.back_to or HoursState.WEEKDAY
    draft.purpose, draft.back_to = None, None
    draft.edge, draft.start, draft.hour = Edge.START, None, None
    return back_to


def _bounds(context: ClinicContext, draft: HoursDraft) -> tuple[int, int]:
    """The earliest and latest minute of the day the picker offers now."""
    if draft.edge is Edge.START or draft.start is None:
        return 0, MIDNIGHT - 15
    lowest = draft.start + 15
    if draft.purpose is Purpose.TIME_OFF and draft.first == today(context):
        # Time off today must end in the future.
        local = context.now.astimezone(context.settings.timezone)
        lowest = max(lowest, (local.hour * 60 + local.minute) // 15 * 15 + 15)
    return lowest, MIDNIGHT


def _hours_offered(lowest: int, highest: int) -> list[int]:
    hours = [h for h in range(24) if any(lowest <= h * 60 + q <= highest for q in QUARTERS)]
    return [*hours, 24] if highest == MIDNIGHT else hours


def _minutes_offered(hour: int, lowest: int, highest: int) -> list[int]:
    return [hour * 60 + q for q in QUARTERS if lowest <= hour * 60 + q <= highest]


def _offered(minute: int, lowest: int, highest: int) -> bool:
    return minute % 15 == 0 and lowest <= minute <= highest


def _title(context: ClinicContext, draft: HoursDraft) -> str:
    zone = context.settings.timezone.key
    if draft.purpose is Purpose.TIME_OFF and draft.first is not None:
        return context.t("pick.off_title", date=long_date(context.lang, draft.first), zone=zone)
    return context.t(
        "pick.range_title", weekday=weekday_name(context, draft.weekday or 0), zone=zone
    )


async def hour_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    flow = context.turn.flow
    lowest, highest = _bounds(context, draft)
    choices = [
        Choice(hhmm(MIDNIGHT), PickerHour(flow=flow, hour=24), (time_key(MIDNIGHT), "24"))
        if hour == 24
        else Choice(f"{hour:02d}", PickerHour(flow=flow, hour=hour), (str(hour),))
        for hour in _hours_offered(lowest, highest)
    ]
    rows = rows_of(choices, HOURS_PER_ROW)
    rows.append([back_choice(context, PickerBack(flow=flow))])
    title = Raw(_title(context, draft))
    if draft.edge is Edge.START or draft.start is None:
        return Screen(context.t("pick.start_hour", title=title), rows)
    return Screen(context.t("pick.end_hour", title=title, start=hhmm(draft.start)), rows)


async def minute_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    if draft.hour is None:
        return await hour_screen(update, context, draft)
    flow = context.turn.flow
    lowest, highest = _bounds(context, draft)
    choices = [
        Choice(
            hhmm(minute),
            PickerMinute(flow=flow, minute=minute),
            (time_key(minute), f"{minute % 60:02d}", str(minute % 60)),  # "30": hh:30
        )
        for minute in _minutes_offered(draft.hour, lowest, highest)
    ]
    rows = [choices, [back_choice(context, PickerBack(flow=flow))]]
    title, hour = Raw(_title(context, draft)), f"{draft.hour:02d}"
    if draft.edge is Edge.START or draft.start is None:
        return Screen(context.t("pick.start_minute", title=title, hour=hour), rows)
    text = context.t("pick.end_minute", title=title, start=hhmm(draft.start), hour=hour)
    return Screen(text, rows)


class TimePicker:
    """The picker's steps, with what the conversation does with each purpose's pick."""

    def __init__(self, picked: Mapping[Purpose, Picked]) -> None:
        self.picked = dict(picked)

    def steps(self) -> dict[HoursState, Step[HoursDraft]]:
        return {
            HoursState.HOUR: Step(
                hour_screen,
                {PickerHour: self.pick_hour, PickerBack: self.go_back},
                text=self.type_time,
            ),
            HoursState.MINUTE: Step(
                minute_screen,
                {PickerMinute: self.pick_minute, PickerBack: self.go_back},
                text=self.type_time,
            ),
        }

    async def pick_hour(self, update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
        """An hour (or 24:00 for an end): offer its minutes."""
        hour = context.payload(PickerHour).hour
        if hour not in _hours_offered(*_bounds(context, draft)):
            context.alert("common.stale_button")
            return None
        if hour == 24:
            return await self._picked(context, draft, MIDNIGHT)
        draft.hour = hour
        return HoursState.MINUTE

    async def pick_minute(
        self, update: Update, context: ClinicContext, draft: HoursDraft
    ) -> Result:
        """A time of the picker: the start (then pick the end) or the end (then it is used)."""
        minute = context.payload(PickerMinute).minute
        lowest, highest = _bounds(context, draft)
        if draft.hour is None or minute not in _minutes_offered(draft.hour, lowest, highest):
            context.alert("common.stale_button")
            return None
        return await self._picked(context, draft, minute)

    async def type_time(self, update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
        """A typed time ("13:00", "1pm", "9.30"): picked as if pressed, when it is offered."""
        minute = parse_time(context.text or "")
        here = HoursState.MINUTE if draft.hour is not None else HoursState.HOUR
        if minute is None:
            context.note("pick.hint")
            return here
        if not _offered(minute, *_bounds(context, draft)):
            context.note("pick.not_offered", time=hhmm(minute))
            return here
        return await self._picked(context, draft, minute)

    async def go_back(self, update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
        """« Back: minutes → hours, end → start, start → the step the picker was opened from."""
        if draft.hour is not None:
            draft.hour = None
            return HoursState.HOUR
        if draft.edge is Edge.END:
            draft.edge, draft.start = Edge.START, None
            return HoursState.HOUR
        return _close(draft)

    async def _picked(self, context: ClinicContext, draft: HoursDraft, minute: int) -> Result:
        if draft.edge is Edge.START or draft.start is None:
            draft.edge, draft.start, draft.hour = Edge.END, minute, None
            return HoursState.HOUR
        start, purpose = draft.start, draft.purpose
        back_to = _close(draft)
        if purpose is None:  # never: the picker is always opened for a purpose
            return back_to
        return await self.picked[purpose](context, draft, start, minute)
