"""A doctor's free appointment slots, computed from weekly hours and busy time; pure, no I/O."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    """Working hours on one weekday, in local wall-clock minutes after midnight."""

    weekday: int  # 0 = Monday … 6 = Sunday, as date.weekday()
    start_minute: int  # 0..1439
    end_minute: int  # 1..1440; 1440 is the next day's local midnight


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of absolute time, e.g. time off or a live appointment."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable appointment slot, in UTC."""

    starts_at: datetime
    ends_at: datetime


def free_slots(
    *,
    weekly: Sequence[WeeklyRange],
    busy: Sequence[Interval],
    slot_minutes: int,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    not_before: datetime,
    not_after: datetime,
) -> list[Slot]:
    """Return the free slots of the local days first_day..last_day, sorted by start, in UTC."""
    return [
        slot
        for _, day_slots in _slots_by_day(
            weekly=weekly,
            busy=busy,
            slot_minutes=slot_minutes,
            tz=tz,
            first_day=first_day,
            last_day=last_day,
            not_before=not_before,
            not_after=not_after,
        )
        for slot in day_slots
    ]


def free_days(
    *,
    weekly: Sequence[WeeklyRange],
    busy: Sequence[Interval],
    slot_minutes: int,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    not_before: datetime,
    not_after: datetime,
) -> dict[date, list[Slot]]:
    """Return the free slots grouped by local date, only days with a slot, in date order."""
    return dict(
        _slots_by_day(
            weekly=weekly,
            busy=busy,
            slot_minutes=slot_minutes,
            tz=tz,
            first_day=first_day,
            last_day=last_day,
            not_before=not_before,
            not_after=not_after,
        )
    )


def _local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    # fold=0: a wall time in a spring-forward gap lands just after the gap; a repeated one is
    # taken at its first occurrence.
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _slots_by_day(
    *,
    weekly: Sequence[WeeklyRange],
    busy: Sequence[Interval],
    slot_minutes: int,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    not_before: datetime,
    not_after: datetime,
) -> Iterator[tuple[date, list[Slot]]]:
    if slot_minutes <= 0:
        raise ValueError(f"slot_minutes must be positive, got {slot_minutes}")
    for weekly_range in weekly:
        _check_range(weekly_range)
    lower = _utc(not_before, "not_before")
    upper = _utc(not_after, "not_after")
    busy_starts, busy_ends = _merged_busy(busy)
    step = timedelta(minutes=slot_minutes)

    # A day's slots start inside that local day, so only the local dates of not_before..not_after
    # can have any; this also keeps a wide first_day..last_day cheap.
    first = max(first_day, lower.astimezone(tz).date())
    last = min(last_day, upper.astimezone(tz).date())
    if first > last:
        return

    ranges_by_weekday: list[list[WeeklyRange]] = [[] for _ in range(7)]
    for weekly_range in weekly:
        ranges_by_weekday[weekly_range.weekday].append(weekly_range)

    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        day_slots: list[Slot] = []
        for work_start, work_end in _working_instants(ranges_by_weekday[day.weekday()], day, tz):
            count = (work_end - work_start) // step
            # Indexes of the slots starting within [lower, upper], computed rather than scanned.
            first_index = max(0, -((work_start - lower) // step))
            last_index = min(count - 1, (upper - work_start) // step)
            for index in range(first_index, last_index + 1):
                starts_at = work_start + index * step
                ends_at = starts_at + step
                # Busy intervals are merged and disjoint, so the last one starting before the
                # slot ends is the only one that can overlap it.
                before = bisect_left(busy_starts, ends_at) - 1
                if before >= 0 and busy_ends[before] > starts_at:
                    continue
                day_slots.append(Slot(starts_at=starts_at, ends_at=ends_at))
        if day_slots:
            yield day, day_slots


def _working_instants(
    ranges: Sequence[WeeklyRange], day: date, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    # Ranges are clipped to the day's own instants so that days never overlap one another; a
    # range lying wholly in a DST gap may convert to an empty or inverted pair and is dropped.
    day_start = _local_instant(day, 0, tz)
    day_end = _local_instant(day, MINUTES_PER_DAY, tz)
    instants = sorted(
        (
            max(_local_instant(day, weekly_range.start_minute, tz), day_start),
            min(_local_instant(day, weekly_range.end_minute, tz), day_end),
        )
        for weekly_range in ranges
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in instants:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _merged_busy(busy: Sequence[Interval]) -> tuple[list[datetime], list[datetime]]:
    intervals = sorted(
        (_utc(interval.starts_at, "busy starts_at"), _utc(interval.ends_at, "busy ends_at"))
        for interval in busy
    )
    starts: list[datetime] = []
    ends: list[datetime] = []
    for start, end in intervals:
        if start >= end:
            continue
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _check_range(weekly_range: WeeklyRange) -> None:
    if not 0 <= weekly_range.weekday <= 6:
        raise ValueError(f"weekday must be 0..6: {weekly_range}")
    if not 0 <= weekly_range.start_minute < weekly_range.end_minute <= MINUTES_PER_DAY:
        raise ValueError(f"need 0 <= start_minute < end_minute <= 1440: {weekly_range}")


def _utc(moment: datetime, name: str) -> datetime:
    # Arithmetic between datetimes sharing a ZoneInfo is wall-clock arithmetic; UTC is real time.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)
