"""Typed answers: what a person types picks the choice it names, in English and Spanish."""

from __future__ import annotations

from datetime import date

from bot.callbacks import BookConfirm, BookDay, BookSpecialty, BookTime
from bot.choices import NO, YES, Choice, day_keys, match, normalise, parse_time, time_key


def _specialties(*names: str) -> list[Choice]:
    return [Choice(name, BookSpecialty(flow=1, specialty=i + 1)) for i, name in enumerate(names)]


def test_normalise_folds_case_accents_punctuation_and_emoji() -> None:
    assert normalise("  Cardiología! ") == "cardiologia"
    assert normalise("‹ Atrás") == "atras"
    assert normalise("✅ Confirm") == "confirm"
    assert normalise("Dr. Gregory   House") == "dr gregory house"
    assert normalise("13:00") == "13:00"


def test_times_in_the_ways_people_write_them() -> None:
    assert parse_time("13:00") == 13 * 60
    assert parse_time("9.30") == 9 * 60 + 30
    assert parse_time("1pm") == 13 * 60
    assert parse_time("1 PM") == 13 * 60
    assert parse_time("12am") == 0
    assert parse_time("12 p.m.") == 12 * 60
    assert parse_time("13h") == 13 * 60
    assert parse_time("24:00") == 24 * 60
    assert parse_time("13") is None  # a bare number is not a time
    assert parse_time("25:00") is None
    assert parse_time("9:75") is None
    assert parse_time("13pm") is None


def test_a_label_a_unique_prefix_or_a_word_picks_a_choice() -> None:
    choices = _specialties("Cardiology", "Dermatología", "Oncology")
    assert match(choices, "cardiology").choice == choices[0]
    assert match(choices, "CARDIO").choice == choices[0]
    assert match(choices, "dermatologia").choice == choices[1]  # accents optional
    assert match(choices, "Dermatología").choice == choices[1]
    assert match(choices, "onc").choice == choices[2]
    assert match(choices, "neurology").choice is None
    assert match(choices, "").choice is None


def test_an_ambiguous_answer_names_its_candidates() -> None:
    choices = _specialties("Cardiology", "Cardiac Surgery", "Oncology")
    found = match(choices, "card")
    assert found.choice is None
    assert [c.label for c in found.candidates] == ["Cardiology", "Cardiac Surgery"]
    assert match(choices, "cardiac").choice == choices[1]
    assert match(choices, "card surg").choice == choices[1]


def test_doctors_by_any_of_their_names() -> None:
    doctors = _specialties("Dr. Gregory House", "Dr. Lisa Cuddy", "Dr. James Wilson")
    assert match(doctors, "house").choice == doctors[0]
    assert match(doctors, "greg house").choice == doctors[0]
    assert match(doctors, "dr").choice is None  # every one of them
    assert len(match(doctors, "dr").candidates) == 3


def test_times_by_any_spelling_as_offered() -> None:
    times = [
        Choice(label, BookTime(flow=1, starts_at=_at(minute)), (time_key(minute),))
        for label, minute in (("09:00", 540), ("13:00", 780), ("13:30", 810))
    ]
    assert match(times, "1pm").choice == times[1]
    assert match(times, "13.30").choice == times[2]
    assert match(times, "9:00").choice == times[0]
    assert match(times, "9am").choice == times[0]
    assert match(times, "10:00").choice is None  # not offered


def test_days_by_label_date_weekday_or_relative_word() -> None:
    today = date(2026, 12, 1)  # a Tuesday
    days = [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 10)]
    labels = ["Tue 1 Dec", "Wed 2 Dec", "Thu 10 Dec"]
    choices = [
        Choice(label, BookDay(flow=1, day=day), day_keys(day, today))
        for label, day in zip(labels, days, strict=True)
    ]
    assert match(choices, "wed 2 dec").choice == choices[1]
    assert match(choices, "2026-12-10").choice == choices[2]
    assert match(choices, "10/12").choice == choices[2]
    assert match(choices, "1").choice == choices[0]  # a number is matched whole, not as "10"
    assert match(choices, "tomorrow").choice == choices[1]
    assert match(choices, "mañana").choice == choices[1]
    assert match(choices, "hoy").choice == choices[0]
    assert match(choices, "jueves").choice == choices[2]
    assert match(choices, "miércoles").choice == choices[1]


def test_yes_and_no_in_both_languages() -> None:
    confirm = Choice("✅ Confirm", BookConfirm(flow=1), YES)
    cancel = Choice("✖ Cancel", BookDay(flow=1, day=date(2026, 1, 1)), NO)
    for typed in ("yes", "Yes!", "sí", "si", "ok", "confirmar", "Confirm"):
        assert match([confirm, cancel], typed).choice == confirm, typed
    for typed in ("no", "No.", "cancel", "cancelar"):
        assert match([confirm, cancel], typed).choice == cancel, typed


def test_buttons_that_are_not_typed_are_never_picked_by_text() -> None:
    only_button = Choice("Cardiology", BookSpecialty(flow=1, specialty=1), typed=False)
    assert match([only_button], "cardiology").choice is None


def _at(minute: int) -> object:
    from datetime import UTC, datetime

    return datetime(2026, 12, 1, minute // 60, minute % 60, tzinfo=UTC)
