"""A time picker: an hour, then its minutes, first for a start and then for an end.

A sub-flow of a conversation (two of its steps, an hour and its minutes, with button families
of its own), opened for a purpose: a range of a weekday's hours, or part of a day. The draft
keeps the purpose and what has been picked so far (:class:`TimeDraft`); the conversation maps
each purpose to what is done with the picked start and end, the step its « Back returns to and
the picker's title, as a nested conversation's ``map_to_parent`` would. A time typed as the
buttons offer it ("13:00", "1pm", "9.30") counts like the buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from telegram import Update

from bot.callbacks import PickHour, PickMinute, PickTimeBack
from bot.choices import Choice, Screen, parse_time, rows_of, time_key
from bot.context import ClinicContext
from bot.conversation import Step, StepResult
from bot.formatting import hhmm
from bot.handlers.pickers.dates import MIDNIGHT, back_choice, today
from bot.texts import Raw

QUARTERS = (0, 15, 30, 45)
HOURS_PER_ROW = 6


class Purpose(StrEnum):
    """What the time picker picks a start and an end for."""

    RANGE = "range"  # a range of a weekday's hours
    # Part of the draft's first day: it must end in the future. Stored as "time_off", as
    # changes of time off left open before the picker was shared are.
    PART_OF_DAY = "time_off"


class Edge(StrEnum):
    START = "start"
    END = "end"


@dataclass
class TimeDraft:
    """The fields of a conversation's draft the time picker uses."""

    # The day picked for (the first day of a span), if any.
    first: date | None = None
    # What the picker picks for, which edge it is at, the start picked and the hour chosen.
    purpose: Purpose | None = None
    edge: Edge = Edge.START
    start: int | None = None
    hour: int | None = None


S = TypeVar("S", bound=StrEnum)
D = TypeVar("D", bound=TimeDraft)


@dataclass(frozen=True)
class Use(Generic[S, D]):
    """What a conversation does with a purpose's start and end (minutes of the day), the step
    « Back at the start returns to, and the picker's title (HTML) for it."""

    picked: Callable[[ClinicContext, D, int, int], Awaitable[StepResult]]
    back: S
    title: Callable[[ClinicContext, D], str]


@dataclass(frozen=True)
class TimeButtons:
    """The conversation's own button families for the picker."""

    hour: type[PickHour]
    minute: type[PickMinute]
    back: type[PickTimeBack]


def _hours_offered(lowest: int, highest: int) -> list[int]:
    hours = [h for h in range(24) if any(lowest <= h * 60 + q <= highest for q in QUARTERS)]
    return [*hours, 24] if highest == MIDNIGHT else hours


def _minutes_offered(hour: int, lowest: int, highest: int) -> list[int]:
    return [hour * 60 + q for q in QUARTERS if lowest <= hour * 60 + q <= highest]


def _offered(minute: int, lowest: int, highest: int) -> bool:
    return minute % 15 == 0 and lowest <= minute <= highest


class TimePicker(Generic[S, D]):
    """The picker's two steps (``hour`` and ``minute``), and what each purpose does."""

    def __init__(
        self, *, hour: S, minute: S, buttons: TimeButtons, uses: Mapping[Purpose, Use[S, D]]
    ) -> None:
        if not uses:
            raise ValueError("a time picker needs a purpose")
        self.hour, self.minute, self.buttons = hour, minute, buttons
        self.uses = dict(uses)

    def open(self, draft: D, purpose: Purpose) -> S:
        """Start picking a start and an end for ``purpose``; the step to go to."""
        draft.purpose = purpose
        draft.edge, draft.start, draft.hour = Edge.START, None, None
        return self.hour

    def steps(self) -> dict[S, Step[D]]:
        b = self.buttons
        return {
            self.hour: Step(
                self.hour_screen,
                {b.hour: self.pick_hour, b.back: self.go_back},
                text=self.type_time,
            ),
            self.minute: Step(
                self.minute_screen,
                {b.minute: self.pick_minute, b.back: self.go_back},
                text=self.type_time,
            ),
        }

    def _use(self, draft: D) -> Use[S, D]:
        if draft.purpose in self.uses:
            return self.uses[draft.purpose]
        return next(iter(self.uses.values()))  # never: the picker is opened for a purpose

    def _close(self, draft: D) -> S:
        back = self._use(draft).back
        draft.purpose, draft.edge, draft.start, draft.hour = None, Edge.START, None, None
        return back

    def _bounds(self, context: ClinicContext, draft: D) -> tuple[int, int]:
        """The earliest and latest minute of the day the picker offers now."""
        if draft.edge is Edge.START or draft.start is None:
            return 0, MIDNIGHT - 15
        lowest = draft.start + 15
        if draft.purpose is Purpose.PART_OF_DAY and draft.first == today(context):
            # Part of today must end in the future.
            local = context.now.astimezone(context.settings.timezone)
            lowest = max(lowest, (local.hour * 60 + local.minute) // 15 * 15 + 15)
        return lowest, MIDNIGHT

    # --- screens --------------------------------------------------------------------------------

    async def hour_screen(self, update: Update, context: ClinicContext, draft: D) -> Screen:
        flow = context.turn.flow
        lowest, highest = self._bounds(context, draft)
        choices = [
            Choice(
                hhmm(MIDNIGHT), self.buttons.hour(flow=flow, hour=24), (time_key(MIDNIGHT), "24")
            )
            if hour == 24
            else Choice(f"{hour:02d}", self.buttons.hour(flow=flow, hour=hour), (str(hour),))
            for hour in _hours_offered(lowest, highest)
        ]
        rows = rows_of(choices, HOURS_PER_ROW)
        rows.append([back_choice(context, self.buttons.back(flow=flow))])
        title = Raw(self._use(draft).title(context, draft))
        if draft.edge is Edge.START or draft.start is None:
            return Screen(context.t("pick.start_hour", title=title), rows)
        return Screen(context.t("pick.end_hour", title=title, start=hhmm(draft.start)), rows)

    async def minute_screen(self, update: Update, context: ClinicContext, draft: D) -> Screen:
        if draft.hour is None:
            return await self.hour_screen(update, context, draft)
        flow = context.turn.flow
        lowest, highest = self._bounds(context, draft)
        choices = [
            Choice(
                hhmm(minute),
                self.buttons.minute(flow=flow, minute=minute),
                (time_key(minute), f"{minute % 60:02d}", str(minute % 60)),  # "30": hh:30
            )
            for minute in _minutes_offered(draft.hour, lowest, highest)
        ]
        rows = [choices, [back_choice(context, self.buttons.back(flow=flow))]]
        title, hour = Raw(self._use(draft).title(context, draft)), f"{draft.hour:02d}"
        if draft.edge is Edge.START or draft.start is None:
            return Screen(context.t("pick.start_minute", title=title, hour=hour), rows)
        text = context.t("pick.end_minute", title=title, start=hhmm(draft.start), hour=hour)
        return Screen(text, rows)

    # --- steps ----------------------------------------------------------------------------------

    async def pick_hour(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """An hour (or 24:00 for an end): offer its minutes."""
        hour = context.payload(self.buttons.hour).hour
        if hour not in _hours_offered(*self._bounds(context, draft)):
            context.alert("common.stale_button")
            return None
        if hour == 24:
            return await self._picked(context, draft, MIDNIGHT)
        draft.hour = hour
        return self.minute

    async def pick_minute(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """A time of the picker: the start (then pick the end) or the end (then it is used)."""
        minute = context.payload(self.buttons.minute).minute
        lowest, highest = self._bounds(context, draft)
        if draft.hour is None or minute not in _minutes_offered(draft.hour, lowest, highest):
            context.alert("common.stale_button")
            return None
        return await self._picked(context, draft, minute)

    async def type_time(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """A typed time ("13:00", "1pm", "9.30"): picked as if pressed, when it is offered."""
        minute = parse_time(context.text or "")
        here = self.minute if draft.hour is not None else self.hour
        if minute is None:
            context.note("pick.hint")
            return here
        if not _offered(minute, *self._bounds(context, draft)):
            context.note("pick.not_offered", time=hhmm(minute))
            return here
        return await self._picked(context, draft, minute)

    async def go_back(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """« Back: minutes → hours, end → start, start → the step the picker was opened from."""
        if draft.hour is not None:
            draft.hour = None
            return self.hour
        if draft.edge is Edge.END:
            draft.edge, draft.start = Edge.START, None
            return self.hour
        return self._close(draft)

    async def _picked(self, context: ClinicContext, draft: D, minute: int) -> StepResult:
        if draft.edge is Edge.START or draft.start is None:
            draft.edge, draft.start, draft.hour = Edge.END, minute, None
            return self.hour
        start, use = draft.start, self._use(draft)
        self._close(draft)
        return await use.picked(context, draft, start, minute)
