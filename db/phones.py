"""Phone numbers, read and written by Google's libphonenumber (the ``phonenumbers`` package).

Numbers are stored in E.164 (``+61412555123``). A number typed without ``+`` (nor the
international prefix of the clinic's country, like ``00``) is read as a number of the clinic's
country (``CLINIC_COUNTRY``); without one, only international numbers can be read. A number is
shown in its national format when it is of the clinic's country, internationally otherwise.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import InvalidPhone
from db.models import User

_MAX_TYPED = 40


def is_region(code: str) -> bool:
    """Whether ``code`` is a region libphonenumber knows (an ISO 3166 code like ``ES``)."""
    return code in phonenumbers.SUPPORTED_REGIONS


def parse_phone(raw: str, region: str | None) -> str:
    """The E.164 form of a typed number; :class:`InvalidPhone` when it cannot be read as a
    number, or is not a valid one (a digit too many or too few, an unused range)."""
    typed = raw.strip()
    if not typed or len(typed) > _MAX_TYPED:
        raise InvalidPhone()
    try:
        number = phonenumbers.parse(typed, region)
    except NumberParseException:
        raise InvalidPhone() from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def parse_shared_phone(raw: str, region: str | None) -> str:
    """The E.164 form of a shared Telegram contact's number. Telegram gives it international,
    often without its ``+``; a number that is no valid one that way is read as typed."""
    typed = raw.strip()
    if typed and not typed.startswith("+"):
        try:
            return parse_phone(f"+{typed}", None)
        except InvalidPhone:
            pass
    return parse_phone(typed, region)


def display_phone(stored: str, region: str | None) -> str:
    """A stored number as people read it: national within ``region``, else international;
    a value that is no number is shown as stored."""
    try:
        number = phonenumbers.parse(stored, None)
    except NumberParseException:
        return stored
    if region is not None and phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


async def repair_legacy_phones(s: AsyncSession, region: str) -> int:
    """Numbers stored by older versions as ``+`` and the digits typed (``+04125551234``): no
    country code starts with 0, so each was a national number. Those that are valid numbers of
    ``region`` are stored in E.164; how many were."""
    rows = (await s.execute(select(User.id, User.phone).where(User.phone.startswith("+0")))).all()
    repaired = 0
    for user_id, phone in rows:
        if phone is None:
            continue
        try:
            fixed = parse_phone(phone[1:], region)
        except InvalidPhone:
            continue
        await s.execute(update(User).where(User.id == user_id).values(phone=fixed))
        repaired += 1
    return repaired
