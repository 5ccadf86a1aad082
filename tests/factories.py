"""Accounts created directly through the use cases, for tests that start past registration."""

from __future__ import annotations

from datetime import datetime

from bot.context import Services
from bot.formatting import policy_of
from db.booking import Actor, AppointmentView, book
from db.doctors import (
    DoctorView,
    add_doctor,
    get_doctor,
    get_or_create_specialty,
    mark_ready,
    replace_hours,
)
from db.models import Role, User
from db.passwords import hash_password
from db.slots import WeeklyRange
from tests.fake_telegram import ChatUser

PASSWORD = "correct horse battery"
_HASHES: dict[str, str] = {}


async def password_hash(password: str) -> str:
    """The argon2id hash of ``password``, computed once per test run (hashing is slow)."""
    if password not in _HASHES:
        _HASHES[password] = await hash_password(password)
    return _HASHES[password]


async def make_user(
    services: Services,
    email: str,
    *,
    name: str = "Test User",
    role: Role = Role.PATIENT,
    password: str = PASSWORD,
    active: bool = True,
    phone: str | None = None,
    language: str | None = None,
    verified: bool = True,
) -> User:
    """An account; its address confirmed unless ``verified`` is False."""
    async with services.transaction() as s:
        user = User(
            email=email,
            name=name,
            role=role.value,
            password_hash=await password_hash(password),
            active=active,
            phone=phone,
            language=language,
            email_verified_at=services.clock.now() if verified else None,
        )
        s.add(user)
        await s.flush()
    return user


async def make_doctor(
    services: Services,
    email: str,
    *,
    name: str = "Dr. Gregory House",
    specialty: str = "Cardiology",
    slot_minutes: int = 30,
    hours: tuple[WeeklyRange, ...] | None = None,
    password: str | None = PASSWORD,
    ready: bool = True,
) -> DoctorView:
    """A doctor (Mon–Fri 09:00–17:00 unless ``hours``), with a password unless ``None``.
    Bookable unless ``ready`` is False: one without a password is marked ready by an admin."""
    if password is not None and not ready:
        raise ValueError("a doctor with a password has accepted an invite: they are ready")
    async with services.transaction() as s:
        spec = await get_or_create_specialty(s, specialty)
        doctor, _ = await add_doctor(
            s,
            name=name,
            email=email,
            specialty_id=spec.id,
            slot_minutes=slot_minutes,
            created_by=None,
            now=services.clock.now(),
        )
        if hours is not None:
            await replace_hours(s, doctor_id=doctor.user_id, ranges=hours)
        if password is not None:
            user = await s.get(User, doctor.user_id)
            assert user is not None
            user.password_hash = await password_hash(password)
        elif ready:
            await mark_ready(s, doctor_id=doctor.user_id, ready=True, now=services.clock.now())
        return await get_doctor(s, doctor.user_id)


async def book_directly(
    services: Services,
    *,
    patient_id: int,
    doctor_id: int,
    starts_at: datetime,
    actor: Actor | None = None,
) -> AppointmentView:
    """An appointment booked through the use case (as /book would, or the front desk or an
    admin for the patient when ``actor`` is one of them), committed."""
    async with services.transaction() as s:
        return await book(
            s,
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            policy=policy_of(services.settings),
            now=services.clock.now(),
            actor=actor,
        )


async def log_in_chat(chat: ChatUser, email: str, password: str = PASSWORD) -> None:
    """Log a chat in through /login, as a person would."""
    await chat.send("/login")
    await chat.send(email)
    reply = (await chat.send(password))[-1].text
    assert "Logged in" in reply or "Sesión iniciada" in reply, reply
