"""Free appointment slots: clinic examples, DST days, and properties over random schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.slots import Interval, Slot, WeeklyRange, free_days, free_slots

MADRID = ZoneInfo("Europe/Madrid")
SANTIAGO = ZoneInfo("America/Santiago")
KOLKATA = ZoneInfo("Asia/Kolkata")
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
MONDAY = date(2026, 6, 1)
WORK_WEEK = [WeeklyRange(weekday, 9 * 60, 17 * 60) for weekday in range(5)]


def local(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def hours(start: float, end: float, weekday: int = 0) -> WeeklyRange:
    return WeeklyRange(weekday, round(start * 60), round(end * 60))


def compute(**overrides: Any) -> list[Slot]:
    return free_slots(**{**_defaults(overrides), **overrides})


def compute_days(**overrides: Any) -> dict[date, list[Slot]]:
    return free_days(**{**_defaults(overrides), **overrides})


def _defaults(overrides: dict[str, Any]) -> dict[str, Any]:
    first_day = overrides.get("first_day", MONDAY)
    return {
        "weekly": WORK_WEEK,
        "busy": [],
        "slot_minutes": 30,
        "tz": MADRID,
        "first_day": first_day,
        "last_day": first_day,
        "not_before": FAR_PAST,
        "not_after": FAR_FUTURE,
    }


def local_starts(slots: Sequence[Slot], tz: ZoneInfo) -> list[str]:
    return [slot.starts_at.astimezone(tz).strftime("%H:%M") for slot in slots]


def every(step: int, start: str, count: int) -> list[str]:
    first = datetime.strptime(start, "%H:%M")
    return [(first + timedelta(minutes=step * i)).strftime("%H:%M") for i in range(count)]


def lengths(slots: Sequence[Slot]) -> set[timedelta]:
    return {slot.ends_at - slot.starts_at for slot in slots}


# --- An ordinary clinic week -------------------------------------------------------------------


def test_work_week_of_half_hour_slots() -> None:
    days = compute_days(last_day=MONDAY + timedelta(days=6))
    assert list(days) == [MONDAY + timedelta(days=i) for i in range(5)]
    for slots in days.values():
        assert local_starts(slots, MADRID) == every(30, "09:00", 16)
        assert slots[-1].ends_at.astimezone(MADRID).time() == time(17)
    assert len(compute(last_day=MONDAY + timedelta(days=6))) == 80


def test_slots_are_in_utc() -> None:
    slots = compute()
    assert slots[0].starts_at == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert all(s.starts_at.tzinfo is UTC and s.ends_at.tzinfo is UTC for s in slots)


def test_forty_five_minute_slots_stop_before_the_end() -> None:
    slots = compute(slot_minutes=45)
    assert len(slots) == 10
    assert slots[-1].ends_at == local(MADRID, MONDAY, 16, 30)
    assert lengths(slots) == {timedelta(minutes=45)}


@pytest.mark.parametrize(
    ("start", "slot_minutes", "expected"),
    [
        (22, 30, every(30, "22:00", 4)),
        (22, 60, ["22:00", "23:00"]),
        (23.5, 30, ["23:30"]),
        (23.5, 15, ["23:30", "23:45"]),
        (23.5, 60, []),
    ],
)
def test_hours_ending_at_midnight(start: float, slot_minutes: int, expected: list[str]) -> None:
    slots = compute(weekly=[hours(start, 24)], slot_minutes=slot_minutes)
    assert local_starts(slots, MADRID) == expected
    if slots:
        assert slots[-1].ends_at == local(MADRID, MONDAY + timedelta(days=1), 0)


def test_morning_and_afternoon_ranges() -> None:
    slots = compute(weekly=[hours(15, 19), hours(9, 13)])
    assert local_starts(slots, MADRID) == every(30, "09:00", 8) + every(30, "15:00", 8)


def test_overlapping_and_duplicate_ranges_are_merged() -> None:
    slots = compute(weekly=[hours(9, 12), hours(11, 14), hours(9, 12), hours(10, 11)])
    assert local_starts(slots, MADRID) == every(30, "09:00", 10)


def test_touching_ranges_form_one_continuous_stretch() -> None:
    slots = compute(weekly=[hours(9, 13), hours(13, 17)], slot_minutes=45)
    assert local_starts(slots, MADRID) == every(45, "09:00", 10)


def test_ranges_of_other_weekdays_do_not_apply() -> None:
    assert compute(weekly=[hours(9, 17, weekday=1)]) == []


# --- Busy time ---------------------------------------------------------------------------------


def test_appointment_removes_exactly_its_slot() -> None:
    booked = Interval(local(MADRID, MONDAY, 10), local(MADRID, MONDAY, 10, 30))
    slots = compute(busy=[booked])
    assert len(slots) == 15
    assert "10:00" not in local_starts(slots, MADRID)
    assert {"09:30", "10:30"} <= set(local_starts(slots, MADRID))


def test_longer_appointment_straddling_two_slots_removes_both() -> None:
    booked = Interval(local(MADRID, MONDAY, 10, 15), local(MADRID, MONDAY, 10, 45))
    starts = local_starts(compute(busy=[booked]), MADRID)
    assert len(starts) == 14
    assert "10:00" not in starts
    assert "10:30" not in starts


def test_busy_time_in_utc_or_another_zone_is_the_same_instant() -> None:
    in_madrid = Interval(local(MADRID, MONDAY, 12), local(MADRID, MONDAY, 13))
    in_utc = Interval(in_madrid.starts_at.astimezone(UTC), in_madrid.ends_at.astimezone(UTC))
    in_kolkata = Interval(
        in_madrid.starts_at.astimezone(KOLKATA), in_madrid.ends_at.astimezone(KOLKATA)
    )
    expected = compute(busy=[in_madrid])
    assert len(expected) == 14
    assert compute(busy=[in_utc]) == expected
    assert compute(busy=[in_kolkata]) == expected


def test_whole_day_off() -> None:
    tuesday = MONDAY + timedelta(days=1)
    day_off = Interval(local(MADRID, tuesday, 0), local(MADRID, tuesday + timedelta(days=1), 0))
    days = compute_days(busy=[day_off], last_day=MONDAY + timedelta(days=4))
    assert tuesday not in days
    assert len(days) == 4
    assert all(len(slots) == 16 for slots in days.values())


def test_afternoon_off() -> None:
    time_off = Interval(local(MADRID, MONDAY, 12), local(MADRID, MONDAY, 17))
    assert local_starts(compute(busy=[time_off]), MADRID) == every(30, "09:00", 6)


def test_many_appointments_across_a_month() -> None:
    weekly = [hours(8, 14, d) for d in range(7)] + [hours(16, 21, d) for d in range(7)]
    last_day = MONDAY + timedelta(days=29)
    start = local(MADRID, MONDAY, 0).astimezone(UTC)
    busy = [
        Interval(start + timedelta(minutes=7 * i), start + timedelta(minutes=7 * i + 5))
        for i in range(0, 30 * 24 * 60 // 7, 3)
    ]
    assert len(busy) > 2000
    every_slot = compute(weekly=weekly, slot_minutes=15, last_day=last_day)
    assert len(every_slot) == 30 * 44
    free = compute(weekly=weekly, busy=busy, slot_minutes=15, last_day=last_day)
    assert free == [s for s in every_slot if not any(overlaps(s, b) for b in busy)]
    assert 0 < len(free) < len(every_slot)


# --- Notice and horizon ------------------------------------------------------------------------


def test_no_slot_before_not_before() -> None:
    assert local_starts(compute(not_before=local(MADRID, MONDAY, 11, 10)), MADRID) == every(
        30, "11:30", 11
    )


def test_slot_starting_exactly_at_not_before_is_kept() -> None:
    assert local_starts(compute(not_before=local(MADRID, MONDAY, 11)), MADRID)[0] == "11:00"


def test_horizon_cuts_slots_starting_after_it() -> None:
    starts = local_starts(compute(not_after=local(MADRID, MONDAY, 12)), MADRID)
    assert starts == every(30, "09:00", 7)


def test_horizon_before_notice_leaves_nothing() -> None:
    assert compute(not_before=local(MADRID, MONDAY, 12), not_after=local(MADRID, MONDAY, 11)) == []


def test_wide_date_span_is_limited_by_notice_and_horizon() -> None:
    not_before = local(MADRID, MONDAY, 0)
    days = compute_days(
        first_day=date(1, 1, 1),
        last_day=date(9999, 12, 30),
        not_before=not_before,
        not_after=not_before + timedelta(days=7),
    )
    assert list(days) == [MONDAY + timedelta(days=i) for i in range(5)]


# --- Daylight saving time ----------------------------------------------------------------------


@pytest.mark.parametrize(("day", "real_hours"), [(date(2026, 3, 29), 5), (date(2026, 10, 25), 7)])
def test_madrid_night_hours_on_dst_days(day: date, real_hours: int) -> None:
    slots = compute(weekly=[hours(0, 6, weekday=6)], first_day=day)
    assert len(slots) == real_hours * 2
    assert slots[0].starts_at == local(MADRID, day, 0)
    assert slots[-1].ends_at == local(MADRID, day, 6)
    assert lengths(slots) == {timedelta(minutes=30)}
    assert all(a.ends_at == b.starts_at for a, b in pairwise(slots))


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_madrid_day_hours_on_dst_days(day: date) -> None:
    slots = compute(weekly=[hours(9, 17, weekday=6)], first_day=day)
    assert local_starts(slots, MADRID) == every(30, "09:00", 16)


def test_madrid_range_starting_in_the_spring_gap_starts_after_it() -> None:
    # 02:30 does not exist on 2026-03-29; it is read as 03:30 (CEST).
    slots = compute(weekly=[hours(2.5, 4, weekday=6)], first_day=date(2026, 3, 29))
    assert local_starts(slots, MADRID) == ["03:30"]


def test_madrid_range_wholly_in_the_spring_gap_is_empty() -> None:
    assert compute(weekly=[hours(2, 3, weekday=6)], first_day=date(2026, 3, 29)) == []


def test_madrid_repeated_hour_gives_two_real_hours() -> None:
    slots = compute(weekly=[hours(2, 3, weekday=6)], first_day=date(2026, 10, 25))
    assert [s.starts_at.strftime("%H:%M") for s in slots] == every(30, "00:00", 4)


def test_santiago_transitions_fall_on_the_expected_days() -> None:
    gap = datetime(2026, 9, 6, 0, 0, tzinfo=SANTIAGO)
    assert gap.astimezone(UTC).astimezone(SANTIAGO).replace(tzinfo=None) != gap.replace(
        tzinfo=None
    )
    repeat = datetime(2026, 4, 4, 23, 30, tzinfo=SANTIAGO)
    assert repeat.utcoffset() != repeat.replace(fold=1).utcoffset()


@pytest.mark.parametrize(
    ("day", "start", "end", "real_hours"),
    [
        (date(2026, 4, 4), 0, 24, 25),  # 23:00-24:00 happens twice
        (date(2026, 4, 4), 22, 24, 3),
        (date(2026, 4, 5), 0, 8, 8),  # midnight exists once; the repeat ended it
        (date(2026, 9, 5), 22, 24, 2),
        (date(2026, 9, 6), 0, 8, 7),  # 00:00 does not exist; the day starts at 01:00
        (date(2026, 9, 6), 9, 17, 8),
    ],
)
def test_santiago_transition_days(day: date, start: int, end: int, real_hours: int) -> None:
    weekly = [hours(start, end, weekday=day.weekday())]
    slots = compute(weekly=weekly, tz=SANTIAGO, first_day=day, slot_minutes=60)
    assert len(slots) == real_hours
    assert all(a.ends_at == b.starts_at for a, b in pairwise(slots))
    assert {s.starts_at.astimezone(SANTIAGO).date() for s in slots} == {day}


def test_santiago_day_after_missing_midnight_starts_at_one() -> None:
    slots = compute(weekly=[hours(0, 8, 6)], tz=SANTIAGO, first_day=date(2026, 9, 6))
    assert slots[0].starts_at == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    assert local_starts(slots, SANTIAGO)[0] == "01:00"


# --- Grouping by local date --------------------------------------------------------------------


def test_late_evening_slot_belongs_to_its_local_date() -> None:
    days = compute_days(weekly=[hours(22, 24)], tz=SANTIAGO)
    assert list(days) == [MONDAY]
    last = days[MONDAY][-1]
    assert local_starts([last], SANTIAGO) == ["23:30"]
    assert last.starts_at.date() == MONDAY + timedelta(days=1)


def test_early_morning_slot_belongs_to_its_local_date() -> None:
    days = compute_days(weekly=[hours(0, 1)], tz=KOLKATA)
    assert list(days) == [MONDAY]
    assert all(s.starts_at.date() == MONDAY - timedelta(days=1) for s in days[MONDAY])


def test_free_days_matches_free_slots() -> None:
    kwargs: dict[str, Any] = {
        "last_day": MONDAY + timedelta(days=13),
        "not_before": local(MADRID, MONDAY + timedelta(days=2), 12),
    }
    days = compute_days(**kwargs)
    assert list(days) == sorted(days)
    assert [s for slots in days.values() for s in slots] == compute(**kwargs)


# --- Odd inputs --------------------------------------------------------------------------------


def test_first_day_after_last_day_is_empty() -> None:
    assert compute(last_day=MONDAY - timedelta(days=1)) == []
    assert compute_days(last_day=MONDAY - timedelta(days=1)) == {}


@pytest.mark.parametrize(
    ("slot_minutes", "count"), [(1, 480), (7, 68), (480, 1), (481, 0), (10**9, 0)]
)
def test_unusual_slot_lengths_terminate(slot_minutes: int, count: int) -> None:
    assert len(compute(slot_minutes=slot_minutes)) == count


def test_whole_day_as_one_slot() -> None:
    slots = compute(weekly=[hours(0, 24)], slot_minutes=1440)
    assert len(slots) == 1


@pytest.mark.parametrize("slot_minutes", [0, -30])
def test_non_positive_slot_length_is_rejected(slot_minutes: int) -> None:
    with pytest.raises(ValueError, match="slot_minutes"):
        compute(slot_minutes=slot_minutes)


@pytest.mark.parametrize(
    "weekly_range",
    [
        WeeklyRange(0, 600, 600),
        WeeklyRange(0, 700, 600),
        WeeklyRange(0, -1, 600),
        WeeklyRange(0, 600, 1441),
        WeeklyRange(0, 1440, 1441),
        WeeklyRange(7, 540, 1020),
        WeeklyRange(-1, 540, 1020),
    ],
)
def test_malformed_weekly_range_is_rejected(weekly_range: WeeklyRange) -> None:
    with pytest.raises(ValueError, match=r"weekday|minute"):
        compute(weekly=[weekly_range])


def test_malformed_range_is_rejected_even_when_no_day_is_asked() -> None:
    with pytest.raises(ValueError, match="minute"):
        compute(weekly=[WeeklyRange(0, 600, 500)], last_day=MONDAY - timedelta(days=1))


@pytest.mark.parametrize(
    "overrides",
    [
        {"not_before": datetime(2026, 6, 1, 9)},
        {"not_after": datetime(2026, 6, 1, 9)},
        {"busy": [Interval(datetime(2026, 6, 1, 9), datetime(2026, 6, 1, 10, tzinfo=UTC))]},
        {"busy": [Interval(datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 1, 10))]},
    ],
)
def test_naive_datetimes_are_rejected(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute(**overrides)


def test_empty_or_inverted_busy_interval_blocks_nothing() -> None:
    at = local(MADRID, MONDAY, 10, 15)
    busy = [Interval(at, at), Interval(at, at - timedelta(hours=1))]
    assert len(compute(busy=busy)) == 16


# --- Properties --------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Madrid", "America/Santiago", "Asia/Kolkata", "Australia/Lord_Howe"]


@cache
def transition_days(zone: str) -> tuple[date, ...]:
    """Local dates in 2025–2027 on which the zone's UTC offset changes, from zoneinfo's data."""
    tz = ZoneInfo(zone)
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    days: list[date] = []
    previous = moment.astimezone(tz).utcoffset()
    for _ in range(3 * 366 * 24):
        moment += timedelta(hours=1)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            days.append(moment.astimezone(tz).date())
            previous = offset
    return tuple(days) or (date(2026, 6, 1),)


minutes_of_day = st.one_of(
    st.integers(0, 1440),
    st.sampled_from([0, 60, 90, 120, 150, 180, 1320, 1380, 1410, 1440]),
)


@st.composite
def weekly_ranges(draw: st.DrawFn) -> WeeklyRange:
    start, end = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2, unique=True)))
    return WeeklyRange(draw(st.integers(0, 6)), start, end)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any]:
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    around = draw(st.sampled_from(transition_days(zone)))
    day = draw(
        st.one_of(
            st.dates(date(2025, 1, 1), date(2027, 12, 31)),
            st.integers(-2, 1).map(lambda shift: around + timedelta(days=shift)),
        )
    )
    last_day = day + timedelta(days=draw(st.integers(0, 3)))
    weekly = draw(st.lists(weekly_ranges(), max_size=8))
    if draw(st.booleans()):
        # The same hours on every weekday, so that each generated day has work.
        weekly += [
            WeeklyRange(weekday, r.start_minute, r.end_minute)
            for r in weekly[:2]
            for weekday in range(7)
        ]
    origin = datetime.combine(day, time(), tzinfo=UTC)
    minute = st.integers(-1440, 5 * 1440).map(lambda m: origin + timedelta(minutes=m))
    busy = [
        Interval(start.astimezone(shown_in), start + timedelta(minutes=length))
        for start, length, shown_in in draw(
            st.lists(
                st.tuples(minute, st.integers(1, 600), st.sampled_from([UTC, tz])), max_size=12
            )
        )
    ]
    not_before = draw(st.one_of(st.just(FAR_PAST), minute))
    not_after = draw(st.one_of(st.just(FAR_FUTURE), minute))
    slot_minutes = draw(st.one_of(st.sampled_from([15, 20, 30, 45, 60]), st.integers(1, 240)))
    return {
        "weekly": weekly,
        "busy": busy,
        "slot_minutes": slot_minutes,
        "tz": tz,
        "first_day": day,
        "last_day": last_day,
        "not_before": not_before.astimezone(tz),
        "not_after": not_after,
    }


def overlaps(slot: Slot, interval: Interval) -> bool:
    return slot.starts_at < interval.ends_at and interval.starts_at < slot.ends_at


def wall_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    moment = datetime.combine(
        day + timedelta(days=minute // 1440), time(minute % 1440 // 60, minute % 60), tzinfo=tz
    )
    return moment.astimezone(UTC)


def range_instants(
    weekly: Sequence[WeeklyRange], day: date, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    return [
        (wall_instant(day, r.start_minute, tz), wall_instant(day, r.end_minute, tz))
        for r in weekly
        if r.weekday == day.weekday()
    ]


def covered(start: datetime, end: datetime, pieces: list[tuple[datetime, datetime]]) -> bool:
    """Whether [start, end] lies within the union of the pieces."""
    reached = start
    for piece_start, piece_end in sorted(pieces):
        if piece_start <= reached < piece_end:
            reached = max(reached, piece_end)
    return reached >= end


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(schedules())
def test_every_slot_is_valid(schedule: dict[str, Any]) -> None:
    slots = free_slots(**schedule)
    tz: ZoneInfo = schedule["tz"]
    step = timedelta(minutes=schedule["slot_minutes"])
    for slot in slots:
        assert slot.starts_at.tzinfo is UTC
        assert slot.ends_at.tzinfo is UTC
        assert slot.ends_at - slot.starts_at == step
        day = slot.starts_at.astimezone(tz).date()
        assert schedule["first_day"] <= day <= schedule["last_day"]
        assert covered(slot.starts_at, slot.ends_at, range_instants(schedule["weekly"], day, tz))
        assert not any(overlaps(slot, interval) for interval in schedule["busy"])
        assert schedule["not_before"] <= slot.starts_at <= schedule["not_after"]
    for earlier, later in pairwise(slots):
        assert earlier.starts_at < later.starts_at
        assert earlier.ends_at <= later.starts_at


@PROPERTY_SETTINGS
@given(schedules())
def test_busy_time_only_removes_slots_that_overlap_it(schedule: dict[str, Any]) -> None:
    without_busy = free_slots(**{**schedule, "busy": []})
    with_busy = free_slots(**schedule)
    removed = [s for s in without_busy if any(overlaps(s, b) for b in schedule["busy"])]
    assert with_busy == [s for s in without_busy if s not in removed]
    assert sorted(with_busy + removed, key=lambda s: s.starts_at) == without_busy


@PROPERTY_SETTINGS
@given(schedules())
def test_free_days_groups_free_slots_by_local_date(schedule: dict[str, Any]) -> None:
    days = free_days(**schedule)
    assert list(days) == sorted(days)
    assert all(days.values())
    for day, slots in days.items():
        assert {s.starts_at.astimezone(schedule["tz"]).date() for s in slots} == {day}
    assert [s for slots in days.values() for s in slots] == free_slots(**schedule)


@PROPERTY_SETTINGS
@given(schedules(), weekly_ranges())
def test_one_range_yields_as_many_slots_as_real_time_allows(
    schedule: dict[str, Any], weekly_range: WeeklyRange
) -> None:
    tz: ZoneInfo = schedule["tz"]
    step = timedelta(minutes=schedule["slot_minutes"])
    every_day = [
        WeeklyRange(d, weekly_range.start_minute, weekly_range.end_minute) for d in range(7)
    ]
    days = free_days(
        **{
            **schedule,
            "weekly": every_day,
            "busy": [],
            "not_before": FAR_PAST,
            "not_after": FAR_FUTURE,
        }
    )
    for offset in range((schedule["last_day"] - schedule["first_day"]).days + 1):
        day = schedule["first_day"] + timedelta(days=offset)
        ((start, end),) = range_instants(every_day, day, tz)
        slots = days.get(day, [])
        assert len(slots) == max(0, (end - start) // step)
        if slots:
            assert slots[0].starts_at == start
