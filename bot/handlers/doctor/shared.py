"""What the doctor journeys share: the /hours conversation's states and draft, the overview a
change returns to, and how hours, days and time off are written and read back when typed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from telegram import Update

from bot.callbacks import CallbackData, HoursAction
from bot.choices import Choice, Screen, normalise, parse_time
from bot.context import ClinicContext
from bot.conversation import END, Ended
from bot.formatting import day_label, hhmm
from bot.routes import roles
from bot.texts import LANGUAGES, Raw, t
from db.doctors import hours_overview
from db.errors import NotFound
from db.models import Role
from db.slots import WeeklyRange

DOCTORS = roles(Role.DOCTOR)
MIDNIGHT = 24 * 60
# The overview lists at most this many entries of time off (Remove time off pages through all).
OVERVIEW_TIME_OFF = 15
BACK_KEYS = ("back", "volver", "atras")
EARLIER_KEYS = ("earlier", "previous", "before", "antes", "anterior")
LATER_KEYS = ("later", "next", "more", "despues", "siguiente", "mas")


class HoursState(StrEnum):
    """The steps of a change to a doctor's hours or time off."""

    WEEKDAY = "weekday"  # which day of the week to edit
    DAY = "day"  # that day's ranges: add one, clear them, or type them
    HOUR = "hour"  # the time picker: an hour
    MINUTE = "minute"  # the time picker: its minutes
    OFF_FIRST = "off_first"  # time off: the first day
    OFF_KIND = "off_kind"  # whole day(s) or part of the day
    OFF_LAST = "off_last"  # the last whole day
    OFF_CONFIRM = "off_confirm"  # block it and cancel the appointments in it?
    OFF_REMOVE = "off_remove"  # which time off to remove
    STRANDED = "stranded"  # keep or cancel the visits a change of hours left outside them


class Purpose(StrEnum):
    """What the time picker picks a start and an end for."""

    RANGE = "range"  # a weekly range of the draft's weekday
    TIME_OFF = "time_off"  # part of the draft's first day off


class Edge(StrEnum):
    START = "start"
    END = "end"


@dataclass
class HoursDraft:
    weekday: int | None = None
    # The date picker: the first day off, and the first day on the picker's page.
    first: date | None = None
    page: date | None = None
    # The time picker (a sub-flow): what it picks for, the step its « Back returns to, and
    # what it has so far.
    purpose: Purpose | None = None
    back_to: HoursState | None = None
    edge: Edge = Edge.START
    start: int | None = None
    hour: int | None = None
    # The time to block, and the appointments in it the doctor has been shown.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    whole_days: bool = False
    shown: list[int] = field(default_factory=list)
    shown_changed: bool = False  # the appointments in it changed since the doctor last looked
    # The page of the list of time off to remove.
    remove_page: int = 0
    # The visits a change of the weekday's hours left outside them, still to keep or cancel,
    # and the page of that list shown.
    stranded: list[int] = field(default_factory=list)
    stranded_page: int = 0


Result = HoursState | Ended | None


# --- writing ------------------------------------------------------------------------------------


def label(context: ClinicContext, key: str, /, **values: object) -> str:
    """A button label from the catalog (labels are plain text, never HTML)."""
    return html.unescape(context.t(key, **values))


def today(context: ClinicContext) -> date:
    return context.now.astimezone(context.settings.timezone).date()


def date_label(language: str, day: date, this_day: date) -> str:
    """``Tue 8 Dec``, with the year when it is not this year's."""
    text = day_label(language, day)
    return text if day.year == this_day.year else f"{text} {day.year}"


def weekday_name(context: ClinicContext, weekday: int) -> str:
    return context.t(f"date.weekday.{weekday}")


def ranges_text(context: ClinicContext, ranges: list[WeeklyRange]) -> str:
    if not ranges:
        return context.t("hours.no_ranges")
    return ", ".join(f"{hhmm(r.start_minute)}–{hhmm(r.end_minute)}" for r in ranges)


def describe_off(
    context: ClinicContext, starts_at: datetime, ends_at: datetime, whole_days: bool
) -> str:
    """``Tue 8 Dec – Wed 9 Dec (whole days)``, ``Thu 10 Dec, 09:00–12:00`` (plain text)."""
    language, tz, this_day = context.lang, context.settings.timezone, today(context)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if whole_days:
        first, last = start.date(), (end - timedelta(days=1)).date()
        if first == last:
            return label(context, "off.whole_day", date=date_label(language, first, this_day))
        return label(
            context,
            "off.whole_days",
            first=date_label(language, first, this_day),
            last=date_label(language, last, this_day),
        )
    end_minute, end_day = end.hour * 60 + end.minute, end.date()
    if end_minute == 0 and end_day > start.date():
        end_minute, end_day = MIDNIGHT, end_day - timedelta(days=1)
    start_text = hhmm(start.hour * 60 + start.minute)
    if end_day == start.date():
        return label(
            context,
            "off.same_day",
            date=date_label(language, start.date(), this_day),
            start=start_text,
            end=hhmm(end_minute),
        )
    return label(
        context,
        "off.span",
        first=date_label(language, start.date(), this_day),
        start=start_text,
        last=date_label(language, end_day, this_day),
        end=hhmm(end_minute),
    )


def lead(context: ClinicContext, *lines: str) -> None:
    """Lines (HTML) shown above the screen of the step the handler returns."""
    context.lead = "\n".join(line for line in lines if line)


def back_choice(context: ClinicContext, data: CallbackData) -> Choice:
    """« Back (typed: "back", "volver")."""
    return Choice(context.t("hours.back"), data, BACK_KEYS)


# --- the overview a change returns to -----------------------------------------------------------


async def overview_screen(context: ClinicContext) -> Screen:
    """The weekly hours and upcoming time off, with the buttons that start a change;
    :class:`NotFound` when the account has no doctor profile."""
    found = await hours_overview(context.db, doctor_id=context.me.user_id, now=context.now)
    hours_lines = [
        context.t(
            "hours.weekday_line",
            weekday=context.t(f"date.weekday_short.{weekday}"),
            ranges=ranges_text(context, [r for r in found.hours if r.weekday == weekday]),
        )
        for weekday in range(7)
    ]
    off_lines = [
        context.t(
            "hours.time_off_line",
            what=describe_off(context, row.starts_at, row.ends_at, row.whole_days),
        )
        for row in found.time_off[:OVERVIEW_TIME_OFF]
    ] or [context.t("hours.no_time_off")]
    if len(found.time_off) > OVERVIEW_TIME_OFF:
        more = len(found.time_off) - OVERVIEW_TIME_OFF
        off_lines.append(context.t("hours.time_off_more", count=more))
    rows = [
        [
            Choice(context.t("hours.edit_day"), HoursAction(action="e")),
            Choice(context.t("hours.add_time_off"), HoursAction(action="a")),
        ]
    ]
    if found.time_off:
        rows.append([Choice(context.t("hours.remove_time_off"), HoursAction(action="r"))])
    text = context.t(
        "hours.overview",
        zone=context.settings.timezone.key,
        hours=Raw("\n".join(hours_lines)),
        time_off=Raw("\n".join(off_lines)),
    )
    return Screen(text, rows)


async def leave_change(context: ClinicContext, note: str | None = None) -> Ended:
    """End the change and show the overview again, with ``note`` (HTML) above it."""
    try:
        screen = await overview_screen(context)
    except NotFound:
        context.show_text("hours.no_profile")
        return END
    context.show(screen.with_lead(note) if note else screen)
    return END


async def finish_change(update: Update, context: ClinicContext, draft: HoursDraft) -> Ended:
    """Done / « Back: leave the change and show the hours again."""
    return await leave_change(context)


# --- reading what was typed ---------------------------------------------------------------------


class BadRanges(ValueError):
    """Text written as ranges of hours that are not valid ones (``25-30``, ``13-9``)."""


_TIME = r"\d{1,2}(?:\s*[:.h]\s*\d{2})?\s*(?:[ap]\.?\s?m\.?|h)?"
_RANGE = re.compile(
    rf"(?P<start>{_TIME})\s*(?:-|–|—|\bto\b|\ba\b|\bhasta\b|\buntil\b)\s*(?P<end>{_TIME})"
)
_FILLER = re.compile(r"[\s,;&+/]+|\b(?:and|y|from|de|desde)\b")


def _minute(raw: str) -> int:
    text = raw.strip()
    if text.isdigit():
        hour = int(text)
        if hour > 24:
            raise BadRanges(raw)
        return hour * 60
    minute = parse_time(text)
    if minute is None:
        raise BadRanges(raw)
    return minute


def parse_ranges(text: str) -> list[tuple[int, int]] | None:
    """The ranges of hours in ``"9-13, 14:30-18"`` (minutes after midnight), ``None`` when the
    text is not written as ranges; :class:`BadRanges` when it is, but they are not valid."""
    lowered = text.lower()
    found = list(_RANGE.finditer(lowered))
    if not found or _FILLER.sub("", _RANGE.sub("", lowered)):
        return None
    ranges = []
    for match in found:
        start, end = _minute(match["start"]), _minute(match["end"])
        if not 0 <= start < end <= MIDNIGHT:
            raise BadRanges(match[0])
        ranges.append((start, end))
    return ranges


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for month in range(1, 13):
        for language in LANGUAGES:
            for key in (f"date.month.{month}", f"date.month_short.{month}"):
                names[normalise(t(language, key))] = month
    return names


_MONTHS = _month_names()
_DATE_FILLER = {"de", "of", "the", "del", "el"}
_RELATIVE = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1, "pasado manana": 2}


def _month(word: str) -> int | None:
    if word in _MONTHS:
        return _MONTHS[word]
    found = {month for name, month in _MONTHS.items() if len(word) >= 3 and name.startswith(word)}
    return found.pop() if len(found) == 1 else None


def parse_day(text: str, this_day: date) -> date | None:
    """The date in ``"24/12"``, ``"2026-12-24"``, ``"24 Dec"``, ``"24 de diciembre"``,
    ``"tomorrow"``; without a year, the next such day from ``this_day``. ``None`` when the text
    is not one."""
    said = normalise(text)
    if said in _RELATIVE:
        return this_day + timedelta(days=_RELATIVE[said])
    words = [w for w in said.split() if w not in _DATE_FILLER]
    numbers = [w for w in words if w.isdigit()]
    months = [w for w in words if not w.isdigit()]
    if len(months) > 1 or not 1 <= len(numbers) <= 3:
        return None
    if months:
        month = _month(months[0])
        if month is None or len(numbers) > 2:
            return None
        day, year = int(numbers[0]), (numbers[1] if len(numbers) == 2 else None)
    elif len(numbers) == 3 and len(numbers[0]) == 4:
        year, month, day = numbers[0], int(numbers[1]), int(numbers[2])
    elif len(numbers) >= 2:
        day, month = int(numbers[0]), int(numbers[1])
        year = numbers[2] if len(numbers) == 3 else None
    else:
        return None
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        found = date(this_day.year, month, day)
        return found if found >= this_day else date(this_day.year + 1, month, day)
    except ValueError:
        return None
