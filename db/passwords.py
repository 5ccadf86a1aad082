"""Password hashing with argon2id, run off the event loop."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from db.errors import PasswordTooLong, PasswordTooShort

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a real password, used to even out timing")


def check_password_rules(password: str) -> None:
    """Raise when ``password`` is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort()
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordTooLong()


async def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (after checking the length rules)."""
    check_password_rules(password)
    return await asyncio.to_thread(_hasher().hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; costs the same when there is no stored hash."""
    return await asyncio.to_thread(_verify, stored, password)
