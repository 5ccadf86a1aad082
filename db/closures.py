"""Clinic closures: dated spans (a holiday, whole days or part of a day) in which no doctor is
bookable.

Creating one follows the rule of a doctor's time off (:func:`db.booking.block_time`): the
appointments booked in it are shown first, and the closure is stored, and they are cancelled
with their patients told, only once every one of them has been shown. The clinic's lock
(:mod:`db.locks`) is taken exclusively first, so no booking lands in the closure between that
look and the change. Free slots leave closures out wherever they are computed
(:mod:`db.booking`). Every function takes an open session and a time, and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.booking import Actor, AppointmentView, BookingPolicy, booked_in_range, cancel_all
from db.errors import DomainError, NotFound
from db.locks import lock_clinic
from db.models import Appointment, ClinicClosure

# Why the appointments a closure cancels were cancelled (``appointments.cancel_reason``).
CLOSURE_REASON = "closure"


# The longest name a closure may have.
NAME_LENGTH = 80


class InvalidClosure(DomainError):
    """A closure must start before it ends, and end in the future."""

    code = "invalid_closure"


class InvalidClosureName(DomainError):
    """A closure's name has 1 to NAME_LENGTH characters besides spaces."""

    code = "invalid_closure_name"


def normalise_closure_name(text: str) -> str:
    """A closure's name with its spaces tidied; :class:`InvalidClosureName` when empty or
    longer than :data:`NAME_LENGTH`."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_LENGTH:
        raise InvalidClosureName(str(len(name)))
    return name


@dataclass(frozen=True)
class ClosureView:
    id: int
    starts_at: datetime
    ends_at: datetime
    whole_days: bool
    name: str | None = None


def _view(row: ClinicClosure) -> ClosureView:
    return ClosureView(
        id=row.id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        whole_days=row.whole_days,
        name=row.name,
    )


@dataclass(frozen=True)
class Closed:
    """The outcome of :func:`close_clinic`: the closure and the appointments it cancelled, or,
    when appointments not yet shown are booked in it, those (and nothing was changed)."""

    closure: ClosureView | None
    cancelled: list[AppointmentView]
    unseen: list[AppointmentView]


async def close_clinic(
    s: AsyncSession,
    *,
    starts_at: datetime,
    ends_at: datetime,
    whole_days: bool,
    shown: set[int],
    actor: Actor,
    policy: BookingPolicy,
    now: datetime,
    name: str | None = None,
) -> Closed:
    """Close the clinic from ``starts_at`` to ``ends_at`` (for what ``name`` says, if given)
    and cancel every doctor's booked appointments in that time, if they are all ones the admin
    was shown (``shown``); otherwise change nothing and return them all.
    :class:`InvalidClosure` for a span that is over or empty, :class:`InvalidClosureName`.
    Each patient is told (and each doctor), through the outbox, once committed."""
    if not starts_at < ends_at or ends_at <= now:
        raise InvalidClosure(f"{starts_at.isoformat()}..{ends_at.isoformat()}")
    if name is not None:
        name = normalise_closure_name(name)
    await lock_clinic(s, shared=False)
    booked = await booked_in_range(s, start=starts_at, end=ends_at, now=now)
    if {a.id for a in booked} - shown:
        return Closed(closure=None, cancelled=[], unseen=booked)
    row = ClinicClosure(
        starts_at=starts_at,
        ends_at=ends_at,
        whole_days=whole_days,
        name=name,
        created_by=actor.user_id,
        created_at=now,
    )
    s.add(row)
    await s.flush()
    cancelled = await cancel_all(
        s,
        appointment_ids=[a.id for a in booked],
        actor=actor,
        policy=policy,
        now=now,
        reason=CLOSURE_REASON,
    )
    return Closed(closure=_view(row), cancelled=cancelled, unseen=[])


async def closure_names_of(s: AsyncSession, appointment_ids: list[int]) -> dict[int, str]:
    """For each of these appointments that a closure with a name cancelled, that name (the
    newest such closure's), in one statement."""
    if not appointment_ids:
        return {}
    rows = await s.execute(
        select(Appointment.id, ClinicClosure.name)
        .join(
            ClinicClosure,
            and_(
                ClinicClosure.starts_at < Appointment.ends_at,
                ClinicClosure.ends_at > Appointment.starts_at,
                ClinicClosure.name.is_not(None),
            ),
        )
        .where(Appointment.id.in_(appointment_ids), Appointment.cancel_reason == CLOSURE_REASON)
        .order_by(Appointment.id, ClinicClosure.id)
    )
    # In order of closure, so the newest wins.
    return {appointment_id: name for appointment_id, name in rows.all() if name is not None}


async def upcoming_closures(s: AsyncSession, *, now: datetime) -> list[ClosureView]:
    """The closures not yet over, by start."""
    rows = await s.scalars(
        select(ClinicClosure)
        .where(ClinicClosure.ends_at > now)
        .order_by(ClinicClosure.starts_at, ClinicClosure.id)
    )
    return [_view(row) for row in rows]


async def remove_closure(s: AsyncSession, *, closure_id: int, now: datetime) -> ClosureView:
    """Remove a closure not yet over, in one statement: its time is bookable again (the
    appointments it cancelled stay cancelled). :class:`NotFound` for a missing or past one."""
    row = (
        await s.execute(
            delete(ClinicClosure)
            .where(ClinicClosure.id == closure_id, ClinicClosure.ends_at > now)
            .returning(
                ClinicClosure.id,
                ClinicClosure.starts_at,
                ClinicClosure.ends_at,
                ClinicClosure.whole_days,
            )
        )
    ).first()
    if row is None:
        raise NotFound("closure")
    return ClosureView(
        id=row.id, starts_at=row.starts_at, ends_at=row.ends_at, whole_days=row.whole_days
    )
