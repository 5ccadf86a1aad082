"""Patients as the front desk sees them: found by name, phone or email, registered by the
clinic (also without Telegram or email), and claimed later by the patient from Telegram.

A patient the clinic registered has no password. They claim the account by registering in the
bot with proof that it is theirs: the phone the clinic has, shared with Telegram's contact
button (Telegram vouches that it is the sender's own number), or the account's email once it is
verified. Registering with that email or phone never creates a second account.

Every function takes an open session and never commits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.accounts import (
    SESSION_TTL,
    UserView,
    normalise_email,
    normalise_name,
    normalise_phone,
    open_session,
    register_patient,
    tell_unconfirmed_accounts,
    user_view,
)
from db.booking import AppointmentView, upcoming_for_patient
from db.errors import DomainError, EmailTaken, NotFound
from db.models import Role, User
from db.waitlist import EntryView, waiting_for

PATIENT = Role.PATIENT.value
MIN_QUERY = 2
# Accents folded on both sides of a name search ("garcia" finds "García"), with PostgreSQL's
# built-in translate(): no extension needed.
_ACCENTED = "áàäâãåéèëêíìïîóòöôõúùüûñçýÿ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuncyy"
_PHONE_CHARS = re.compile(r"^[\d\s+().-]+$")


@dataclass(frozen=True)
class PatientView:
    """A patient as the front desk sees them."""

    id: int
    name: str
    email: str | None
    phone: str | None
    # Whether they use the bot themselves (registered, or claimed the clinic's record).
    on_telegram: bool
    active: bool


def _view(user: User) -> PatientView:
    return PatientView(
        id=user.id,
        name=user.name,
        email=user.email,
        phone=user.phone,
        on_telegram=user.password_hash is not None,
        active=user.active,
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _name_has(word: str) -> ColumnElement[bool]:
    folded = func.translate(func.lower(User.name), _ACCENTED, _PLAIN)
    return folded.contains(_fold(word), autoescape=True)


def _matching(query: str) -> ColumnElement[bool] | None:
    """What a typed search means: digits are a phone, an ``@`` an email, words a name (every
    word in it, accents aside). ``None`` when it is too short to search."""
    text = " ".join(query.split())
    digits = re.sub(r"\D", "", text)
    if _PHONE_CHARS.match(text) and len(digits) >= 3:
        return User.phone.contains(digits, autoescape=True)
    if len(text) < MIN_QUERY:
        return None
    if "@" in text:
        return User.email.contains(text.lower(), autoescape=True)
    words = text.split()
    by_name = and_(*(_name_has(word) for word in words))
    return or_(by_name, User.email.contains(text.lower(), autoescape=True))


@dataclass(frozen=True)
class PatientsPage:
    """One page of the patients a search found, and how many it found in all."""

    patients: list[PatientView]
    page: int
    pages: int
    total: int


class QueryTooShort(DomainError):
    code = "query_too_short"


async def search_patients(
    s: AsyncSession, *, query: str, page: int, per_page: int
) -> PatientsPage:
    """Page ``page`` (from 0; past the end, the last one) of the patients matching ``query``
    by name, phone or email, by name; :class:`QueryTooShort`."""
    condition = _matching(query)
    if condition is None:
        raise QueryTooShort()
    total = func.count().over().label("total")
    base = (
        select(User, total)
        .where(User.role == PATIENT, condition)
        .order_by(func.lower(User.name), User.id)
    )
    rows = (await s.execute(base.offset(page * per_page).limit(per_page))).all()
    if not rows and page > 0:
        count = (
            await s.scalar(
                select(func.count()).select_from(User).where(User.role == PATIENT, condition)
            )
            or 0
        )
        page = max(0, (count - 1) // per_page)
        rows = (await s.execute(base.offset(page * per_page).limit(per_page))).all()
    count = rows[0].total if rows else 0
    return PatientsPage(
        patients=[_view(user) for user, _ in rows],
        page=page,
        pages=max(1, -(-count // per_page)),
        total=count,
    )


async def get_patient(s: AsyncSession, patient_id: int) -> PatientView:
    """A patient; :class:`NotFound` for anyone else (staff, doctors, a missing id)."""
    user = await s.get(User, patient_id)
    if user is None or user.role != PATIENT:
        raise NotFound("patient")
    return _view(user)


@dataclass(frozen=True)
class PatientCard:
    """A patient, their upcoming visits and what they wait for on waitlists."""

    patient: PatientView
    upcoming: list[AppointmentView]
    waiting: list[EntryView]


async def patient_card(s: AsyncSession, *, patient_id: int, now: datetime) -> PatientCard:
    """The patient, their upcoming visits and their waiting entries; :class:`NotFound` when
    not a patient."""
    patient = await get_patient(s, patient_id)
    upcoming = await upcoming_for_patient(s, patient_id=patient_id, now=now)
    waiting = await waiting_for(s, patient_id=patient_id, now=now)
    return PatientCard(patient=patient, upcoming=upcoming, waiting=waiting)


async def with_phone(s: AsyncSession, phone: str) -> list[PatientView]:
    """Patients who have this phone (already normalised), by name."""
    users = await s.scalars(
        select(User)
        .where(User.role == PATIENT, User.phone == phone)
        .order_by(func.lower(User.name), User.id)
    )
    return [_view(user) for user in users]


async def create_patient(
    s: AsyncSession, *, name: str, phone: str, email: str | None, now: datetime
) -> PatientView:
    """Register a patient for the clinic (no password: they cannot log in until they claim the
    account). The front desk took the address from the patient: the clinic vouches for it, so
    it counts as confirmed (reminders go to it) and the patients who registered themselves
    with it unconfirmed are told. :class:`InvalidName`, :class:`InvalidPhone`,
    :class:`InvalidEmail`, :class:`EmailTaken` when another account holds the address."""
    user = User(
        name=normalise_name(name),
        phone=normalise_phone(phone),
        email=normalise_email(email) if email else None,
        role=PATIENT,
        password_hash=None,
        email_verified_at=now if email else None,
    )
    try:
        async with s.begin_nested():
            s.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    if email:
        await tell_unconfirmed_accounts(s, user, now=now)
    return _view(user)


# --- claiming an account the clinic registered --------------------------------------------------


def _unclaimed() -> ColumnElement[bool]:
    return and_(User.role == PATIENT, User.password_hash.is_(None), User.active)


async def clinic_registered(s: AsyncSession, email: str) -> bool:
    """Whether ``email`` (normalised) is that of a patient the clinic registered who has not
    claimed the account yet."""
    found = await s.scalar(select(User.id).where(User.email == email, _unclaimed()))
    return found is not None


class ClaimNeedsProof(DomainError):
    """The email belongs to a patient the clinic registered, and nothing proved that the
    person registering is them: nothing was created."""

    code = "claim_needs_proof"


@dataclass(frozen=True)
class Registered:
    user: UserView
    claimed: bool  # an account the clinic had registered is now theirs


async def register_or_claim_and_log_in(
    s: AsyncSession,
    *,
    name: str,
    email: str,
    password_hash: str,
    phone: str | None,
    phone_verified: bool,
    email_verified: bool,
    language: str | None,
    chat_id: int,
    secret: str,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
) -> Registered:
    """Register a patient, or let them claim the account the clinic registered for them, and
    log ``chat_id`` in.

    The clinic's account is claimed when the person proves it is theirs: its email, verified
    (``email_verified``: a code sent there was typed back), or its phone, verified
    (``phone_verified``: shared with Telegram's contact button). An unclaimed account with
    this email and no proof raises :class:`ClaimNeedsProof`; a verified phone that only one
    unclaimed account has links that one (its email becomes the one given here). The claimed
    account keeps its name and visits; it gets the password, the language and, when it had
    none, the phone. A verified address is confirmed on the account, and any other,
    unconfirmed accounts of that address are told. :class:`EmailTaken` when another account
    holds the address for good."""
    email = normalise_email(email)
    record = await s.scalar(
        select(User).where(User.email == email, _unclaimed()).with_for_update().limit(1)
    )
    target: User | None = None
    if record is not None:
        proven = email_verified or (phone_verified and phone and record.phone == phone)
        if not proven:
            raise ClaimNeedsProof()
        target = record
    elif phone_verified and phone:
        found = (
            await s.scalars(
                select(User).where(_unclaimed(), User.phone == phone).with_for_update().limit(2)
            )
        ).all()
        if len(found) == 1:
            target = found[0]
            target.email = email
    verified_at = now if email_verified else None
    if target is None:
        user = await register_patient(
            s,
            name=name,
            email=email,
            password_hash=password_hash,
            phone=phone,
            language=language,
            verified_at=verified_at,
        )
        claimed = False
    else:
        user, claimed = target, True
        user.password_hash = password_hash
        user.language = language or user.language
        user.phone = user.phone or phone
        user.email_verified_at = verified_at or user.email_verified_at
        try:
            async with s.begin_nested():
                await s.flush()
        except IntegrityError:
            raise EmailTaken() from None
    if email_verified:
        await tell_unconfirmed_accounts(s, user, now=now)
    await open_session(s, user=user, chat_id=chat_id, secret=secret, now=now, ttl=ttl)
    return Registered(user=user_view(user), claimed=claimed)
