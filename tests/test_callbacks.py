"""The callback codec: every button family round-trips, fits Telegram's 64 bytes at its
largest, and anything forged, truncated or oversized decodes to nothing."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, get_args, get_origin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks import (
    MAX_DATA_BYTES,
    MAX_UNIX,
    AskCancel,
    BookTime,
    CallbackData,
    OpenSchedule,
    Range,
    decode,
    families,
)


def _strategy(hint: Any) -> st.SearchStrategy[Any]:
    if get_origin(hint) is Annotated:
        bounds = next(a for a in get_args(hint)[1:] if isinstance(a, Range))
        return st.integers(bounds.low, bounds.high)
    if get_origin(hint) is typing.Literal:
        return st.sampled_from(get_args(hint))
    if hint is bool:
        return st.booleans()
    if hint is date:
        return st.dates(date(1, 1, 1), date(9999, 12, 31))
    if hint is datetime:
        return st.integers(0, MAX_UNIX).map(lambda s: datetime.fromtimestamp(s, UTC))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return st.sampled_from(list(hint))
    raise AssertionError(f"no strategy for {hint!r}")


def _largest(hint: Any) -> Any:
    if get_origin(hint) is Annotated:
        return next(a for a in get_args(hint)[1:] if isinstance(a, Range)).high
    if get_origin(hint) is typing.Literal:
        return max(get_args(hint), key=len)
    if hint is bool:
        return True
    if hint is date:
        return date(9999, 12, 31)
    if hint is datetime:
        return datetime.fromtimestamp(MAX_UNIX, UTC)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return max(hint, key=lambda member: len(member.value))
    raise AssertionError(f"no largest value for {hint!r}")


def _hints(family: type[CallbackData]) -> dict[str, Any]:
    hints = typing.get_type_hints(family, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(family)}  # type: ignore[arg-type]


FAMILIES = sorted(families().values(), key=lambda f: f.__prefix__ or "")


def test_prefixes_are_unique_and_families_many() -> None:
    assert len(FAMILIES) >= 40
    prefixes = [f.__prefix__ for f in FAMILIES]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__prefix__)
def test_the_largest_value_of_every_family_fits_64_bytes(family: type[CallbackData]) -> None:
    value = family(**{name: _largest(hint) for name, hint in _hints(family).items()})
    data = value.pack()
    assert len(data.encode()) <= MAX_DATA_BYTES
    assert decode(data) == value


@st.composite
def _any_button(draw: st.DrawFn) -> CallbackData:
    family = draw(st.sampled_from(FAMILIES))
    values = {name: draw(_strategy(hint)) for name, hint in _hints(family).items()}
    return family(**values)


@settings(max_examples=400, deadline=None)
@given(_any_button())
def test_every_family_round_trips(button: CallbackData) -> None:
    data = button.pack()
    assert len(data.encode()) <= MAX_DATA_BYTES
    assert decode(data) == button
    assert type(button).parse(data) == button
    assert type(button).matches(data)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_raises(data: str) -> None:
    decoded = decode(data)
    if decoded is not None:  # only canonical data of a family decodes, and packs back the same
        assert decoded.pack() == data


@settings(max_examples=200, deadline=None)
@given(_any_button(), st.sampled_from(["", "x", "0", ":", ":1", "-1", "00"]))
def test_tampered_data_is_refused_or_canonical(button: CallbackData, tail: str) -> None:
    data = button.pack() + tail
    decoded = decode(data)
    assert decoded is None or decoded.pack() == data


def test_forged_ids_and_dates_are_refused() -> None:
    assert decode("ap:c:99999999999") is None  # beyond the database's integer
    assert decode("ap:c:2147483648") is None
    assert decode("ap:c:2147483647") == AskCancel(appointment=2_147_483_647)
    assert decode("ap:c:0") is None  # ids start at 1
    assert decode("ap:c:-5") is None
    assert decode("ap:c:05") is None  # not canonical
    assert decode("ap:c:5:6") is None
    assert decode("ap:c:") is None
    assert decode("ap:c") is None
    assert decode("sc:3:20261301:1") is None  # no 13th month
    assert decode("sc:3:20261201:3") is None  # 1 or 7 days only
    assert decode("sc:3:20261201:7") == OpenSchedule(doctor=3, day=date(2026, 12, 1), days="7")
    assert decode("bk.t:1:99999999999") is None
    assert decode("x" * 65) is None
    assert decode(None) is None
    assert decode("nope:1") is None


def test_packing_refuses_what_could_not_be_decoded() -> None:
    with pytest.raises(ValueError, match="outside"):
        AskCancel(appointment=0).pack()
    with pytest.raises(TypeError):
        BookTime(flow=1, starts_at=datetime(2026, 1, 1)).pack()  # a naive time
    with pytest.raises(ValueError, match="outside"):
        AskCancel(appointment=2**40).pack()


def test_buttons_already_in_chats_keep_working() -> None:
    # Reminders sent before this version carry these: they decode to the same buttons.
    assert decode("ap:c:42") == AskCancel(appointment=42)
    assert decode("ap:r:42") is not None and decode("ap:r:42").pack() == "ap:r:42"  # type: ignore[union-attr]
    assert decode("lang:es") is not None
    assert decode("dr:offok:7:0") is not None
