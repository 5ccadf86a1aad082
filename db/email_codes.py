"""Codes emailed to prove an address: to register, to reset a password, to confirm the address
of an account.

A code is 6 digits, kept only as a keyed hash (HMAC-SHA256 under the server's secret, so a copy
of the database alone cannot be searched for it), valid for :data:`CODE_TTL` and
:data:`MAX_TRIES` tries. Asking for codes is throttled like logging in: per chat and per
address, counted and checked under that chat's and that address's advisory locks, at most
:data:`CODES_LIMIT` in :data:`CODES_WINDOW` and one a minute; a chat that has held a session of
the account a reset is for is held back only by its own asking.

Nothing tells whether an address has an account: a code is made, counted and checked the same
way whatever the address. It is emailed only when there is someone to email (a reset of an
address without an account emails nothing; a registration at an address that an account holds
emails that account a note instead, unless it is a record the clinic registered that nobody
has claimed yet, whose owner the code lets claim it), and a code that was not emailed can never
match.

Every function takes an open session and a time, and never commits.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.accounts import (
    SESSION_TTL,
    LoggedIn,
    accounts_at,
    confirm_address,
    has_held_session,
    holds_address,
    open_session,
    revoke_user_sessions,
    user_view,
)
from db.models import CodePurpose, EmailCode, LoginFailure, Role, User
from db.patients import Registered, register_or_claim_and_log_in

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=15)
MAX_TRIES = 5
CODES_WINDOW = timedelta(minutes=15)
CODES_LIMIT = 5
RESEND_AFTER = timedelta(minutes=1)
# Codes are kept this long for counting, then deleted.
KEEP_CODES = timedelta(days=1)
CODE_DIGITS = 6

_CHAT_CODES = 0x434F_4401
_EMAIL_CODES = 0x434F_4402
_LOCK = text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))")


class MailKind(StrEnum):
    CODE = "code"  # the code, to the address being proved
    ALREADY_REGISTERED = "already_registered"  # a registration at an address with an account


@dataclass(frozen=True)
class CodeMail:
    """An email to send once the transaction has committed."""

    kind: MailKind
    purpose: CodePurpose
    to: str
    name: str
    language: str | None
    code: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CodeIssued:
    code_id: int
    expires_at: datetime
    mail: CodeMail | None  # None: nobody to email (nothing tells the chat so)


@dataclass(frozen=True)
class CodeThrottled:
    retry_after: timedelta


class Check(StrEnum):
    RIGHT = "right"
    WRONG = "wrong"
    SPENT = "spent"  # no tries left: a new code is needed
    EXPIRED = "expired"
    GONE = "gone"  # not this chat's code, or already used


@dataclass(frozen=True)
class Checked:
    result: Check
    tries_left: int = 0


def _digest(secret: str, row: EmailCode, code: str) -> str:
    message = f"{row.purpose}:{row.chat_id}:{row.email}:{code}"
    return hmac.new(secret.encode(), message.encode(), sha256).hexdigest()


def typed_code(raw: str) -> str | None:
    """The code in a typed answer ("123 456", "123-456"), or ``None`` when it holds none."""
    digits = "".join(ch for ch in raw if ch not in " -\u00a0\t")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


async def _lock(s: AsyncSession, *, chat_id: int, email: str) -> None:
    """Hold this chat's and this address's code locks until the transaction ends (the chat's
    first, as logging in does)."""
    await s.execute(_LOCK, {"space": _CHAT_CODES, "key": str(chat_id)})
    await s.execute(_LOCK, {"space": _EMAIL_CODES, "key": email})


async def _wait(s: AsyncSession, *, chat_id: int, email: str | None, now: datetime) -> timedelta:
    """How long until the chat (and the address) may be sent another code."""
    waits = [timedelta(0)]
    keys = [EmailCode.chat_id == chat_id]
    if email is not None:
        keys.append(EmailCode.email == email)
    for key in keys:
        times = (
            await s.scalars(
                select(EmailCode.created_at)
                .where(key, EmailCode.created_at > now - CODES_WINDOW)
                .order_by(EmailCode.created_at.desc())
                .limit(CODES_LIMIT)
            )
        ).all()
        if times:
            waits.append(times[0] + RESEND_AFTER - now)
        if len(times) >= CODES_LIMIT:
            waits.append(times[-1] + CODES_WINDOW - now)
    return max(waits)


def _reset_target(accounts: list[User]) -> User | None:
    """Whose password a reset at the address is for: the account holding it for good, else
    its oldest unconfirmed account."""
    if accounts and holds_address(accounts[0]):
        return accounts[0]
    return accounts[-1] if accounts else None


async def issue_code(
    s: AsyncSession,
    *,
    purpose: CodePurpose,
    chat_id: int,
    email: str,
    secret: str,
    now: datetime,
    name: str = "",
    language: str | None = None,
    user_id: int | None = None,
) -> CodeIssued | CodeThrottled:
    """A new code for ``chat_id`` to prove ``email`` (normalised): to register (as ``name``),
    to reset the address's account's password, or to confirm the address of the account
    ``user_id``. Returns what to email once committed, or how long the chat must wait."""
    await _lock(s, chat_id=chat_id, email=email)
    accounts = await accounts_at(s, email)
    target: User | None = None
    mail: CodeMail | None = None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    if purpose is CodePurpose.REGISTER:
        # The holder is a patient the clinic registered who never claimed the account: the
        # code is theirs to claim it with.
        claimable = bool(accounts) and (
            accounts[0].role == Role.PATIENT.value
            and accounts[0].password_hash is None
            and accounts[0].active
        )
        if accounts and holds_address(accounts[0]) and not claimable:
            holder = accounts[0]
            mail = CodeMail(
                MailKind.ALREADY_REGISTERED, purpose, email, holder.name, holder.language
            )
        else:
            mail = CodeMail(MailKind.CODE, purpose, email, name, language, code)
    else:
        if purpose is CodePurpose.RESET:
            target = _reset_target(accounts)
        else:
            target = next((user for user in accounts if user.id == user_id), None)
        if target is not None and target.active:
            mail = CodeMail(
                MailKind.CODE, purpose, email, target.name, target.language or language, code
            )
    own_chat = target is not None and await has_held_session(s, chat_id=chat_id, users=[target])
    wait = await _wait(s, chat_id=chat_id, email=None if own_chat else email, now=now)
    if wait > timedelta(0):
        log.info("A code for chat %s held back for %s", chat_id, wait)
        return CodeThrottled(wait)
    row = EmailCode(
        purpose=purpose.value,
        chat_id=chat_id,
        email=email,
        user_id=target.id if target is not None and mail is not None else None,
        code_hash="",
        attempts=0,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    # A code nobody is sent can never match: its hash is of no code.
    row.code_hash = (
        _digest(secret, row, code)
        if mail is not None and mail.kind is MailKind.CODE
        else secrets.token_hex(32)
    )
    s.add(row)
    await s.flush()
    return CodeIssued(code_id=row.id, expires_at=row.expires_at, mail=mail)


async def _check(
    s: AsyncSession,
    *,
    purpose: CodePurpose,
    code_id: int,
    chat_id: int,
    typed: str,
    secret: str,
    now: datetime,
) -> tuple[EmailCode | None, Checked]:
    """Check a typed code (a try counted, under the code's row lock)."""
    row = await s.scalar(
        select(EmailCode)
        .where(
            EmailCode.id == code_id,
            EmailCode.chat_id == chat_id,
            EmailCode.purpose == purpose.value,
        )
        .with_for_update()
    )
    if row is None or row.used_at is not None:
        return None, Checked(Check.GONE)
    if row.confirmed_at is not None:
        return row, Checked(Check.RIGHT)
    if row.attempts >= MAX_TRIES:
        return row, Checked(Check.SPENT)
    if row.expires_at <= now:
        return row, Checked(Check.EXPIRED)
    row.attempts += 1
    if hmac.compare_digest(row.code_hash, _digest(secret, row, typed)):
        row.confirmed_at = now
        await s.flush()
        return row, Checked(Check.RIGHT)
    await s.flush()
    left = MAX_TRIES - row.attempts
    return row, Checked(Check.WRONG if left else Check.SPENT, left)


async def register_with_code(
    s: AsyncSession,
    *,
    code_id: int,
    chat_id: int,
    typed: str,
    secret: str,
    name: str,
    email: str,
    password_hash: str,
    phone: str | None,
    language: str | None,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
    phone_verified: bool = False,
) -> Registered | Checked:
    """Check the code sent to ``email``; when right, create the patient with the address
    confirmed (or let them claim the account the clinic registered for them: see
    :func:`db.patients.register_or_claim_and_log_in`) and log ``chat_id`` in. The other,
    unconfirmed accounts of the address are told. :class:`~db.errors.EmailTaken` when another
    account holds the address for good."""
    row, checked = await _check(
        s,
        purpose=CodePurpose.REGISTER,
        code_id=code_id,
        chat_id=chat_id,
        typed=typed,
        secret=secret,
        now=now,
    )
    if row is None or checked.result is not Check.RIGHT:
        return checked
    if row.email != email:
        return Checked(Check.GONE)
    row.used_at = now
    return await register_or_claim_and_log_in(
        s,
        name=name,
        email=email,
        password_hash=password_hash,
        phone=phone,
        phone_verified=phone_verified,
        email_verified=True,
        language=language,
        chat_id=chat_id,
        secret=secret,
        now=now,
        ttl=ttl,
    )


async def check_reset_code(
    s: AsyncSession, *, code_id: int, chat_id: int, typed: str, secret: str, now: datetime
) -> Checked:
    """Check the code of a reset; when right, the new password may be set."""
    _, checked = await _check(
        s,
        purpose=CodePurpose.RESET,
        code_id=code_id,
        chat_id=chat_id,
        typed=typed,
        secret=secret,
        now=now,
    )
    return checked


async def reset_password(
    s: AsyncSession,
    *,
    code_id: int,
    chat_id: int,
    password_hash: str,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
) -> LoggedIn | None:
    """Set the password of the account whose reset code this chat typed right (within
    :data:`CODE_TTL`): its address counts as confirmed, every session of it ends, and this chat
    is logged in. ``None`` when the code is no longer good for it."""
    row = await s.scalar(
        select(EmailCode)
        .where(
            EmailCode.id == code_id,
            EmailCode.chat_id == chat_id,
            EmailCode.purpose == CodePurpose.RESET.value,
            EmailCode.confirmed_at > now - CODE_TTL,
            EmailCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None or row.user_id is None:
        return None
    user = await s.scalar(select(User).where(User.id == row.user_id).with_for_update())
    if user is None or not user.active or user.email != row.email:
        return None
    row.used_at = now
    user.password_hash = password_hash
    await confirm_address(s, user, now=now)
    await revoke_user_sessions(s, user_id=user.id, now=now)
    await s.execute(
        delete(LoginFailure).where(
            LoginFailure.chat_id == chat_id, LoginFailure.email == user.email
        )
    )
    session = await open_session(s, user=user, chat_id=chat_id, secret=secret, now=now, ttl=ttl)
    log.info("Password of user %s reset from chat %s", user.id, chat_id)
    return LoggedIn(user=user_view(user), session_id=session.id)


async def confirm_with_code(
    s: AsyncSession,
    *,
    code_id: int,
    chat_id: int,
    user_id: int,
    typed: str,
    secret: str,
    now: datetime,
) -> tuple[Checked, bool]:
    """Check the code sent to the address of ``user_id``; when right, the address is
    confirmed (the second value: False when another account holds it for good)."""
    row, checked = await _check(
        s,
        purpose=CodePurpose.VERIFY,
        code_id=code_id,
        chat_id=chat_id,
        typed=typed,
        secret=secret,
        now=now,
    )
    if row is None or checked.result is not Check.RIGHT:
        return checked, False
    user = await s.get(User, user_id)
    if row.user_id != user_id or user is None or user.email != row.email:
        return Checked(Check.GONE), False
    row.used_at = now
    return checked, await confirm_address(s, user, now=now)


async def prune_email_codes(s: AsyncSession, *, now: datetime) -> int:
    """Delete codes older than :data:`KEEP_CODES`; how many went."""
    result = await s.execute(
        delete(EmailCode).where(EmailCode.created_at < now - KEEP_CODES).returning(EmailCode.id)
    )
    return len(result.all())
