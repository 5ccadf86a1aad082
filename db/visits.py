"""The patient's side of a visit: "I'll come" before it, "I'm here" on arrival.

Both act on the appointment as it is when asked (a reminder pressed days later, or after a
move, is judged against the current row), only for the appointment's own patient, and only
while it is booked. Neither changes the appointment's version: reminders and calendar files
stay as they are. Every function takes an open session and a time, and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.booking import BOOKED, CANCELLED, AppointmentView, appointment_view
from db.errors import DomainError, NotFound
from db.models import Appointment

# From how long before the start a patient may say they have arrived.
CHECK_IN_OPENS = timedelta(minutes=30)


class VisitCancelled(DomainError):
    code = "cancelled"


class VisitOver(DomainError):
    """The visit has started (for "I'll come") or ended (for "I'm here"), or was marked."""

    code = "over"


class VisitChanged(DomainError):
    """The appointment was moved since the button was shown: its new time is not confirmed."""

    code = "changed"


class TooEarlyToCheckIn(DomainError):
    code = "too_early"

    def __init__(self, opens_at: datetime) -> None:
        super().__init__(opens_at.isoformat())
        self.opens_at = opens_at


@dataclass(frozen=True)
class Presence:
    """The appointment after the patient's answer, and whether it had been given already."""

    appointment: AppointmentView
    already: bool


async def _own_booked(s: AsyncSession, appointment_id: int, patient_id: int) -> Appointment:
    """The patient's appointment, locked; someone else's is :class:`NotFound`."""
    appointment = await s.get(Appointment, appointment_id, with_for_update=True)
    if appointment is None or appointment.patient_id != patient_id:
        raise NotFound("appointment")
    if appointment.status == CANCELLED:
        raise VisitCancelled()
    return appointment


async def confirm_visit(
    s: AsyncSession,
    *,
    appointment_id: int,
    patient_id: int,
    version: int | None,
    now: datetime,
) -> Presence:
    """The patient will come: recorded until the appointment moves. ``version`` is the one the
    patient was shown (``None``: whatever it is now); a moved appointment is
    :class:`VisitChanged`, one that has started :class:`VisitOver`."""
    appointment = await _own_booked(s, appointment_id, patient_id)
    if appointment.status != BOOKED or appointment.starts_at <= now:
        raise VisitOver()
    if version is not None and version != appointment.version:
        raise VisitChanged()
    already = appointment.confirmed_at is not None
    if not already:
        appointment.confirmed_at = now
        appointment.updated_at = now
        await s.flush()
    return Presence(await appointment_view(s, appointment.id), already)


async def check_in(
    s: AsyncSession, *, appointment_id: int, patient_id: int, now: datetime
) -> Presence:
    """The patient has arrived: from :data:`CHECK_IN_OPENS` before the start until the end
    (:class:`TooEarlyToCheckIn` before, :class:`VisitOver` after, or once marked)."""
    appointment = await _own_booked(s, appointment_id, patient_id)
    if appointment.status != BOOKED or appointment.ends_at <= now:
        raise VisitOver()
    opens_at = appointment.starts_at - CHECK_IN_OPENS
    if now < opens_at:
        raise TooEarlyToCheckIn(opens_at)
    already = appointment.arrived_at is not None
    if not already:
        appointment.arrived_at = now
        if appointment.confirmed_at is None:
            appointment.confirmed_at = now
        appointment.updated_at = now
        await s.flush()
    return Presence(await appointment_view(s, appointment.id), already)


def check_in_open(appointment: AppointmentView, now: datetime) -> bool:
    """Whether "I'm here" is offered now: booked, not yet arrived, from
    :data:`CHECK_IN_OPENS` before the start until the end."""
    return (
        appointment.status == BOOKED
        and appointment.arrived_at is None
        and appointment.starts_at - CHECK_IN_OPENS <= now < appointment.ends_at
    )
