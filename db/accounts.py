"""Accounts and sessions: register, log in (throttled), resolve a chat's session, log out; which
account holds an address (codes that prove one are in :mod:`db.email_codes`).

Every function takes an open session and a time (or clock) and never commits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.deliveries import on_email_claimed
from db.engine import BOOKKEEPING
from db.errors import EmailTaken, InvalidEmail, InvalidName, NotFound
from db.models import ChatSession, LoginFailure, Role, User
from db.passwords import verify_password
from db.phones import parse_phone
from db.tokens import TokenInvalid, decode_token, issue_token

log = logging.getLogger(__name__)

SESSION_TTL = timedelta(hours=24)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5
# A login tries the password against at most this many accounts of one address.
MAX_ACCOUNTS_TRIED = 5

_EMAIL_RE = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)


# The errors below never carry what was typed: an error may end up in a log.


def normalise_email(raw: str) -> str:
    """The email trimmed and lower-cased; :class:`InvalidEmail` when it is not an address."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise InvalidEmail()
    return email


def normalise_name(raw: str) -> str:
    """The name with spaces folded; :class:`InvalidName` when empty, too long or not a name."""
    name = " ".join(raw.split())
    if not 2 <= len(name) <= 120 or not any(ch.isalpha() for ch in name):
        raise InvalidName()
    if any(ord(ch) < 32 for ch in name) or name.startswith("/"):
        raise InvalidName()
    return name


def normalise_phone(raw: str, region: str | None = None) -> str:
    """The phone in E.164, read as a number of ``region`` unless international (see
    :mod:`db.phones`); :class:`InvalidPhone` when it is not a valid phone number."""
    return parse_phone(raw, region)


async def email_available(s: AsyncSession, email: str) -> bool:
    """Whether no account uses ``email`` (already normalised)."""
    found = await s.scalar(select(User.id).where(User.email == email).limit(1))
    return found is None


# An account holds its address for good once the address is confirmed, or when it is staff's
# (an admin entered it): one such account per address (``uq_users_email_held``).
HOLDS_ADDRESS: ColumnElement[bool] = or_(
    User.email_verified_at.is_not(None), User.role != Role.PATIENT.value
)


async def accounts_at(s: AsyncSession, email: str, *, lock: bool = False) -> list[User]:
    """The accounts using the address: the one holding it for good first, then unconfirmed
    ones, newest first."""
    query = select(User).where(User.email == email).order_by(HOLDS_ADDRESS.desc(), User.id.desc())
    if lock:
        query = query.with_for_update()
    return list((await s.scalars(query)).all())


def holds_address(user: User) -> bool:
    """Whether ``user`` holds its address for good (see :data:`HOLDS_ADDRESS`)."""
    return user.email_verified_at is not None or user.role != Role.PATIENT.value


def _owners(accounts: Sequence[User]) -> list[User]:
    """Whose address it is: the account holding it for good, else every unconfirmed one."""
    return [user for user in accounts if holds_address(user)][:1] or list(accounts)


async def confirm_address(s: AsyncSession, user: User, *, now: datetime) -> bool:
    """Record that ``user``'s owner proved its address, and tell the other, unconfirmed
    accounts of the address (see :func:`tell_unconfirmed_accounts`). False (nothing changed)
    when another account holds the address for good."""
    if user.email_verified_at is not None:
        return True
    await s.flush()
    try:
        async with s.begin_nested():
            await s.execute(update(User).where(User.id == user.id).values(email_verified_at=now))
    except IntegrityError:
        return False
    set_committed_value(user, "email_verified_at", now)
    await tell_unconfirmed_accounts(s, user, now=now)
    return True


async def tell_unconfirmed_accounts(s: AsyncSession, user: User, *, now: datetime) -> None:
    """A chat notice to every other, unconfirmed account of ``user``'s address, which ``user``
    now holds: its owner confirmed it for another account."""
    others = await s.scalars(
        select(User.id).where(
            User.email == user.email,
            User.id != user.id,
            User.email_verified_at.is_(None),
            User.role == Role.PATIENT.value,
        )
    )
    await on_email_claimed(s, list(others.all()), now)


@dataclass(frozen=True)
class UserView:
    """An account as handlers see it (never the ORM row)."""

    id: int
    name: str
    email: str | None  # None only for a patient the clinic registered without one
    role: Role
    language: str | None
    phone: str | None
    email_verified: bool = False


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        name=user.name,
        email=user.email,
        role=Role(user.role),
        language=user.language,
        phone=user.phone,
        email_verified=user.email_verified_at is not None,
    )


async def get_user(s: AsyncSession, user_id: int) -> User:
    """The user with ``user_id``; :class:`NotFound` when there is none."""
    user = await s.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


async def register_patient(
    s: AsyncSession,
    *,
    name: str,
    email: str,
    password_hash: str,
    phone: str | None,
    language: str | None,
    verified_at: datetime | None = None,
) -> User:
    """Create a patient account, its address confirmed at ``verified_at`` (``None``:
    unconfirmed, which no other account's address prevents); :class:`EmailTaken` when a
    confirmed address is held by another account. ``phone`` is in E.164 already."""
    user = User(
        name=normalise_name(name),
        email=normalise_email(email),
        password_hash=password_hash,
        phone=normalise_phone(phone) if phone else None,
        role=Role.PATIENT.value,
        language=language,
        email_verified_at=verified_at,
    )
    try:
        async with s.begin_nested():
            s.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    return user


async def register_and_log_in(
    s: AsyncSession,
    *,
    name: str,
    email: str,
    password_hash: str,
    phone: str | None,
    language: str | None,
    chat_id: int,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
) -> UserView:
    """Create a patient account with an unconfirmed address (registering while the email
    channel is off) and log ``chat_id`` in to it."""
    user = await register_patient(
        s, name=name, email=email, password_hash=password_hash, phone=phone, language=language
    )
    await open_session(s, user=user, chat_id=chat_id, secret=secret, now=now, ttl=ttl)
    return user_view(user)


class Denial(StrEnum):
    INVALID = "invalid"
    THROTTLED = "throttled"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class LoginDenied:
    reason: Denial
    retry_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class LoggedIn:
    user: UserView
    session_id: int


# Login attempts are counted, checked and recorded one at a time per chat and per email, under
# transaction-level advisory locks (the two-key form, apart from the chats' one-key locks; a
# chat's lock is always taken before an email's).
_CHAT_ATTEMPTS = 0x4C4F_4701
_EMAIL_ATTEMPTS = 0x4C4F_4702
_LOCK_ATTEMPTS = text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))")


async def _lock_attempts(s: AsyncSession, *, chat_id: int, email: str) -> None:
    """Hold this chat's and this email's login locks until the transaction ends."""
    await s.execute(_LOCK_ATTEMPTS, {"space": _CHAT_ATTEMPTS, "key": str(chat_id)})
    await s.execute(_LOCK_ATTEMPTS, {"space": _EMAIL_ATTEMPTS, "key": email})


async def has_held_session(s: AsyncSession, *, chat_id: int, users: Sequence[User]) -> bool:
    """Whether the chat was ever logged in to one of ``users`` (revoked and expired sessions
    count)."""
    if not users:
        return False
    found = await s.scalar(
        select(ChatSession.id)
        .where(
            ChatSession.user_id.in_([user.id for user in users]), ChatSession.chat_id == chat_id
        )
        .limit(1)
    )
    return found is not None


async def _wait(s: AsyncSession, *, chat_id: int, email: str | None, now: datetime) -> timedelta:
    """How long until the chat's (and the email's) failures in the window drop below the limit."""
    since = now - THROTTLE_WINDOW
    waits = [timedelta(0)]
    keys = [LoginFailure.chat_id == chat_id]
    if email is not None:
        keys.append(LoginFailure.email == email)
    for key in keys:
        rows = (
            await s.scalars(
                select(LoginFailure.at)
                .where(key, LoginFailure.at > since)
                .order_by(LoginFailure.at.desc())
                .limit(THROTTLE_LIMIT)
            )
        ).all()
        if len(rows) >= THROTTLE_LIMIT:
            waits.append(rows[-1] + THROTTLE_WINDOW - now)
    return max(waits)


async def throttle_wait(
    s: AsyncSession, *, chat_id: int, email: str | None, now: datetime
) -> timedelta:
    """How long this chat must wait before another login attempt (at ``email``); zero for none.

    A chat is held back by its own recent failures. At an email it is also held back by every
    chat's failures there, unless it has held a session of that account (revoked or expired
    ones too): strangers' guesses lock strangers out, never the account's own chats. (Of an
    address that an account holds for good, only that account's chats are its own.)
    """
    if email is not None:
        owners = _owners(await accounts_at(s, email))
        if await has_held_session(s, chat_id=chat_id, users=owners):
            email = None
    return await _wait(s, chat_id=chat_id, email=email, now=now)


async def log_in(
    s: AsyncSession,
    *,
    chat_id: int,
    email: str,
    password: str,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
) -> LoggedIn | LoginDenied:
    """Check the password and bind ``chat_id`` to a new session; throttled as
    :func:`throttle_wait` says, and never more than ``THROTTLE_LIMIT`` checks per window
    however many attempts arrive at once: each is counted, under this chat's and this email's
    locks, before its password is checked.

    Several accounts may use one address (unconfirmed patients' addresses block nobody): the
    password says which, the account holding the address for good tried first."""
    email = email.strip().lower()
    await _lock_attempts(s, chat_id=chat_id, email=email)
    accounts = await accounts_at(s, email)
    own_chat = await has_held_session(s, chat_id=chat_id, users=_owners(accounts))
    wait = await _wait(s, chat_id=chat_id, email=None if own_chat else email, now=now)
    if wait > timedelta(0):
        log.info("Login attempt from chat %s held back for %s", chat_id, wait)
        return LoginDenied(Denial.THROTTLED, wait)
    s.add(LoginFailure(chat_id=chat_id, email=email, at=now))
    await s.flush()
    user = await _matching(accounts[:MAX_ACCOUNTS_TRIED], password)
    if user is None:
        log.debug("Login attempt from chat %s: wrong email or password", chat_id)
        return LoginDenied(Denial.INVALID)
    # The right password: this attempt and the chat's earlier ones at this email were no failures.
    await s.execute(
        delete(LoginFailure).where(LoginFailure.chat_id == chat_id, LoginFailure.email == email)
    )
    if not user.active:
        log.debug("Login attempt from chat %s: user %s is deactivated", chat_id, user.id)
        return LoginDenied(Denial.INACTIVE)
    session = await open_session(s, user=user, chat_id=chat_id, secret=secret, now=now, ttl=ttl)
    log.debug("Chat %s logged in as user %s (session %s)", chat_id, user.id, session.id)
    return LoggedIn(user=user_view(user), session_id=session.id)


async def _matching(accounts: Sequence[User], password: str) -> User | None:
    """The first of ``accounts`` whose password this is (as slow when there is none)."""
    if not accounts:
        await verify_password(None, password)
        return None
    for user in accounts:
        if await verify_password(user.password_hash, password):
            return user
    return None


async def open_session(
    s: AsyncSession,
    *,
    user: User,
    chat_id: int,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
) -> ChatSession:
    """Issue a token for ``user`` and make it the chat's only live session."""
    await s.execute(
        update(ChatSession)
        .where(ChatSession.chat_id == chat_id, ChatSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token, claims = issue_token(
        secret, user_id=user.id, email=user.email or "", role=user.role, now=now, ttl=ttl
    )
    session = ChatSession(
        chat_id=chat_id,
        user_id=user.id,
        jti=claims.jti,
        token=token,
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
    )
    s.add(session)
    user.last_chat_id = chat_id
    await s.flush()
    return session


class SessionProblem(StrEnum):
    NONE = "none"
    EXPIRED = "expired"
    INVALID = "invalid"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Principal:
    """Who is acting: checked against the database at the start of every update."""

    user_id: int
    role: Role
    name: str
    email: str
    language: str | None
    session_id: int
    expires_at: datetime
    phone: str | None = None
    # Until when the chat stays signed in without being used (renewed whenever it is).
    stays_until: datetime | None = None
    # The token is old or expired: this update renews it (a new token, the old one revoked).
    renew: bool = False
    email_verified: bool = False


@dataclass(frozen=True)
class UserRecord:
    """The columns of a user that every update reads with its session."""

    id: int
    name: str
    email: str
    role: str
    active: bool
    language: str | None
    phone: str | None
    email_verified: bool = False


@dataclass(frozen=True)
class SessionRecord:
    """A chat's newest live session as stored, with its user (``None`` if deleted)."""

    id: int
    token: str
    jti: str
    user_id: int
    issued_at: datetime
    expires_at: datetime
    user: UserRecord | None


# A session's token is renewed by the first update after this much of its life has passed
# (so a chat in use renews it at most a few times a day, and never on every update).
RENEW_AFTER = timedelta(hours=12)


def verify_session(
    record: SessionRecord,
    *,
    secret: str,
    now: datetime,
    idle: timedelta = timedelta(days=30),
) -> Principal | SessionProblem:
    """The principal of a stored session: the token's signature, the row's jti and owner, and
    the user's *current* role and active flag (not the token's).

    The token itself lives 24 hours, but a chat in use stays signed in: a session whose token
    was issued within ``idle`` is valid, and once the token is older than :data:`RENEW_AFTER`
    (or expired) the principal says to renew it. Revoked sessions are never read."""
    try:
        claims = decode_token(record.token, secret, now=now, allow_expired=True)
    except TokenInvalid:
        return SessionProblem.INVALID
    if claims.jti != record.jti or claims.user_id != record.user_id:
        return SessionProblem.INVALID
    stays_until = record.issued_at + idle
    if stays_until <= now:
        return SessionProblem.EXPIRED
    user = record.user
    if user is None:
        return SessionProblem.INVALID
    if not user.active:
        return SessionProblem.INACTIVE
    return Principal(
        user_id=user.id,
        role=Role(user.role),
        name=user.name,
        email=user.email,
        language=user.language,
        session_id=record.id,
        expires_at=record.expires_at,
        phone=user.phone,
        stays_until=stays_until,
        renew=now - record.issued_at >= RENEW_AFTER or record.expires_at <= now,
        email_verified=user.email_verified,
    )


async def renew_session(
    s: AsyncSession,
    *,
    principal: Principal,
    chat_id: int,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
    idle: timedelta = timedelta(days=30),
) -> Principal:
    """Replace the chat's session with a fresh token (the old jti revoked): two statements."""
    await s.execute(
        update(ChatSession)
        .where(ChatSession.id == principal.session_id, ChatSession.revoked_at.is_(None))
        .values(revoked_at=now),
        execution_options=BOOKKEEPING,
    )
    token, claims = issue_token(
        secret,
        user_id=principal.user_id,
        email=principal.email,
        role=principal.role.value,
        now=now,
        ttl=ttl,
    )
    session_id = await s.scalar(
        insert(ChatSession)
        .values(
            chat_id=chat_id,
            user_id=principal.user_id,
            jti=claims.jti,
            token=token,
            issued_at=claims.issued_at,
            expires_at=claims.expires_at,
        )
        .returning(ChatSession.id),
        execution_options=BOOKKEEPING,
    )
    assert session_id is not None
    return replace(
        principal,
        session_id=session_id,
        expires_at=claims.expires_at,
        stays_until=claims.issued_at + idle,
        renew=False,
    )


async def resolve_session(
    s: AsyncSession, *, chat_id: int, secret: str, now: datetime
) -> Principal | SessionProblem:
    """The chat's verified principal (see :func:`verify_session`), in one statement."""
    from db.chats import load_chat, principal_of

    return principal_of(await load_chat(s, chat_id), secret=secret, now=now)


async def log_out(s: AsyncSession, *, chat_id: int, now: datetime) -> bool:
    """Revoke the chat's live sessions; whether there was one."""
    result = await s.execute(
        update(ChatSession)
        .where(ChatSession.chat_id == chat_id, ChatSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ChatSession.id)
    )
    return bool(result.all())


async def revoke_user_sessions(s: AsyncSession, *, user_id: int, now: datetime) -> list[int]:
    """Revoke every live session of a user; the chats they were in."""
    result = await s.execute(
        update(ChatSession)
        .where(ChatSession.user_id == user_id, ChatSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ChatSession.chat_id)
    )
    return sorted(set(result.scalars().all()))


async def set_language(s: AsyncSession, *, user_id: int, language: str) -> None:
    """Store the user's language (used for chat texts and reminders)."""
    await s.execute(update(User).where(User.id == user_id).values(language=language))


async def create_or_promote_admin(
    s: AsyncSession, *, email: str, name: str, password_hash: str, now: datetime | None = None
) -> tuple[User, bool]:
    """Make ``email`` an active admin with this password; the user and whether it is new.

    The account promoted is the one holding the address for good, else its oldest
    unconfirmed one. The operator vouches for the address: it counts as confirmed. The
    promoted account's sessions end (its password changed, and whoever was logged in to it
    may not be the admin)."""
    email = normalise_email(email)
    accounts = await accounts_at(s, email, lock=True)
    held = _owners(accounts)
    user = held[-1] if held else None
    created = user is None
    at = now or await s.scalar(select(func.now()))
    assert at is not None
    if user is None:
        user = User(email=email, name=normalise_name(name), role=Role.ADMIN.value)
        s.add(user)
    else:
        user.name = normalise_name(name)
        user.role = Role.ADMIN.value
        await revoke_user_sessions(s, user_id=user.id, now=at)
    user.password_hash = password_hash
    user.active = True
    await s.flush()
    await confirm_address(s, user, now=at)
    return user, created


async def live_chats_of(s: AsyncSession, *, user_id: int, now: datetime) -> list[int]:
    """The chats holding a live session of the user, else the last chat they used."""
    return (await live_chats_for(s, user_ids=[user_id], now=now))[user_id]


async def live_chats_for(
    s: AsyncSession, *, user_ids: Sequence[int], now: datetime
) -> dict[int, list[int]]:
    """:func:`live_chats_of` for several users in two queries."""
    found: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    rows = await s.execute(
        select(ChatSession.user_id, ChatSession.chat_id).where(
            ChatSession.user_id.in_(set(user_ids)),
            ChatSession.revoked_at.is_(None),
            ChatSession.expires_at > now,
        )
    )
    for user_id, chat_id in rows.all():
        found[user_id].add(chat_id)
    missing = [user_id for user_id, chats in found.items() if not chats]
    if missing:
        rows = await s.execute(
            select(User.id, User.last_chat_id).where(
                User.id.in_(missing), User.last_chat_id.is_not(None)
            )
        )
        for user_id, chat_id in rows.all():
            found[user_id].add(chat_id)
    return {user_id: sorted(chats) for user_id, chats in found.items()}


async def prune_login_failures(s: AsyncSession, *, now: datetime) -> int:
    """Delete failures older than the throttle window; how many went."""
    result = await s.execute(
        delete(LoginFailure)
        .where(LoginFailure.at <= now - THROTTLE_WINDOW)
        .returning(LoginFailure.id)
    )
    return len(result.all())
