"""The clinic's figures come from one statement each, bucketed by the clinic's own weeks and
months (not UTC's), every status counted once, every active doctor listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.booking import Actor
from db.models import Appointment, AppointmentStatus, Doctor, Role, User
from db.stats import BookedBy, StatusCounts, month_appointments, weekly_stats
from tests.conftest import START, Harness
from tests.factories import book_directly, make_doctor, make_user

MADRID = ZoneInfo("Europe/Madrid")
CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The statements sent on the test's connection (transaction control left out)."""
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            sent.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", before)
    yield sent
    event.remove(connection.sync_connection, "before_cursor_execute", before)


async def _appointment(
    h: Harness, doctor_id: int, patient_id: int, starts_at: datetime, status: AppointmentStatus
) -> None:
    """An appointment in any status at any time (past ones cannot be booked any more)."""
    async with h.services.transaction() as s:
        s.add(
            Appointment(
                doctor_id=doctor_id,
                patient_id=patient_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=30),
                status=status.value,
                version=0,
                created_at=starts_at - timedelta(days=3),
                updated_at=starts_at,
                cancelled_at=starts_at - timedelta(days=1)
                if status is AppointmentStatus.CANCELLED
                else None,
            )
        )


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID).astimezone(UTC)


async def test_weeks_per_doctor_in_the_clinics_calendar_from_one_statement(
    harness: Harness, statements: list[str]
) -> None:
    h = harness
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    bea = await make_doctor(
        h.services, "bea@clinic.example", name="dr. Bea Soto", specialty="Neurology"
    )
    idle = await make_doctor(h.services, "idle@clinic.example", name="Dr. Idle")
    gone = await make_doctor(h.services, "gone@clinic.example", name="Dr. Gone")
    left = await make_doctor(h.services, "left@clinic.example", name="Dr. Left")
    patients = [
        (await make_user(h.services, f"p{i}@example.com", name=f"Patient {i}")).id
        for i in range(8)
    ]
    status = AppointmentStatus
    # The test clock is Tuesday 1 December 2026: the report's weeks are those of Monday
    # 12 October (summer time) to Monday 30 November (this week, its days to come included).
    await _appointment(h, ana.user_id, patients[0], _local(2026, 10, 12, 0, 30), status.ATTENDED)
    await _appointment(h, ana.user_id, patients[1], _local(2026, 10, 11, 23, 30), status.ATTENDED)
    await _appointment(h, ana.user_id, patients[2], _local(2026, 11, 23, 9), status.ATTENDED)
    await _appointment(h, ana.user_id, patients[3], _local(2026, 11, 23, 10), status.NO_SHOW)
    await _appointment(h, ana.user_id, patients[4], _local(2026, 11, 29, 23, 30), status.CANCELLED)
    await _appointment(h, ana.user_id, patients[5], _local(2026, 11, 30, 0, 15), status.BOOKED)
    await _appointment(h, ana.user_id, patients[6], _local(2026, 12, 6, 23, 30), status.BOOKED)
    await _appointment(h, ana.user_id, patients[7], _local(2026, 12, 7, 0, 0), status.BOOKED)
    await _appointment(h, bea.user_id, patients[0], _local(2026, 11, 2, 12), status.CANCELLED)
    await _appointment(h, left.user_id, patients[1], _local(2026, 11, 3, 12), status.ATTENDED)
    await _appointment(h, gone.user_id, patients[2], _local(2026, 9, 1, 12), status.ATTENDED)
    async with h.services.transaction() as s:
        await s.execute(
            update(Doctor)
            .where(Doctor.user_id.in_([gone.user_id, left.user_id]))
            .values(active=False)
        )

    statements.clear()
    async with h.services.session_factory() as s:
        stats = await weekly_stats(s, tz=MADRID, now=START)
    assert len(statements) == 1, statements

    assert stats.weeks == tuple(date(2026, 10, 12) + timedelta(weeks=i) for i in range(8))
    assert stats.start == _local(2026, 10, 12, 0) == datetime(2026, 10, 11, 22, tzinfo=UTC)
    assert stats.end == _local(2026, 12, 7, 0) == datetime(2026, 12, 6, 23, tzinfo=UTC)
    # Every active doctor (by name, any case), and inactive ones only with appointments then.
    assert [d.name for d in stats.doctors] == [
        "Dr. Ana Ruiz",
        "dr. Bea Soto",
        "Dr. Idle",
        "Dr. Left",
    ]
    by_name = {d.name: d for d in stats.doctors}
    weeks = by_name["Dr. Ana Ruiz"].weeks
    assert weeks[0] == StatusCounts(attended=1)  # Monday 00:30 in Madrid, Sunday in UTC
    assert weeks[6] == StatusCounts(attended=1, no_show=1, cancelled=1)
    assert weeks[7] == StatusCounts(booked=2)  # Monday 00:15 and Sunday 23:30 of this week
    assert sum(w.total for w in weeks) == 6
    assert by_name["Dr. Ana Ruiz"].total == StatusCounts(2, 2, 1, 1)
    assert by_name["dr. Bea Soto"].weeks[3] == StatusCounts(cancelled=1)
    assert (by_name["dr. Bea Soto"].specialty, by_name["dr. Bea Soto"].active) == (
        "Neurology",
        True,
    )
    assert by_name["Dr. Idle"].weeks == (StatusCounts(),) * 8
    assert (by_name["Dr. Left"].active, by_name["Dr. Left"].total) == (
        False,
        StatusCounts(attended=1),
    )
    assert stats.total == StatusCounts(booked=2, attended=3, no_show=1, cancelled=2)
    assert idle.user_id in {d.doctor_id for d in stats.doctors}


async def test_a_months_appointments_in_the_clinics_calendar_from_one_statement(
    harness: Harness, statements: list[str]
) -> None:
    h = harness
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    bea = await make_doctor(h.services, "bea@clinic.example", name="Dr. Bea Soto")
    first = await make_user(h.services, "first@example.com", name="Zoe First")
    second = await make_user(h.services, "second@example.com", name="Al Second")
    status = AppointmentStatus
    # 00:30 on 1 November in Madrid is still 31 October in UTC: it belongs to November.
    await _appointment(h, ana.user_id, first.id, _local(2026, 11, 1, 0, 30), status.ATTENDED)
    await _appointment(h, ana.user_id, second.id, _local(2026, 10, 31, 23, 30), status.ATTENDED)
    await _appointment(h, bea.user_id, second.id, _local(2026, 11, 30, 23, 30), status.NO_SHOW)
    await _appointment(h, ana.user_id, first.id, _local(2026, 12, 1, 0, 0), status.BOOKED)
    await _appointment(h, bea.user_id, first.id, _local(2026, 11, 10, 9), status.CANCELLED)
    await _appointment(h, ana.user_id, second.id, _local(2026, 11, 10, 9), status.CANCELLED)

    statements.clear()
    async with h.services.session_factory() as s:
        lines = await month_appointments(s, year=2026, month=11, tz=MADRID)
    assert len(statements) == 1, statements

    assert [
        (line.starts_at.astimezone(MADRID).strftime("%d %H:%M"), line.doctor, line.patient)
        for line in lines
    ] == [
        ("01 00:30", "Dr. Ana Ruiz", "Zoe First"),
        ("10 09:00", "Dr. Ana Ruiz", "Al Second"),
        ("10 09:00", "Dr. Bea Soto", "Zoe First"),
        ("30 23:30", "Dr. Bea Soto", "Al Second"),
    ]
    assert [line.status for line in lines] == ["attended", "cancelled", "cancelled", "no_show"]
    assert {line.specialty for line in lines} == {"Cardiology"}
    # Rows from before who booked was recorded: the patients booked them.
    assert {line.booked_by for line in lines} == {BookedBy.PATIENT}
    async with h.services.session_factory() as s:
        december = await month_appointments(s, year=2026, month=12, tz=MADRID)
    assert [line.patient for line in december] == ["Zoe First"]


async def test_a_months_appointments_say_who_booked_each_from_the_same_statement(
    harness: Harness, statements: list[str]
) -> None:
    h = harness
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    desk = await make_user(h.services, "desk@clinic.example", name="Desk", role=Role.STAFF)
    boss = await make_user(h.services, "boss@clinic.example", name="Boss", role=Role.ADMIN)
    names = ["Eva Self", "Tom Asked", "Luis Called", "Old Row"]
    eva, tom, luis, old = [
        (await make_user(h.services, f"p{i}@example.com", name=name)).id
        for i, name in enumerate(names)
    ]
    # Wednesday 2 December: patients book in chat (with or without an actor), the front desk
    # and an admin for others.
    for patient, actor, hour in [
        (eva, None, 9),
        (tom, Actor(tom, Role.PATIENT), 10),
        (luis, Actor(desk.id, Role.STAFF), 11),
        (eva, Actor(boss.id, Role.ADMIN), 12),
    ]:
        await book_directly(
            h.services,
            patient_id=patient,
            doctor_id=ana.user_id,
            starts_at=_local(2026, 12, 2, hour),
            actor=actor,
        )
    await _appointment(h, ana.user_id, old, _local(2026, 12, 2, 13), AppointmentStatus.BOOKED)
    async with h.services.session_factory() as s:
        stored = (await s.execute(select(Appointment.patient_id, Appointment.booked_by))).all()
    assert sorted(stored) == sorted(
        [(eva, eva), (tom, tom), (luis, desk.id), (eva, boss.id), (old, None)]
    )
    # The front desk's clerk is made an admin later: what they booked stays the front desk's.
    async with h.services.transaction() as s:
        await s.execute(update(User).where(User.id == desk.id).values(role=Role.ADMIN.value))

    statements.clear()
    async with h.services.session_factory() as s:
        lines = await month_appointments(s, year=2026, month=12, tz=MADRID)
    assert len(statements) == 1, statements
    assert [(line.patient, line.booked_by) for line in lines] == [
        ("Eva Self", BookedBy.PATIENT),
        ("Tom Asked", BookedBy.PATIENT),
        ("Luis Called", BookedBy.FRONT_DESK),
        ("Eva Self", BookedBy.ADMIN),
        ("Old Row", BookedBy.PATIENT),
    ]
