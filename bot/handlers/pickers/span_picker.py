"""A span of time to block: the first day (a week of days a page, or a date typed), whole day(s)
or part of the day, then the last day or the start and end (the time picker).

Shared by a doctor's time off and the clinic's closures: each conversation gives the picker its
own steps, button families and titles, and what to do with the span once it is chosen
(``chosen``: block it, or show what is in the way), where « Back at the first day leads
(``leave``) and any other purposes of its time picker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Generic, TypeVar

from telegram import Update

from bot.callbacks import PickBack, PickDay, PickDaysPage, PickKind, StepData
from bot.choices import Choice, Screen, day_keys, rows_of
from bot.context import ClinicContext
from bot.conversation import Step, StepHandler, StepResult
from bot.formatting import long_date
from bot.handlers.pickers.dates import (
    EARLIER_KEYS,
    LATER_KEYS,
    MIDNIGHT,
    back_choice,
    date_label,
    parse_day,
    today,
)
from bot.handlers.pickers.time_picker import (
    Purpose,
    S,
    TimeButtons,
    TimeDraft,
    TimePicker,
    Use,
)
from db.doctors import day_bounds

DAYS_PER_PAGE = 7
DAYS_PER_ROW = 4
WHOLE_KEYS = ("whole", "all day", "full day", "dias completos", "completo", "todo el dia")
PART_KEYS = ("part", "partial", "some hours", "parte", "unas horas")


@dataclass
class SpanDraft(TimeDraft):
    """The fields of a conversation's draft the span's pickers use."""

    # The first day on the date picker's page.
    page: date | None = None
    # The span chosen, and the appointments in it the user has been shown.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    whole_days: bool = False
    shown: list[int] = field(default_factory=list)
    shown_changed: bool = False  # the appointments in it changed since the user last looked


D = TypeVar("D", bound=SpanDraft)


@dataclass(frozen=True)
class SpanSteps(Generic[S]):
    """The conversation's states for the picker's steps."""

    first: S  # the first day
    kind: S  # whole day(s) or part of the day
    last: S  # the last whole day
    hour: S  # the time picker's hour
    minute: S  # and its minutes


@dataclass(frozen=True)
class SpanButtons:
    """The conversation's own button families for the picker."""

    day: type[PickDay]
    page: type[PickDaysPage]
    kind: type[PickKind]
    back: type[PickBack]
    leave: type[StepData]  # « Back at the first day
    time: TimeButtons


@dataclass(frozen=True)
class SpanTexts:
    """The catalog keys of the picker's questions (``{zone}``; ``{date}`` but the first)."""

    first: str
    kind: str
    last: str
    part: str  # the time picker's title for part of the first day


class SpanPicker(Generic[S, D]):
    """The span's steps (see the module docstring)."""

    def __init__(
        self,
        *,
        steps: SpanSteps[S],
        buttons: SpanButtons,
        texts: SpanTexts,
        chosen: Callable[[ClinicContext, D], Awaitable[StepResult]],
        leave: StepHandler[D],
        uses: Mapping[Purpose, Use[S, D]] | None = None,
        reach: timedelta = timedelta(days=365),
    ) -> None:
        self.states, self.buttons, self.texts = steps, buttons, texts
        self.chosen, self.leave, self.reach = chosen, leave, reach
        part = Use(self.part_picked, steps.kind, self._part_title)
        self.time: TimePicker[S, D] = TimePicker(
            hour=steps.hour,
            minute=steps.minute,
            buttons=buttons.time,
            uses={**(uses or {}), Purpose.PART_OF_DAY: part},
        )

    def begin(self, context: ClinicContext, draft: D) -> S:
        """Start with ``draft`` (a new conversation's) at the first day: the step to go to."""
        draft.page = today(context)
        context.begin(draft)
        return self.states.first

    def steps(self) -> dict[S, Step[D]]:
        b, s = self.buttons, self.states
        return {
            s.first: Step(
                self.first_day_screen,
                {b.day: self.choose_day, b.page: self.turn_page, b.leave: self.leave},
                text=self.type_day,
            ),
            s.kind: Step(self.kind_screen, {b.kind: self.choose_kind, b.back: self.go_back}),
            s.last: Step(
                self.last_day_screen,
                {b.day: self.choose_day, b.page: self.turn_page, b.back: self.go_back},
                text=self.type_day,
            ),
            **self.time.steps(),
        }

    # --- helpers --------------------------------------------------------------------------------

    def _last(self, context: ClinicContext) -> bool:
        """Whether the date picker shown is the one of the last whole day."""
        return context.turn.state is self.states.last

    def _here(self, context: ClinicContext) -> S:
        return self.states.last if self._last(context) else self.states.first

    def _window(self, context: ClinicContext, draft: D, last: bool) -> tuple[date, date]:
        """The days a date picker may offer."""
        this_day = today(context)
        lowest = draft.first if last and draft.first is not None else this_day
        return lowest, this_day + self.reach

    def _allowed(self, context: ClinicContext, draft: D, day: date) -> bool:
        lowest, highest = self._window(context, draft, self._last(context))
        return lowest <= day <= highest

    def _part_title(self, context: ClinicContext, draft: D) -> str:
        day = draft.first or today(context)
        zone = context.settings.timezone.key
        return context.t(self.texts.part, date=long_date(context.lang, day), zone=zone)

    @staticmethod
    def _local(context: ClinicContext, day: date, minute: int) -> datetime:
        """The instant of wall-clock ``minute`` (0..1440) of the local ``day``."""
        tz = context.settings.timezone
        if minute >= MIDNIGHT:
            return datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)

    # --- screens --------------------------------------------------------------------------------

    async def _days_screen(self, context: ClinicContext, draft: D, *, last: bool) -> Screen:
        """A week of days from the draft's page, with paging by week."""
        flow, language, this_day = context.turn.flow, context.lang, today(context)
        zone, b = context.settings.timezone.key, self.buttons
        lowest, highest = self._window(context, draft, last)
        page = min(max(draft.page or lowest, lowest), highest)
        days = [page + timedelta(days=i) for i in range(DAYS_PER_PAGE)]
        choices = [
            Choice(
                date_label(language, day, this_day),
                b.day(flow=flow, day=day),
                day_keys(day, this_day),
            )
            for day in days
            if day <= highest
        ]
        rows = rows_of(choices, DAYS_PER_ROW)
        paging = []
        if page > lowest:
            earlier = b.page(flow=flow, first=max(lowest, page - timedelta(days=DAYS_PER_PAGE)))
            paging.append(Choice(context.t("off.earlier"), earlier, EARLIER_KEYS))
        if page + timedelta(days=DAYS_PER_PAGE) <= highest:
            later = b.page(flow=flow, first=page + timedelta(days=DAYS_PER_PAGE))
            paging.append(Choice(context.t("off.later"), later, LATER_KEYS))
        if paging:
            rows.append(paging)
        if last and draft.first is not None:
            rows.append([back_choice(context, b.back(flow=flow))])
            first = long_date(language, draft.first)
            return Screen(context.t(self.texts.last, date=first, zone=zone), rows)
        rows.append([back_choice(context, b.leave(flow=flow))])
        return Screen(context.t(self.texts.first, zone=zone), rows)

    async def first_day_screen(self, update: Update, context: ClinicContext, draft: D) -> Screen:
        return await self._days_screen(context, draft, last=False)

    async def last_day_screen(self, update: Update, context: ClinicContext, draft: D) -> Screen:
        return await self._days_screen(context, draft, last=True)

    async def kind_screen(self, update: Update, context: ClinicContext, draft: D) -> Screen:
        if draft.first is None:
            return await self.first_day_screen(update, context, draft)
        flow, b = context.turn.flow, self.buttons
        rows = [
            [
                Choice(context.t("off.whole"), b.kind(flow=flow, kind="w"), WHOLE_KEYS),
                Choice(context.t("off.part"), b.kind(flow=flow, kind="p"), PART_KEYS),
            ],
            [back_choice(context, b.back(flow=flow))],
        ]
        text = context.t(
            self.texts.kind,
            date=long_date(context.lang, draft.first),
            zone=context.settings.timezone.key,
        )
        return Screen(text, rows)

    # --- steps ----------------------------------------------------------------------------------

    async def turn_page(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """◀ Earlier / Later ▶ in a date picker."""
        first = context.payload(self.buttons.page).first
        lowest, highest = self._window(context, draft, self._last(context))
        if not lowest <= first <= highest:
            context.alert("off.day_out_of_range")
            return None
        draft.page = first
        return self._here(context)

    async def choose_day(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """A day of a date picker: the first day, or the last whole one (then it is chosen)."""
        day = context.payload(self.buttons.day).day
        if not self._allowed(context, draft, day):
            context.alert("off.day_out_of_range")
            return None
        return await self._take_day(context, draft, day)

    async def type_day(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """A date typed at a date picker ("24/12", "24 dec"): as if its day had been pressed."""
        day = parse_day(context.text or "", today(context))
        if day is None:
            context.note("off.day_hint")
            return self._here(context)
        if not self._allowed(context, draft, day):
            context.note("off.day_out_of_range")
            return self._here(context)
        return await self._take_day(context, draft, day)

    async def _take_day(self, context: ClinicContext, draft: D, day: date) -> StepResult:
        if not self._last(context) or draft.first is None:
            draft.first = day
            return self.states.kind
        draft.starts_at, draft.ends_at = day_bounds(draft.first, day, context.settings.timezone)
        draft.whole_days, draft.shown, draft.shown_changed = True, [], False
        return await self.chosen(context, draft)

    async def choose_kind(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """Whole day(s): pick the last day. Part of the day: pick the start and end times."""
        if draft.first is None:
            return self.states.first
        if context.payload(self.buttons.kind).kind == "w":
            draft.page = draft.first
            return self.states.last
        return self.time.open(draft, Purpose.PART_OF_DAY)

    async def go_back(self, update: Update, context: ClinicContext, draft: D) -> StepResult:
        """« Back: from whole/part to the first day, from the last day to whole/part."""
        if self._last(context):
            return self.states.kind
        return self.states.first

    async def part_picked(
        self, context: ClinicContext, draft: D, start: int, end: int
    ) -> StepResult:
        """The time picker's start and end of part of the first day: that span is chosen."""
        if draft.first is None:
            return self.states.first
        draft.starts_at = self._local(context, draft.first, start)
        draft.ends_at = self._local(context, draft.first, end)
        draft.whole_days, draft.shown, draft.shown_changed = False, [], False
        return await self.chosen(context, draft)
