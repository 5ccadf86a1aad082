"""/hours, a range added to a weekday: its start and end picked with the time picker."""

from __future__ import annotations

from bot.context import ClinicContext
from bot.formatting import hhmm, policy_of
from bot.handlers.doctor import hours_stranded
from bot.handlers.doctor.shared import HoursDraft, HoursState, Result, weekday_name
from bot.handlers.pickers.time_picker import Use
from db.booking import add_day_range
from db.doctors import InvalidHours
from db.slots import WeeklyRange


async def range_picked(context: ClinicContext, draft: HoursDraft, start: int, end: int) -> Result:
    """The time picker's start and end of a new range: added to the weekday."""
    weekday = draft.weekday or 0
    try:
        changed = await add_day_range(
            context.db,
            doctor_id=context.me.user_id,
            add=WeeklyRange(weekday, start, end),
            tz=context.settings.timezone,
            now=context.now,
            policy=policy_of(context.settings),
        )
    except InvalidHours:
        context.note("hours.invalid")
        return HoursState.DAY
    done = context.t("hours.range_added", start=hhmm(start), end=hhmm(end))
    return hours_stranded.strand(context, draft, done, changed)


def range_title(context: ClinicContext, draft: HoursDraft) -> str:
    return context.t(
        "pick.range_title",
        weekday=weekday_name(context, draft.weekday or 0),
        zone=context.settings.timezone.key,
    )


# What the time picker does for a weekly range; « Back from its start returns to the day.
RANGE = Use(range_picked, HoursState.DAY, range_title)
