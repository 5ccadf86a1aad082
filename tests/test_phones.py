"""Phone numbers: read with libphonenumber, stored in E.164, shown nationally in the clinic's
country (``CLINIC_COUNTRY``) and internationally otherwise, wherever a phone is shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.jobs import deliver_pending, repair_phones, send_agendas_now
from bot.settings import ConfigError, settings_from_env
from db.errors import InvalidPhone
from db.models import User
from db.phones import display_phone, parse_phone, parse_shared_phone
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user

TODAY_11 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday 11:00 in Madrid


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("0412 555 123", "AU", "+61412555123"),
        ("(02) 9374 4000", "AU", "+61293744000"),
        ("+61 412 555 123", None, "+61412555123"),
        ("600 111 222", "ES", "+34600111222"),
        ("0034 600-111-222", "ES", "+34600111222"),
        ("+34 600 111 222", "AR", "+34600111222"),
        ("011 4555-1234", "AR", "+541145551234"),
        ("+1 (415) 555-0132", "ES", "+14155550132"),
    ],
)
def test_numbers_are_stored_in_e164(typed: str, region: str | None, stored: str) -> None:
    assert parse_phone(typed, region) == stored


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        # libphonenumber reads it as +61 4125551234: one digit too many for an Australian
        # mobile, so it is no valid number, and is asked again (never "+04125551234").
        ("0412 555 1234", "AU"),
        ("0412 555 123", None),  # no country to read a national number in
        ("600 111 222", "AU"),
        ("+1 (555) 010-9999", None),  # kept for fiction
        ("call me maybe", "ES"),
        ("", "ES"),
        ("+" + "1" * 60, None),
    ],
)
def test_what_is_no_valid_number_is_refused(typed: str, region: str | None) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(typed, region)


def test_a_shared_contact_is_international_with_or_without_its_plus() -> None:
    assert parse_shared_phone("61412555123", "ES") == "+61412555123"
    assert parse_shared_phone("+34 600 111 222", "AU") == "+34600111222"
    # Not valid as an international number: read like a typed one.
    assert parse_shared_phone("0412 555 123", "AU") == "+61412555123"
    with pytest.raises(InvalidPhone):
        parse_shared_phone("0412 555 123", None)


def test_numbers_are_shown_nationally_at_home_and_internationally_otherwise() -> None:
    assert display_phone("+61412555123", "AU") == "0412 555 123"
    assert display_phone("+61412555123", "ES") == "+61 412 555 123"
    assert display_phone("+61412555123", None) == "+61 412 555 123"
    assert display_phone("+541145551234", "AR") == "011 4555-1234"
    # What an older version stored, and is no number, is shown as it is.
    assert display_phone("+04125551234", "AU") == "+04125551234"


def test_clinic_country_is_validated_at_start() -> None:
    base = {"CLINIC_TIMEZONE": "UTC"}
    assert settings_from_env(base).clinic_country is None
    assert settings_from_env({**base, "CLINIC_COUNTRY": " au "}).clinic_country == "AU"
    with pytest.raises(ConfigError) as caught:
        settings_from_env({**base, "CLINIC_COUNTRY": "Australia"})
    assert str(caught.value) == (
        "CLINIC_COUNTRY: unknown country 'Australia'; use a two-letter ISO 3166 code like ES, "
        "AR or AU"
    )
    assert caught.value.variable == "CLINIC_COUNTRY"


def _in(harness: Harness, country: str) -> None:
    harness.services.settings = replace(harness.services.settings, clinic_country=country)


async def test_registration_reads_a_local_number_and_asks_again_for_an_invalid_one(
    harness: Harness,
) -> None:
    _in(harness, "AU")
    chat = harness.user("Bruce")
    for typed in ("/register", "Bruce Wayne", "bruce@example.com", "i-am-batman"):
        await chat.send(typed)
    again = await chat.send("0412 555 1234")
    assert again[-1].text == (
        "That doesn't look like a valid phone number. Use the button, type it as you would "
        "dial it here (like 0412 345 678; with the country code if it is from abroad), or "
        "press Skip."
    )
    assert "Share my phone" in again[-1].keyboard[0]
    assert "account is ready" in (await chat.send("0412 555 123"))[-1].text
    async with harness.services.session_factory() as s:
        phone = await s.scalar(select(User.phone).where(User.email == "bruce@example.com"))
    assert phone == "+61412555123"
    assert "Phone: 0412 555 123\n" in (await chat.send("/me"))[-1].text


async def test_a_shared_contact_is_read_the_same_way(harness: Harness) -> None:
    _in(harness, "AU")
    chat = harness.user("Bruce")
    for typed in ("/register", "Bruce Wayne", "bruce@example.com", "i-am-batman"):
        await chat.send(typed)
    # Telegram gives a contact's number international, without its "+".
    assert "account is ready" in (await chat.send_contact("61412555123"))[-1].text
    async with harness.services.session_factory() as s:
        phone = await s.scalar(select(User.phone).where(User.email == "bruce@example.com"))
    assert phone == "+61412555123"


async def test_the_doctor_sees_numbers_as_dialled_from_the_clinic(harness: Harness) -> None:
    _in(harness, "ES")
    doctor = await make_doctor(harness.services, "house@example.com")
    local = await make_user(harness.services, "ana@example.com", name="Ana", phone="+34600111222")
    abroad = await make_user(
        harness.services, "bo@example.com", name="Bo", phone="+61412555123", language="en"
    )
    for n, patient in enumerate((local, abroad)):
        await book_directly(
            harness.services,
            patient_id=patient.id,
            doctor_id=doctor.user_id,
            starts_at=TODAY_11.replace(hour=10 + n),
        )
    chat = harness.user("Greg")
    await log_in_chat(chat, "house@example.com")
    schedule = (await chat.send("/schedule"))[-1].text
    assert "11:00–11:30 · Ana · 600 11 12 22 · " in schedule
    assert "12:00–12:30 · Bo · +61 412 555 123 · " in schedule
    # The booking notices and the day's agenda show them the same way.
    await deliver_pending(harness.app.bot, harness.services)
    notices = [text for text in chat.texts() if text.startswith("📅 New appointment")]
    assert any("Ana (600 11 12 22)" in text for text in notices)
    assert any("Bo (+61 412 555 123)" in text for text in notices)
    await send_agendas_now(harness.app.bot, harness.services)
    agenda = chat.last.text
    assert "Ana (600 11 12 22)" in agenda and "Bo (+61 412 555 123)" in agenda


async def test_numbers_an_older_version_mangled_are_repaired_at_start(harness: Harness) -> None:
    await make_user(harness.services, "a@example.com", phone="+0412555123")
    await make_user(harness.services, "b@example.com", phone="+04125551234")  # no valid number
    await make_user(harness.services, "c@example.com", phone="+34600111222")
    await repair_phones(harness.services)  # no CLINIC_COUNTRY: nothing to read them in
    _in(harness, "AU")
    await repair_phones(harness.services)
    async with harness.services.session_factory() as s:
        phones = (await s.scalars(select(User.phone).order_by(User.email))).all()
    assert phones == ["+61412555123", "+04125551234", "+34600111222"]
