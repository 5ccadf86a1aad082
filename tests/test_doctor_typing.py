"""How the doctor journeys read hours and dates typed in chat."""

from __future__ import annotations

from datetime import date

import pytest

from bot.handlers.doctor.shared import BadRanges, parse_day, parse_ranges

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "ranges"),
    [
        ("9-13", [(540, 780)]),
        ("9-13, 14:30-18", [(540, 780), (870, 1080)]),
        ("09:00–13:00; 15:00—19:00", [(540, 780), (900, 1140)]),
        ("9am-1pm and 2pm to 6pm", [(540, 780), (840, 1080)]),
        ("de 9 a 14 y de 16 a 19", [(540, 840), (960, 1140)]),
        ("9.30-13h", [(570, 780)]),
        ("20-24", [(1200, 1440)]),
        ("14-18 9-13", [(840, 1080), (540, 780)]),
    ],
)
def test_ranges_typed_as_people_write_them(typed: str, ranges: list[tuple[int, int]]) -> None:
    assert parse_ranges(typed) == ranges


@pytest.mark.parametrize("typed", ["13-9", "25-30", "9-9", "9:75-10", "0-24:30"])
def test_ranges_that_are_not_valid(typed: str) -> None:
    with pytest.raises(BadRanges):
        parse_ranges(typed)


@pytest.mark.parametrize("typed", ["monday", "9", "9-13-18", "from nine to five", "9-13 please"])
def test_text_that_is_not_ranges(typed: str) -> None:
    assert parse_ranges(typed) is None


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("24/12", date(2026, 12, 24)),
        ("24-12", date(2026, 12, 24)),
        ("24.12.2026", date(2026, 12, 24)),
        ("2026-12-24", date(2026, 12, 24)),
        ("24 Dec", date(2026, 12, 24)),
        ("Dec 24", date(2026, 12, 24)),
        ("24 de diciembre", date(2026, 12, 24)),
        ("3 ene", date(2027, 1, 3)),  # no year: the next one
        ("1/12", date(2026, 12, 1)),
        ("30/11", date(2027, 11, 30)),
        ("5 march 27", date(2027, 3, 5)),
        ("Tomorrow", date(2026, 12, 2)),
        ("pasado mañana", date(2026, 12, 3)),
    ],
)
def test_dates_typed_as_people_write_them(typed: str, day: date) -> None:
    assert parse_day(typed, TODAY) == day


@pytest.mark.parametrize("typed", ["31/11", "24", "friday", "24 ju", "1/2/3/4", "soon"])
def test_text_that_is_not_a_date(typed: str) -> None:
    assert parse_day(typed, TODAY) is None
