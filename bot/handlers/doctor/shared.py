"""What the doctor journeys share: the /hours conversation's states and draft, the overview a
change returns to, and how hours are written and read back when typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from telegram import Update

from bot.callbacks import HoursAction
from bot.choices import Choice, Screen, parse_time
from bot.context import ClinicContext
from bot.conversation import END, Ended
from bot.formatting import hhmm
from bot.handlers.pickers.dates import MIDNIGHT, describe_span

# Re-exported for the doctor journeys that read and write dates.
from bot.handlers.pickers.dates import label as label
from bot.handlers.pickers.dates import parse_day as parse_day
from bot.handlers.pickers.dates import today as today
from bot.handlers.pickers.span_picker import SpanDraft
from bot.routes import roles
from bot.texts import Raw
from db.doctors import hours_overview
from db.errors import NotFound
from db.models import Role
from db.slots import WeeklyRange

DOCTORS = roles(Role.DOCTOR)
# The overview lists at most this many entries of time off (Remove time off pages through all).
OVERVIEW_TIME_OFF = 15


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


@dataclass
class HoursDraft(SpanDraft):
    """A change of hours or time off: the weekday edited, the time off being added (the
    pickers' fields, :class:`SpanDraft`), the page of time off to remove, and the visits a
    change of hours left outside them."""

    weekday: int | None = None
    # The page of the list of time off to remove.
    remove_page: int = 0
    # The visits a change of the weekday's hours left outside them, still to keep or cancel,
    # and the page of that list shown.
    stranded: list[int] = field(default_factory=list)
    stranded_page: int = 0


Result = HoursState | Ended | None


# --- writing ------------------------------------------------------------------------------------


def weekday_name(context: ClinicContext, weekday: int) -> str:
    return context.t(f"date.weekday.{weekday}")


def ranges_text(context: ClinicContext, ranges: list[WeeklyRange]) -> str:
    if not ranges:
        return context.t("hours.no_ranges")
    return ", ".join(f"{hhmm(r.start_minute)}–{hhmm(r.end_minute)}" for r in ranges)


def lead(context: ClinicContext, *lines: str) -> None:
    """Lines (HTML) shown above the screen of the step the handler returns."""
    context.lead = "\n".join(line for line in lines if line)


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
            what=describe_span(context, row.starts_at, row.ends_at, row.whole_days),
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
