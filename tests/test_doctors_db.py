"""Specialties, doctors, weekly hours, time off and invites against real PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_, select

from bot.context import Services
from bot.formatting import policy_of
from db.accounts import open_session
from db.booking import available_days
from db.clock import FrozenClock
from db.doctors import (
    DEFAULT_HOURS,
    INVITE_TTL,
    DoctorChanged,
    DoctorInactive,
    InvalidHours,
    InvalidSlotLength,
    InvalidSpecialty,
    InviteInvalid,
    accept_invite,
    add_doctor,
    add_hours,
    add_time_off,
    create_invite,
    details_of,
    doctor_card,
    doctors_page,
    find_specialty,
    get_doctor,
    get_or_create_specialty,
    hours_overview,
    list_doctors,
    list_specialties,
    mark_ready,
    normalise_doctor_name,
    open_invite,
    reactivate_doctor,
    remove_time_off,
    renew_invite,
    replace_hours,
    set_doctor_active,
    upcoming_time_off,
    update_doctor,
    weekly_hours,
)
from db.errors import EmailTaken, InvalidName, NotFound
from db.models import Appointment, ChatSession, Doctor, Invite, Role, Specialty, TimeOff, User
from db.slots import WeeklyRange
from tests.factories import book_directly, make_doctor, make_user

MADRID = ZoneInfo("Europe/Madrid")
START_UTC = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
MON, TUE, WED = 0, 1, 2


def frozen(services: Services) -> FrozenClock:
    """The test clock, to move."""
    assert isinstance(services.clock, FrozenClock)
    return services.clock


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


def hhmm(weekday: int, start: str, end: str) -> WeeklyRange:
    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return WeeklyRange(weekday, minutes(start), minutes(end))


async def specialty_id(services: Services, name: str = "Cardiology") -> int:
    async with services.transaction() as s:
        return (await get_or_create_specialty(s, name)).id


async def new_doctor(
    services: Services, email: str = "house@example.com", *, slot_minutes: int = 30
) -> tuple[int, str]:
    """A doctor added the way an admin does it: the doctor's id and the raw invite token."""
    spec = await specialty_id(services)
    async with services.transaction() as s:
        doctor, token = await add_doctor(
            s,
            name="  Gregory   House ",
            email=email,
            specialty_id=spec,
            slot_minutes=slot_minutes,
            created_by=None,
            now=services.clock.now(),
        )
    return doctor.user_id, token


async def hours_of(services: Services, doctor_id: int) -> list[WeeklyRange]:
    async with services.transaction() as s:
        return await weekly_hours(s, doctor_id)


# --- specialties --------------------------------------------------------------------------------


async def test_specialties_are_found_in_any_case(services: Services) -> None:
    async with services.transaction() as s:
        created = await get_or_create_specialty(s, "  Sleep   medicine ")
        again = await get_or_create_specialty(s, "SLEEP MEDICINE")
        other = await get_or_create_specialty(s, "Cardiology")
        count = await s.scalar(select(func.count()).select_from(Specialty))
    assert created.name == "Sleep medicine"
    assert again.id == created.id and other.id != created.id
    assert count == 2


@pytest.mark.parametrize("name", ["", "   ", "x", "/start", "y" * 81])
async def test_a_specialty_needs_a_real_name(services: Services, name: str) -> None:
    async with services.transaction() as s:
        with pytest.raises(InvalidSpecialty):
            await get_or_create_specialty(s, name)
        assert await s.scalar(select(func.count()).select_from(Specialty)) == 0


async def test_finding_a_specialty_by_name_creates_nothing(services: Services) -> None:
    spec = await specialty_id(services, "Sleep medicine")
    async with services.transaction() as s:
        found = await find_specialty(s, "  SLEEP   Medicine ")
        assert found is not None and (found.id, found.name) == (spec, "Sleep medicine")
        assert await find_specialty(s, "Sleep") is None
        with pytest.raises(InvalidSpecialty):
            await find_specialty(s, "x")
        assert await s.scalar(select(func.count()).select_from(Specialty)) == 1


async def test_bookable_specialties_have_an_active_doctor(services: Services) -> None:
    await make_doctor(services, "a@example.com", specialty="Cardiology", password=None)
    gone = await make_doctor(services, "b@example.com", specialty="Dermatology", password=None)
    await specialty_id(services, "Neurology")
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=gone.user_id, active=False, now=START_UTC)
        everything = [spec.name for spec in await list_specialties(s)]
        bookable = [spec.name for spec in await list_specialties(s, bookable_only=True)]
    assert everything == ["Cardiology", "Dermatology", "Neurology"]
    assert bookable == ["Cardiology"]


# --- doctors ------------------------------------------------------------------------------------


async def test_adding_a_doctor(services: Services) -> None:
    doctor_id, token = await new_doctor(services, " House@Example.COM ", slot_minutes=45)
    async with services.transaction() as s:
        view = await get_doctor(s, doctor_id)
        user = await s.get(User, doctor_id)
        invites = (await s.scalars(select(Invite).where(Invite.user_id == doctor_id))).all()
    assert user is not None
    assert (user.role, user.email, user.name, user.password_hash) == (
        "doctor",
        "house@example.com",
        "Gregory House",
        None,
    )
    assert (view.name, view.specialty, view.slot_minutes, view.active, view.has_password) == (
        "Gregory House",
        "Cardiology",
        45,
        True,
        False,
    )
    assert await hours_of(services, doctor_id) == list(DEFAULT_HOURS)
    assert [(r.weekday, r.start_minute, r.end_minute) for r in DEFAULT_HOURS] == [
        (day, 9 * 60, 17 * 60) for day in range(5)
    ]

    # The invite: a short URL-safe token fit for a /start deep link; only its hash is kept.
    assert len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    [invite] = invites
    assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert invite.expires_at == START_UTC + INVITE_TTL == START_UTC + timedelta(days=7)
    assert invite.used_at is None
    async with services.session_factory() as s:
        leaked = await s.scalar(
            select(func.count())
            .select_from(Invite)
            .where(or_(Invite.token_hash.contains(token), Invite.token_hash == token))
        )
    assert leaked == 0


async def test_a_doctors_email_must_be_free(services: Services) -> None:
    await new_doctor(services, "house@example.com")
    with pytest.raises(EmailTaken):
        await new_doctor(services, "HOUSE@example.com ")
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Doctor)) == 1
        assert await s.scalar(select(func.count()).select_from(User)) == 1


@pytest.mark.parametrize("slot_minutes", [0, 10, 25, 90])
async def test_a_doctor_needs_an_allowed_slot_length(
    services: Services, slot_minutes: int
) -> None:
    with pytest.raises(InvalidSlotLength):
        await new_doctor(services, slot_minutes=slot_minutes)
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 0


async def test_a_doctor_needs_an_existing_specialty(services: Services) -> None:
    async with services.transaction() as s:
        with pytest.raises(NotFound):
            await add_doctor(
                s,
                name="Gregory House",
                email="house@example.com",
                specialty_id=12345,
                slot_minutes=30,
                created_by=None,
                now=START_UTC,
            )


async def _add_with_new_specialty(
    services: Services, email: str, specialty: str
) -> tuple[int, str]:
    async with services.transaction() as s:
        doctor, _ = await add_doctor(
            s,
            name="Eva Lind",
            email=email,
            new_specialty=specialty,
            slot_minutes=30,
            created_by=None,
            now=START_UTC,
        )
    return doctor.specialty_id, doctor.specialty


async def test_a_new_specialty_is_created_with_the_doctor_or_reused(services: Services) -> None:
    cardiology = await specialty_id(services, "Cardiology")
    created = await _add_with_new_specialty(services, "eva@example.com", "  Sports   medicine ")
    reused = await _add_with_new_specialty(services, "max@example.com", "CARDIOLOGY")
    assert created[1] == "Sports medicine" and created[0] != cardiology
    assert reused == (cardiology, "Cardiology")
    async with services.session_factory() as s:
        names = (await s.scalars(select(Specialty.name).order_by(Specialty.name))).all()
    assert names == ["Cardiology", "Sports medicine"]


async def test_a_refused_doctor_leaves_no_new_specialty(services: Services) -> None:
    await new_doctor(services, "taken@example.com")
    async with services.transaction() as s:
        with pytest.raises(EmailTaken):
            await add_doctor(
                s,
                name="Eva Lind",
                email="TAKEN@example.com",
                new_specialty="Neurology",
                slot_minutes=30,
                created_by=None,
                now=START_UTC,
            )
        # The same transaction goes on (a handler keeps the conversation), without any of it.
        names = (await s.scalars(select(Specialty.name))).all()
        assert list(names) == ["Cardiology"]
        assert await s.scalar(select(func.count()).select_from(User)) == 1


async def test_a_doctor_has_one_specialty_source(services: Services) -> None:
    spec = await specialty_id(services)
    async with services.transaction() as s:
        for given in ({}, {"specialty_id": spec, "new_specialty": "Neurology"}):
            with pytest.raises(TypeError):
                await add_doctor(
                    s,
                    name="Eva Lind",
                    email="eva@example.com",
                    slot_minutes=30,
                    created_by=None,
                    now=START_UTC,
                    **given,
                )


async def test_listing_doctors(services: Services) -> None:
    cuddy = await make_doctor(
        services, "c@example.com", name="Lisa Cuddy", specialty="Dermatology", password=None
    )
    house = await make_doctor(services, "h@example.com", name="Gregory House", password=None)
    wilson = await make_doctor(services, "w@example.com", name="james Wilson", password=None)
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=wilson.user_id, active=False, now=START_UTC)
        everyone = [d.name for d in await list_doctors(s)]
        bookable = [d.name for d in await list_doctors(s, bookable_only=True)]
        cardiology = [d.name for d in await list_doctors(s, specialty_id=house.specialty_id)]
    assert everyone == ["Gregory House", "james Wilson", "Lisa Cuddy"]
    assert bookable == ["Gregory House", "Lisa Cuddy"]
    assert cardiology == ["Gregory House", "james Wilson"]
    assert cuddy.specialty_id != house.specialty_id


async def test_deactivating_a_doctor_revokes_every_session(services: Services) -> None:
    doctor = await make_doctor(services, "house@example.com")
    async with services.transaction() as s:
        user = await s.get(User, doctor.user_id)
        assert user is not None
        for chat_id in (501, 502):
            await open_session(
                s, user=user, chat_id=chat_id, secret=services.jwt_secret, now=START_UTC
            )
    frozen(services).advance(timedelta(hours=1))
    later = services.clock.now()

    async with services.transaction() as s:
        view = await set_doctor_active(s, doctor_id=doctor.user_id, active=False, now=later)
    assert view.active is False
    async with services.transaction() as s:
        revoked = (
            await s.scalars(
                select(ChatSession.revoked_at).where(ChatSession.user_id == doctor.user_id)
            )
        ).all()
        user = await s.get(User, doctor.user_id)
        assert user is not None and user.active is False
        with pytest.raises(NotFound):
            await get_doctor(s, doctor.user_id, bookable=True)
    assert revoked == [later, later]

    async with services.transaction() as s:
        view = await set_doctor_active(s, doctor_id=doctor.user_id, active=True, now=later)
        assert (await get_doctor(s, doctor.user_id, bookable=True)).active is True
        still_revoked = await s.scalar(
            select(func.count()).where(
                ChatSession.user_id == doctor.user_id, ChatSession.revoked_at.is_(None)
            )
        )
    assert view.active is True and still_revoked == 0


async def test_only_doctors_can_be_deactivated(services: Services) -> None:
    async with services.transaction() as s:
        patient = User(email="pat@example.com", name="Pat", role=Role.PATIENT.value)
        s.add(patient)
        await s.flush()
        with pytest.raises(NotFound):
            await set_doctor_active(s, doctor_id=patient.id, active=False, now=START_UTC)
    async with services.session_factory() as s:
        assert await s.scalar(select(User.active).where(User.id == patient.id)) is True


async def test_reactivating_a_doctor(services: Services) -> None:
    doctor_id, _ = await new_doctor(services)
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=doctor_id, active=False, now=START_UTC)
    async with services.transaction() as s:
        first = await reactivate_doctor(s, doctor_id=doctor_id, now=START_UTC)
    async with services.transaction() as s:
        again = await reactivate_doctor(s, doctor_id=doctor_id, now=START_UTC)
        assert (await get_doctor(s, doctor_id)).active
        # Active again, and bookable once ready (this one has not accepted the invite).
        with pytest.raises(NotFound):
            await get_doctor(s, doctor_id, bookable=True)
        await mark_ready(s, doctor_id=doctor_id, ready=True, now=START_UTC)
        assert (await get_doctor(s, doctor_id, bookable=True)).active
        with pytest.raises(NotFound):
            await reactivate_doctor(s, doctor_id=987654, now=START_UTC)
    assert (first.was_active, first.doctor.active) == (False, True)
    assert (again.was_active, again.doctor.active) == (True, True)


# --- weekly hours -------------------------------------------------------------------------------


async def test_adding_hours_merges_overlapping_and_touching_ranges(services: Services) -> None:
    doctor = await make_doctor(
        services,
        "dr@example.com",
        hours=(hhmm(MON, "09:00", "12:00"), hhmm(TUE, "09:00", "17:00")),
        password=None,
    )

    async def add(weekday: int, start: str, end: str) -> list[WeeklyRange]:
        async with services.transaction() as s:
            return await add_hours(s, doctor_id=doctor.user_id, add=hhmm(weekday, start, end))

    tuesday = hhmm(TUE, "09:00", "17:00")
    assert await add(MON, "12:00", "14:00") == [hhmm(MON, "09:00", "14:00"), tuesday]
    assert await add(MON, "16:00", "18:00") == [
        hhmm(MON, "09:00", "14:00"),
        hhmm(MON, "16:00", "18:00"),
        tuesday,
    ]
    assert await add(MON, "13:00", "16:30") == [hhmm(MON, "09:00", "18:00"), tuesday]
    assert await add(MON, "10:00", "11:00") == [hhmm(MON, "09:00", "18:00"), tuesday]
    assert await add(WED, "22:00", "24:00") == [
        hhmm(MON, "09:00", "18:00"),
        tuesday,
        WeeklyRange(WED, 22 * 60, 1440),
    ]
    assert await hours_of(services, doctor.user_id) == [
        hhmm(MON, "09:00", "18:00"),
        tuesday,
        WeeklyRange(WED, 22 * 60, 1440),
    ]


async def test_replacing_hours_of_one_weekday_or_all(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        wednesday = await replace_hours(
            s,
            doctor_id=doctor.user_id,
            weekday=WED,
            ranges=[
                hhmm(WED, "15:00", "19:00"),
                hhmm(WED, "08:00", "12:00"),
                hhmm(WED, "11:00", "13:00"),
            ],
        )
    assert [r for r in wednesday if r.weekday == WED] == [
        hhmm(WED, "08:00", "13:00"),
        hhmm(WED, "15:00", "19:00"),
    ]
    assert [r for r in wednesday if r.weekday != WED] == [
        r for r in DEFAULT_HOURS if r.weekday != WED
    ]
    async with services.transaction() as s:
        assert await replace_hours(s, doctor_id=doctor.user_id, weekday=WED, ranges=[]) == [
            r for r in DEFAULT_HOURS if r.weekday != WED
        ]
        everything = await replace_hours(
            s, doctor_id=doctor.user_id, ranges=[hhmm(5, "10:00", "14:00")]
        )
    assert everything == [hhmm(5, "10:00", "14:00")]


@pytest.mark.parametrize(
    ("ranges", "weekday"),
    [
        ([WeeklyRange(MON, 600, 600)], None),
        ([WeeklyRange(MON, 660, 600)], None),
        ([WeeklyRange(MON, 1380, 1441)], None),
        ([WeeklyRange(MON, -1, 600)], None),
        ([WeeklyRange(7, 540, 600)], None),
        ([WeeklyRange(TUE, 540, 600)], MON),
    ],
    ids=["empty", "inverted", "past midnight", "before midnight", "weekday 7", "other weekday"],
)
async def test_invalid_hours_change_nothing(
    services: Services, ranges: list[WeeklyRange], weekday: int | None
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        with pytest.raises(InvalidHours):
            await replace_hours(
                s,
                doctor_id=doctor.user_id,
                ranges=[hhmm(MON, "08:00", "09:00"), *ranges],
                weekday=weekday,
            )
    assert await hours_of(services, doctor.user_id) == list(DEFAULT_HOURS)


# --- time off -----------------------------------------------------------------------------------


async def test_time_off_belongs_to_its_doctor(services: Services) -> None:
    house = await make_doctor(services, "h@example.com", password=None)
    cuddy = await make_doctor(services, "c@example.com", password=None)
    async with services.transaction() as s:
        off = await add_time_off(
            s,
            doctor_id=house.user_id,
            starts_at=dec(3, 12),
            ends_at=dec(3, 14),
            whole_days=False,
            now=START_UTC,
        )
    async with services.transaction() as s:
        with pytest.raises(NotFound):
            await remove_time_off(s, doctor_id=cuddy.user_id, time_off_id=off.id, now=START_UTC)
        with pytest.raises(NotFound):
            await remove_time_off(
                s, doctor_id=house.user_id, time_off_id=off.id + 1000, now=START_UTC
            )
    async with services.session_factory() as s:
        assert await s.get(TimeOff, off.id) is not None

    async with services.transaction() as s:
        removed = await remove_time_off(
            s, doctor_id=house.user_id, time_off_id=off.id, now=START_UTC
        )
    assert (removed.id, removed.starts_at, removed.ends_at, removed.whole_days) == (
        off.id, dec(3, 12), dec(3, 14), False,
    )  # fmt: skip
    async with services.transaction() as s:
        assert await s.get(TimeOff, off.id) is None
        with pytest.raises(NotFound):
            await remove_time_off(s, doctor_id=house.user_id, time_off_id=off.id, now=START_UTC)


async def test_time_off_that_is_over_is_not_removed(services: Services) -> None:
    doctor = await make_doctor(services, "h@example.com", password=None)
    async with services.transaction() as s:
        off = await add_time_off(
            s,
            doctor_id=doctor.user_id,
            starts_at=dec(3, 12),
            ends_at=dec(3, 14),
            whole_days=False,
            now=START_UTC,
        )
    async with services.transaction() as s:
        with pytest.raises(NotFound):
            await remove_time_off(s, doctor_id=doctor.user_id, time_off_id=off.id, now=dec(3, 14))
    async with services.session_factory() as s:
        assert await s.get(TimeOff, off.id) is not None
    # Under way, it can still be removed (the rest of it is given back).
    async with services.transaction() as s:
        await remove_time_off(s, doctor_id=doctor.user_id, time_off_id=off.id, now=dec(3, 13))
    async with services.session_factory() as s:
        assert await s.get(TimeOff, off.id) is None


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (dec(3, 12), dec(3, 12)),
        (dec(3, 14), dec(3, 12)),
        (dec(1, 7), dec(1, 9)),
        (datetime(2026, 11, 20, 9, tzinfo=MADRID), datetime(2026, 11, 21, 9, tzinfo=MADRID)),
    ],
    ids=["empty", "inverted", "ending now", "in the past"],
)
async def test_invalid_time_off_is_refused(
    services: Services, starts_at: datetime, ends_at: datetime
) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        with pytest.raises(InvalidHours):
            await add_time_off(
                s,
                doctor_id=doctor.user_id,
                starts_at=starts_at,
                ends_at=ends_at,
                whole_days=False,
                now=services.clock.now(),
            )
        assert await upcoming_time_off(s, doctor_id=doctor.user_id, now=START_UTC) == []


async def test_upcoming_time_off_is_what_is_not_over(services: Services) -> None:
    doctor = await make_doctor(services, "dr@example.com", password=None)
    async with services.transaction() as s:
        for start, end in (
            (dec(10, 9), dec(11, 9)),
            (dec(1, 8), dec(1, 10)),
            (dec(2, 9), dec(2, 10)),
        ):
            await add_time_off(
                s,
                doctor_id=doctor.user_id,
                starts_at=start,
                ends_at=end,
                whole_days=False,
                now=START_UTC,
            )
    frozen(services).set(dec(2, 9, 30))
    async with services.transaction() as s:
        ahead = await upcoming_time_off(s, doctor_id=doctor.user_id, now=services.clock.now())
    assert [(t.starts_at, t.ends_at) for t in ahead] == [
        (dec(2, 9), dec(2, 10)),
        (dec(10, 9), dec(11, 9)),
    ]


# --- invites ------------------------------------------------------------------------------------


async def test_an_invite_sets_the_password_once(services: Services) -> None:
    doctor_id, token = await new_doctor(services)
    async with services.transaction() as s:
        assert (await open_invite(s, token=token, now=START_UTC)).id == doctor_id
        user = await accept_invite(s, token=token, password_hash="argon2-hash", now=START_UTC)
    assert user.id == doctor_id and user.password_hash == "argon2-hash"
    async with services.transaction() as s:
        invite = await s.scalar(select(Invite).where(Invite.user_id == doctor_id))
        assert invite is not None and invite.used_at == START_UTC
        assert (await get_doctor(s, doctor_id)).has_password is True
        with pytest.raises(InviteInvalid):
            await open_invite(s, token=token, now=START_UTC)
        with pytest.raises(InviteInvalid):
            await accept_invite(s, token=token, password_hash="someone-else", now=START_UTC)
    async with services.session_factory() as s:
        stored_hash = await s.scalar(select(User.password_hash).where(User.id == doctor_id))
    assert stored_hash == "argon2-hash"


async def test_an_invite_expires_after_seven_days(services: Services) -> None:
    _, token = await new_doctor(services)
    async with services.transaction() as s:
        await open_invite(s, token=token, now=START_UTC + INVITE_TTL - timedelta(seconds=1))
        for late in (START_UTC + INVITE_TTL, START_UTC + INVITE_TTL + timedelta(days=1)):
            with pytest.raises(InviteInvalid):
                await open_invite(s, token=token, now=late)
            with pytest.raises(InviteInvalid):
                await accept_invite(s, token=token, password_hash="h", now=late)


async def test_a_newer_invite_voids_the_older_one(services: Services) -> None:
    doctor_id, first = await new_doctor(services)
    frozen(services).advance(timedelta(hours=2))
    async with services.transaction() as s:
        second = await create_invite(
            s, user_id=doctor_id, created_by=None, now=services.clock.now()
        )
    assert second != first
    async with services.transaction() as s:
        with pytest.raises(InviteInvalid):
            await open_invite(s, token=first, now=services.clock.now())
        assert (await open_invite(s, token=second, now=services.clock.now())).id == doctor_id
        invite = await s.scalar(
            select(Invite).where(Invite.token_hash == hashlib.sha256(second.encode()).hexdigest())
        )
    assert invite is not None and invite.expires_at == services.clock.now() + INVITE_TTL


async def test_renewing_an_invite(services: Services) -> None:
    doctor_id, first = await new_doctor(services)
    frozen(services).advance(timedelta(hours=3))
    now = services.clock.now()
    async with services.transaction() as s:
        renewed = await renew_invite(s, doctor_id=doctor_id, created_by=None, now=now)
    assert renewed.doctor.user_id == doctor_id and renewed.expires_at == now + INVITE_TTL
    async with services.transaction() as s:
        with pytest.raises(InviteInvalid):
            await open_invite(s, token=first, now=now)
        assert (await open_invite(s, token=renewed.token, now=now)).id == doctor_id
        with pytest.raises(NotFound):
            await renew_invite(s, doctor_id=987654, created_by=None, now=now)


async def test_an_inactive_doctor_gets_no_new_invite(services: Services) -> None:
    doctor_id, token = await new_doctor(services)
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=doctor_id, active=False, now=START_UTC)
    async with services.transaction() as s:
        with pytest.raises(DoctorInactive) as refused:
            await renew_invite(s, doctor_id=doctor_id, created_by=None, now=START_UTC)
        assert refused.value.doctor.name == "Gregory House"
        invites = (await s.scalars(select(Invite).where(Invite.user_id == doctor_id))).all()
    assert [invite.token_hash for invite in invites] == [
        hashlib.sha256(token.encode()).hexdigest()
    ]


@pytest.mark.parametrize("token", ["", "nope", "x" * 64])
async def test_unknown_invites_are_invalid(services: Services, token: str) -> None:
    await new_doctor(services)
    async with services.transaction() as s:
        with pytest.raises(InviteInvalid):
            await open_invite(s, token=token, now=START_UTC)
        with pytest.raises(InviteInvalid):
            await accept_invite(s, token=token, password_hash="h", now=START_UTC)


async def test_a_deactivated_doctors_invite_is_invalid(services: Services) -> None:
    doctor_id, token = await new_doctor(services)
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=doctor_id, active=False, now=START_UTC)
    async with services.transaction() as s:
        with pytest.raises(InviteInvalid):
            await open_invite(s, token=token, now=START_UTC)
        with pytest.raises(InviteInvalid):
            await accept_invite(s, token=token, password_hash="h", now=START_UTC)
        user = await s.get(User, doctor_id)
    assert user is not None and user.password_hash is None


async def test_a_new_invite_for_a_lost_password_ends_the_old_sessions(services: Services) -> None:
    doctor_id, token = await new_doctor(services)
    async with services.transaction() as s:
        user = await accept_invite(s, token=token, password_hash="first-hash", now=START_UTC)
        await open_session(s, user=user, chat_id=4242, secret="k" * 32, now=START_UTC)
        fresh = await create_invite(s, user_id=doctor_id, created_by=None, now=START_UTC)
        await accept_invite(s, token=fresh, password_hash="second-hash", now=START_UTC)
    async with services.session_factory() as s:
        sessions = (await s.scalars(select(ChatSession).where(ChatSession.chat_id == 4242))).all()
    assert [row.revoked_at for row in sessions] == [START_UTC]


async def test_hours_overview_has_the_weekly_hours_and_time_off_not_yet_over(
    services: Services,
) -> None:
    doctor = await make_doctor(
        services, "dr@example.com", password=None, hours=(hhmm(WED, "09:00", "13:00"),)
    )
    async with services.transaction() as s:
        for start, end in ((dec(1, 8), dec(1, 9)), (dec(10, 9), dec(10, 12))):
            await add_time_off(
                s,
                doctor_id=doctor.user_id,
                starts_at=start,
                ends_at=end,
                whole_days=False,
                now=dec(1, 7),
            )
        overview = await hours_overview(s, doctor_id=doctor.user_id, now=START_UTC)
        await replace_hours(s, doctor_id=doctor.user_id, ranges=[])
        bare = await hours_overview(s, doctor_id=doctor.user_id, now=START_UTC)
        with pytest.raises(NotFound):
            await hours_overview(s, doctor_id=doctor.user_id + 1000, now=START_UTC)
    assert overview.hours == [hhmm(WED, "09:00", "13:00")]
    assert [(t.starts_at, t.ends_at, t.whole_days) for t in overview.time_off] == [
        (dec(10, 9), dec(10, 12), False)
    ]
    assert bare.hours == [] and bare.time_off == overview.time_off


async def test_doctors_come_a_page_at_a_time(services: Services) -> None:
    names = ["Dr. Eve", "dr. alan", "Dr. Carol", "Dr. Bob", "Dr. Dan"]
    for number, name in enumerate(names):
        await make_doctor(services, f"d{number}@example.com", name=name, password=None)
    async with services.transaction() as s:
        pages = [await doctors_page(s, page=page, per_page=2) for page in range(3)]
        past_the_end = await doctors_page(s, page=7, per_page=2)
    assert [[d.name for d in page.doctors] for page in pages] == [
        ["dr. alan", "Dr. Bob"], ["Dr. Carol", "Dr. Dan"], ["Dr. Eve"],
    ]  # fmt: skip
    assert [(p.page, p.pages, p.total) for p in pages] == [(0, 3, 5), (1, 3, 5), (2, 3, 5)]
    assert (past_the_end.page, [d.name for d in past_the_end.doctors]) == (2, ["Dr. Eve"])


async def test_no_doctors_is_one_empty_page(services: Services) -> None:
    async with services.transaction() as s:
        empty = await doctors_page(s, page=3, per_page=10)
    assert (empty.doctors, empty.page, empty.pages, empty.total) == ([], 0, 1, 0)


# --- ready to be booked -------------------------------------------------------------------------


async def _bookable(services: Services) -> tuple[list[str], list[str]]:
    """The bookable doctors' emails and the specialties /book offers."""
    async with services.session_factory() as s:
        doctors = [d.email for d in await list_doctors(s, bookable_only=True)]
        specialties = [sp.name for sp in await list_specialties(s, bookable_only=True)]
    return doctors, specialties


async def test_a_doctor_is_bookable_once_they_accept_their_invite_or_are_marked_ready(
    services: Services,
) -> None:
    house, token = await new_doctor(services)
    wilson, _ = await new_doctor(services, "wilson@example.com")
    patient = await make_user(services, "pat@example.com")
    monday_10 = dec(7, 10)
    # Neither has accepted their invite: nobody could hear of a booking, so none is taken.
    assert await _bookable(services) == ([], [])
    with pytest.raises(NotFound):
        await book_directly(services, patient_id=patient.id, doctor_id=house, starts_at=monday_10)
    async with services.transaction() as s:
        assert not (await get_doctor(s, house)).ready
        await accept_invite(s, token=token, password_hash="x", now=START_UTC)
    assert await _bookable(services) == (["house@example.com"], ["Cardiology"])
    await book_directly(services, patient_id=patient.id, doctor_id=house, starts_at=monday_10)

    # An admin marks the other one ready before he accepts; and can take it back.
    async with services.transaction() as s:
        marked = await mark_ready(s, doctor_id=wilson, ready=True, now=START_UTC)
        again = await mark_ready(s, doctor_id=wilson, ready=True, now=START_UTC)
    assert (marked.changed, again.changed) == (True, False)
    assert marked.doctor.marked_ready and marked.doctor.bookable
    assert (await _bookable(services))[0] == ["house@example.com", "wilson@example.com"]
    async with services.transaction() as s:
        taken_back = await mark_ready(s, doctor_id=wilson, ready=False, now=START_UTC)
        with pytest.raises(NotFound):
            await mark_ready(s, doctor_id=987654, ready=True, now=START_UTC)
    assert taken_back.changed and not taken_back.doctor.bookable
    assert (await _bookable(services))[0] == ["house@example.com"]
    # Inactive, a ready doctor is not bookable either.
    async with services.transaction() as s:
        await set_doctor_active(s, doctor_id=house, active=False, now=START_UTC)
    assert await _bookable(services) == ([], [])


async def test_a_doctors_card_counts_upcoming_appointments_and_knows_their_invite(
    services: Services,
) -> None:
    house, _ = await new_doctor(services)
    patient = await make_user(services, "pat@example.com")
    async with services.transaction() as s:
        await mark_ready(s, doctor_id=house, ready=True, now=START_UTC)
    for day in (7, 8):
        await book_directly(
            services, patient_id=patient.id, doctor_id=house, starts_at=dec(day, 10)
        )
    async with services.session_factory() as s:
        card = await doctor_card(s, doctor_id=house, now=START_UTC)
        later = await doctor_card(s, doctor_id=house, now=dec(8, 9))
        with pytest.raises(NotFound):
            await doctor_card(s, doctor_id=987654, now=START_UTC)
    assert (card.upcoming, later.upcoming) == (2, 1)
    assert card.hours == list(DEFAULT_HOURS)
    assert card.invite_expires_at == START_UTC + INVITE_TTL and not card.invite_used


@pytest.mark.parametrize(
    "typed",
    ["Dr", "Dr.", "dra", "Doctora", "DR. ", "Prof. Dr.", "Dr. A", "Sra. Dña.", "ana@clinic.es"],
)
async def test_a_doctors_name_is_a_name_not_a_title(services: Services, typed: str) -> None:
    with pytest.raises(InvalidName):
        normalise_doctor_name(typed)
    spec = await specialty_id(services)
    async with services.transaction() as s:
        with pytest.raises(InvalidName):
            await add_doctor(
                s,
                name=typed,
                email="x@example.com",
                specialty_id=spec,
                slot_minutes=30,
                created_by=None,
                now=START_UTC,
            )


def test_names_with_titles_are_names() -> None:
    for typed, kept in (
        ("  Dr.   Li ", "Dr. Li"),
        ("House", "House"),
        ("Dra. María José Núñez", "Dra. María José Núñez"),
        ("Dr. Number 09", "Dr. Number 09"),
    ):
        assert normalise_doctor_name(typed) == kept


# --- editing a doctor ---------------------------------------------------------------------------


async def test_editing_a_doctor_changes_what_patients_see_and_keeps_booked_times(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "house@example.com")
    patient = await make_user(services, "pat@example.com")
    booked = await book_directly(
        services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=dec(7, 10)
    )
    async with services.transaction() as s:
        edited = await update_doctor(
            s,
            doctor_id=doctor.user_id,
            was=details_of(doctor),
            name="Dr. Greg House",
            email=" GREG@Example.com ",
            slot_minutes=20,
            new_specialty="Diagnostics",
            now=START_UTC,
        )
    assert edited.changed == {"name", "specialty", "email", "slot_minutes"}
    assert edited.upcoming == 1
    view = edited.doctor
    assert (view.name, view.specialty, view.email, view.slot_minutes) == (
        "Dr. Greg House", "Diagnostics", "greg@example.com", 20,
    )  # fmt: skip
    async with services.session_factory() as s:
        user = await s.get(User, doctor.user_id)
        assert user is not None and (user.name, user.email) == ("Dr. Greg House", view.email)
        appointment = await s.get(Appointment, booked.id)
        assert appointment is not None
        assert (appointment.starts_at, appointment.ends_at) == (booked.starts_at, booked.ends_at)
        # New times are 20 minutes long, around the 30-minute appointment that stays.
        days = await available_days(
            s,
            doctor=view,
            policy=policy_of(services.settings),
            now=START_UTC,
            first_day=dec(7, 0).date(),
            last_day=dec(7, 0).date(),
        )
    starts = [
        slot.starts_at.astimezone(MADRID).strftime("%H:%M") for slot in days[dec(7, 0).date()]
    ]
    assert starts[:5] == ["09:00", "09:20", "09:40", "10:40", "11:00"]
    assert all(
        slot.ends_at - slot.starts_at == timedelta(minutes=20) for slot in days[dec(7, 0).date()]
    )


async def test_an_edit_of_a_doctor_changed_meanwhile_or_to_a_taken_email_saves_nothing(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "house@example.com")
    await make_user(services, "taken@example.com")
    seen = details_of(doctor)
    async with services.transaction() as s:
        await update_doctor(
            s,
            doctor_id=doctor.user_id,
            was=seen,
            name=doctor.name,
            email=doctor.email,
            slot_minutes=45,
            specialty_id=doctor.specialty_id,
            now=START_UTC,
        )
    # Another admin's edit, from what they saw before that one: refused, nothing saved.
    async with services.transaction() as s:
        with pytest.raises(DoctorChanged) as changed:
            await update_doctor(
                s,
                doctor_id=doctor.user_id,
                was=seen,
                name="Dr. Someone Else",
                email=doctor.email,
                slot_minutes=30,
                specialty_id=doctor.specialty_id,
                now=START_UTC,
            )
    assert changed.value.doctor.slot_minutes == 45
    now_seen = details_of(changed.value.doctor)
    async with services.transaction() as s:
        with pytest.raises(EmailTaken):
            await update_doctor(
                s,
                doctor_id=doctor.user_id,
                was=now_seen,
                name="Dr. Someone Else",
                email="taken@example.com",
                slot_minutes=45,
                specialty_id=doctor.specialty_id,
                now=START_UTC,
            )
        with pytest.raises(NotFound):
            await update_doctor(
                s,
                doctor_id=987654,
                was=now_seen,
                name="Dr. Someone Else",
                email="x@example.com",
                slot_minutes=45,
                specialty_id=doctor.specialty_id,
                now=START_UTC,
            )
    async with services.session_factory() as s:
        assert details_of(await get_doctor(s, doctor.user_id)) == now_seen
