"""The front desk's accounts: created by an admin with a one-time invite link (like doctors),
listed, sent a new link, deactivated and reactivated.

Every function takes an open session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.accounts import normalise_email, normalise_name, revoke_user_sessions
from db.doctors import INVITE_TTL, create_invite
from db.errors import DomainError, EmailTaken, NotFound
from db.models import Role, User

STAFF = Role.STAFF.value


@dataclass(frozen=True)
class StaffView:
    user_id: int
    name: str
    email: str
    active: bool
    has_password: bool


def _view(user: User) -> StaffView:
    return StaffView(
        user_id=user.id,
        name=user.name,
        email=user.email or "",
        active=user.active,
        has_password=user.password_hash is not None,
    )


@dataclass(frozen=True)
class StaffInvite:
    member: StaffView
    token: str  # shown once; only its hash is stored
    expires_at: datetime


async def add_staff(
    s: AsyncSession, *, name: str, email: str, created_by: int | None, now: datetime
) -> StaffInvite:
    """Create a front-desk account (no password yet) and its invite. :class:`InvalidName`,
    :class:`InvalidEmail`, :class:`EmailTaken`."""
    user = User(
        name=normalise_name(name), email=normalise_email(email), role=STAFF, password_hash=None
    )
    try:
        async with s.begin_nested():
            s.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    token = await create_invite(s, user_id=user.id, created_by=created_by, now=now)
    return StaffInvite(member=_view(user), token=token, expires_at=now + INVITE_TTL)


@dataclass(frozen=True)
class StaffPage:
    members: list[StaffView]
    page: int
    pages: int
    total: int


async def staff_page(s: AsyncSession, *, page: int, per_page: int) -> StaffPage:
    """Page ``page`` (from 0; past the end, the last one) of the front desk, by name."""
    total = await s.scalar(select(func.count()).select_from(User).where(User.role == STAFF)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 0), pages - 1)
    users = await s.scalars(
        select(User)
        .where(User.role == STAFF)
        .order_by(func.lower(User.name), User.id)
        .offset(page * per_page)
        .limit(per_page)
    )
    return StaffPage(members=[_view(u) for u in users], page=page, pages=pages, total=total)


async def _member(s: AsyncSession, user_id: int) -> User:
    user = await s.get(User, user_id, with_for_update=True)
    if user is None or user.role != STAFF:
        raise NotFound("staff")
    return user


async def get_staff(s: AsyncSession, user_id: int) -> StaffView:
    """A front-desk account; :class:`NotFound` for anyone else."""
    user = await s.get(User, user_id)
    if user is None or user.role != STAFF:
        raise NotFound("staff")
    return _view(user)


class StaffInactive(DomainError):
    """An inactive front-desk account cannot be sent an invite."""

    code = "staff_inactive"


async def renew_staff_invite(
    s: AsyncSession, *, user_id: int, created_by: int | None, now: datetime
) -> StaffInvite:
    """A new one-time invite for an active front-desk member (earlier ones stop working);
    :class:`NotFound`, :class:`StaffInactive`."""
    user = await _member(s, user_id)
    if not user.active:
        raise StaffInactive()
    token = await create_invite(s, user_id=user.id, created_by=created_by, now=now)
    return StaffInvite(member=_view(user), token=token, expires_at=now + INVITE_TTL)


async def set_staff_active(
    s: AsyncSession, *, user_id: int, active: bool, now: datetime
) -> tuple[StaffView, bool]:
    """Deactivate (logged out everywhere, no login) or reactivate; the member and whether
    anything changed. :class:`NotFound`."""
    user = await _member(s, user_id)
    changed = user.active != active
    user.active = active
    if not active:
        await revoke_user_sessions(s, user_id=user.id, now=now)
    await s.flush()
    return _view(user), changed
