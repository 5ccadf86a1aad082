"""The front desk's use cases against real PostgreSQL: patients the clinic registers and finds,
booking for them, the clinic cancelling and moving visits with a reason (who may, what is
queued for whom), the free times a cancellation offers, claiming a registered account, and
front-desk accounts with their invites.

The clock is Tuesday 1 December 2026, 09:00 in Madrid; doctors work Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.context import Services
from bot.formatting import policy_of
from db.booking import (
    Actor,
    AppointmentView,
    ChangedMeanwhile,
    InvalidNote,
    NotChangeable,
    OfferTaken,
    SlotTaken,
    Why,
    book,
    cancel,
    normalise_note,
    reschedule,
    take_offer,
    visible_to,
)
from db.doctors import (
    InviteInvalid,
    accept_invite_and_log_in,
    open_account_invite,
)
from db.errors import EmailTaken, InvalidPhone, NotFound
from db.models import Appointment, ChangeReason, Delivery, Role, User
from db.patients import (
    ClaimNeedsProof,
    QueryTooShort,
    create_patient,
    patient_card,
    register_or_claim_and_log_in,
    search_patients,
    with_phone,
)
from db.staff import StaffInactive, add_staff, renew_staff_invite, set_staff_active, staff_page
from tests.conftest import JWT_SECRET
from tests.factories import make_doctor

MADRID = ZoneInfo("Europe/Madrid")


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MADRID)


async def account(services: Services, email: str, name: str, role: Role) -> User:
    async with services.transaction() as s:
        user = User(email=email, name=name, role=role.value, phone="+34600999000")
        s.add(user)
        await s.flush()
    return user


async def registered(services: Services, name: str, phone: str, email: str | None = None) -> int:
    async with services.transaction() as s:
        return (
            await create_patient(s, name=name, phone=phone, email=email, now=services.clock.now())
        ).id


async def book_as(
    services: Services, actor: Actor, patient_id: int, doctor_id: int, at: datetime
) -> AppointmentView:
    async with services.transaction() as s:
        return await book(
            s,
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=at,
            policy=policy_of(services.settings),
            now=services.clock.now(),
            actor=actor,
        )


async def cancel_as(
    services: Services,
    actor: Actor,
    appointment_id: int,
    why: Why | None = None,
    version: int | None = None,
) -> AppointmentView:
    async with services.transaction() as s:
        return await cancel(
            s,
            appointment_id=appointment_id,
            actor=actor,
            policy=policy_of(services.settings),
            now=services.clock.now(),
            why=why,
            expected_version=version,
        )


async def queued(services: Services, appointment_id: int) -> set[tuple[str, str, int]]:
    async with services.session_factory() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.appointment_id == appointment_id))
        return {(d.kind, d.channel, d.recipient_id) for d in rows if d.kind != "reminder"}


async def stored(services: Services, appointment_id: int) -> Appointment:
    async with services.session_factory() as s:
        found = await s.get(Appointment, appointment_id)
        assert found is not None
        return found


# --- patients -----------------------------------------------------------------------------------


async def test_the_clinic_registers_and_finds_patients(services: Services) -> None:
    garcia = await registered(services, "Ana García", "+34 600 111 222", "Ana@Example.com")
    await registered(services, "Anabel Ruiz", "+34 600 111 333")
    await registered(services, "Bob Stone", "+44 7911 123456")
    await account(services, "ana.doctor@example.com", "Ana Doctor", Role.DOCTOR)

    async def names(query: str, page: int = 0, per_page: int = 8) -> list[str]:
        async with services.transaction() as s:
            found = await search_patients(s, query=query, page=page, per_page=per_page)
            return [p.name for p in found.patients]

    # Words of the name in any order and accents aside; doctors are not patients.
    assert await names("ana") == ["Ana García", "Anabel Ruiz"]
    assert await names("garcia ANA") == ["Ana García"]
    # Digits are a phone (in any spelling), an "@" an email.
    assert await names("600-111") == ["Ana García", "Anabel Ruiz"]
    assert await names("123456") == ["Bob Stone"]
    assert await names("ana@exa") == ["Ana García"]
    assert await names("an%") == []  # LIKE's wildcards are matched literally
    assert await names("ana", page=1, per_page=1) == ["Anabel Ruiz"]
    assert await names("ana", page=9, per_page=1) == ["Anabel Ruiz"]  # past the end: the last
    with pytest.raises(QueryTooShort):
        await names("a")

    async with services.transaction() as s:
        card = await patient_card(s, patient_id=garcia, now=services.clock.now())
        assert (card.patient.email, card.patient.phone) == ("ana@example.com", "+34600111222")
        assert not card.patient.on_telegram and card.upcoming == []
        assert [p.name for p in await with_phone(s, "+34600111222")] == ["Ana García"]
        with pytest.raises(EmailTaken):
            await create_patient(
                s,
                name="Other Ana",
                phone="+34600123456",
                email="ana@example.com",
                now=services.clock.now(),
            )
        with pytest.raises(InvalidPhone):
            await create_patient(
                s, name="No Phone", phone="call me", email=None, now=services.clock.now()
            )


# --- booking for a patient ----------------------------------------------------------------------


async def test_the_front_desk_books_for_a_patient_with_the_same_rules(
    services: Services,
) -> None:
    doctor = await make_doctor(services, "house@example.com", password=None)
    staff = await account(services, "desk@example.com", "Desk", Role.STAFF)
    other_doctor = await make_doctor(
        services, "cuddy@example.com", name="Dr. Lisa Cuddy", password=None
    )
    patient = await registered(services, "Ana García", "+34600111222")
    desk = Actor(staff.id, Role.STAFF)

    booked = await book_as(services, desk, patient, doctor.user_id, dec(2, 10))
    assert booked.booked_by_clinic and booked.patient_id == patient
    assert (await stored(services, booked.id)).booked_by == staff.id
    # The doctor's notice, the confirmation email, and the patient's "the clinic booked".
    assert await queued(services, booked.id) == {
        ("doctor_booked", "telegram", doctor.user_id),
        ("booked", "email", patient),
        ("clinic_booked", "telegram", patient),
    }
    # The same constraint: the doctor's slot is taken whoever books it.
    bob = await registered(services, "Bob Stone", "+34600111333")
    with pytest.raises(SlotTaken):
        await book_as(services, desk, bob, doctor.user_id, dec(2, 10))
    # Only the front desk and admins book for someone else, and only for a patient.
    with pytest.raises(NotFound):
        await book_as(
            services, Actor(other_doctor.user_id, Role.DOCTOR), patient, doctor.user_id, dec(2, 11)
        )
    with pytest.raises(NotFound):
        await book_as(services, desk, other_doctor.user_id, doctor.user_id, dec(2, 11))

    # A patient booking for themselves: no "the clinic booked" notice, not marked.
    mine = await book_as(
        services, Actor(patient, Role.PATIENT), patient, doctor.user_id, dec(3, 9)
    )
    assert not mine.booked_by_clinic
    assert "clinic_booked" not in {kind for kind, _, _ in await queued(services, mine.id)}


# --- cancelling and moving for the clinic -------------------------------------------------------


async def test_who_may_cancel_and_what_each_party_is_told(services: Services) -> None:
    house = await make_doctor(services, "house@example.com", password=None)
    cuddy = await make_doctor(services, "cuddy@example.com", name="Dr. Lisa Cuddy", password=None)
    staff = await account(services, "desk@example.com", "Desk", Role.STAFF)
    patient = await registered(services, "Ana García", "+34600111222", "ana@example.com")
    first = await book_as(
        services, Actor(patient, Role.PATIENT), patient, house.user_id, dec(2, 10)
    )
    second = await book_as(
        services, Actor(patient, Role.PATIENT), patient, house.user_id, dec(3, 10)
    )

    # Another doctor, or a patient, cannot see or cancel it: "not found".
    for stranger in (Actor(cuddy.user_id, Role.DOCTOR), Actor(staff.id + 1000, Role.PATIENT)):
        with pytest.raises(NotFound):
            await cancel_as(services, stranger, first.id, Why(ChangeReason.EMERGENCY))
        async with services.transaction() as s:
            with pytest.raises(NotFound):
                await visible_to(s, appointment_id=first.id, actor=stranger)

    # The front desk cancels with a reason: the doctor and the patient are told.
    desk = Actor(staff.id, Role.STAFF)
    done = await cancel_as(services, desk, first.id, Why(ChangeReason.DOCTOR_UNAVAILABLE))
    assert (done.status, done.change_reason, done.change_note) == (
        "cancelled", ChangeReason.DOCTOR_UNAVAILABLE, None,
    )  # fmt: skip
    assert (await stored(services, first.id)).cancel_reason == "staff"
    assert {
        k for k in await queued(services, first.id) if k[0] not in ("booked", "doctor_booked")
    } == {
        ("cancelled", "email", patient),
        ("doctor_cancelled", "telegram", house.user_id),
        ("clinic_cancelled", "telegram", patient),
    }
    # Again: it is no longer booked.
    with pytest.raises(NotChangeable):
        await cancel_as(services, desk, first.id, Why(ChangeReason.EMERGENCY))

    # The doctor cancels their own (a typed reason): the patient is told, the doctor not.
    own = await cancel_as(
        services, Actor(house.user_id, Role.DOCTOR), second.id, Why(note="Conference abroad")
    )
    assert (own.change_reason, own.change_note) == (None, "Conference abroad")
    kinds = {kind for kind, _, _ in await queued(services, second.id)}
    assert "clinic_cancelled" in kinds and "doctor_cancelled" not in kinds

    assert normalise_note("  too   many\nspaces ") == "too many spaces"
    for bad in ("", "x", "/cancel", "y" * 201):
        with pytest.raises(InvalidNote):
            normalise_note(bad)


async def test_a_change_made_meanwhile_refuses_the_one_shown_before(services: Services) -> None:
    house = await make_doctor(services, "house@example.com", password=None)
    staff = await account(services, "desk@example.com", "Desk", Role.STAFF)
    patient = await registered(services, "Ana García", "+34600111222")
    desk = Actor(staff.id, Role.STAFF)
    visit = await book_as(services, desk, patient, house.user_id, dec(2, 10))

    async with services.transaction() as s:
        moved, old = await reschedule(
            s,
            appointment_id=visit.id,
            actor=desk,
            new_start=dec(2, 11),
            policy=policy_of(services.settings),
            now=services.clock.now(),
            why=Why(ChangeReason.PATIENT_REQUEST),
            expected_version=visit.version,
        )
    assert (old, moved.version, moved.change_reason) == (
        dec(2, 10), 1, ChangeReason.PATIENT_REQUEST,
    )  # fmt: skip
    # A second member of staff acting on what they saw before the move is refused.
    with pytest.raises(ChangedMeanwhile):
        await cancel_as(services, desk, visit.id, Why(ChangeReason.EMERGENCY), visit.version)
    assert (await stored(services, visit.id)).status == "booked"

    # A move by the patient clears the clinic's reason.
    async with services.transaction() as s:
        mine, _ = await reschedule(
            s,
            appointment_id=visit.id,
            actor=Actor(patient, Role.PATIENT),
            new_start=dec(3, 11),
            policy=policy_of(services.settings),
            now=services.clock.now(),
        )
    assert (mine.change_reason, mine.change_note) == (None, None)


# --- the free times a cancellation offers -------------------------------------------------------


async def test_an_offer_books_once_for_its_patient_only(services: Services) -> None:
    house = await make_doctor(services, "house@example.com", password=None)
    staff = await account(services, "desk@example.com", "Desk", Role.STAFF)
    ana = await registered(services, "Ana García", "+34600111222")
    bob = await registered(services, "Bob Stone", "+34600111333")
    desk = Actor(staff.id, Role.STAFF)
    visit = await book_as(services, desk, ana, house.user_id, dec(2, 10))
    mine = await book_as(services, Actor(bob, Role.PATIENT), bob, house.user_id, dec(3, 10))
    await cancel_as(services, desk, visit.id, Why(ChangeReason.EMERGENCY))
    await cancel_as(services, Actor(bob, Role.PATIENT), mine.id)

    async def take(patient: int, cancelled: int, at: datetime) -> AppointmentView:
        async with services.transaction() as s:
            return await take_offer(
                s,
                cancelled_id=cancelled,
                patient_id=patient,
                starts_at=at,
                policy=policy_of(services.settings),
                now=services.clock.now(),
            )

    # Someone else's notice, or a cancellation the patient made themselves, offers nothing.
    with pytest.raises(NotFound):
        await take(bob, visit.id, dec(4, 10))
    with pytest.raises(NotFound):
        await take(bob, mine.id, dec(4, 10))
    # A time taken meanwhile is refused as taken; the offer is still there.
    await book_as(services, Actor(bob, Role.PATIENT), bob, house.user_id, dec(4, 10))
    with pytest.raises(SlotTaken):
        await take(ana, visit.id, dec(4, 10))
    rebooked = await take(ana, visit.id, dec(4, 11))
    assert (rebooked.doctor_id, rebooked.starts_at, rebooked.booked_by_clinic) == (
        house.user_id, dec(4, 11), False,
    )  # fmt: skip
    assert (await stored(services, visit.id)).rebooked_as == rebooked.id
    with pytest.raises(OfferTaken):
        await take(ana, visit.id, dec(4, 12))


# --- claiming an account the clinic registered --------------------------------------------------


async def _register(
    services: Services,
    email: str,
    phone: str | None,
    *,
    phone_verified: bool = False,
    email_verified: bool = False,
    chat_id: int = 555,
) -> tuple[int, bool]:
    async with services.transaction() as s:
        done = await register_or_claim_and_log_in(
            s,
            name="Ana Typed",
            email=email,
            password_hash="argon2-hash-stand-in",
            phone=phone,
            phone_verified=phone_verified,
            email_verified=email_verified,
            language="es",
            chat_id=chat_id,
            secret=JWT_SECRET,
            now=services.clock.now(),
        )
        return done.user.id, done.claimed


async def test_registering_claims_the_clinics_record_with_proof_only(
    services: Services,
) -> None:
    house = await make_doctor(services, "house@example.com", password=None)
    staff = await account(services, "desk@example.com", "Desk", Role.STAFF)
    ana = await registered(services, "Ana García", "+34600111222", "ana@example.com")
    visit = await book_as(services, Actor(staff.id, Role.STAFF), ana, house.user_id, dec(2, 10))

    # The email alone proves nothing: nothing is created, no duplicate.
    with pytest.raises(ClaimNeedsProof):
        await _register(services, "ana@example.com", "+34600111222")
    with pytest.raises(ClaimNeedsProof):
        await _register(services, "ana@example.com", "+34699999999", phone_verified=True)
    # The clinic's phone, shared from Telegram: the account (and its visit) is theirs.
    assert await _register(services, "ana@example.com", "+34600111222", phone_verified=True) == (
        ana,
        True,
    )
    async with services.session_factory() as s:
        user = await s.get(User, ana)
        assert user is not None
        assert (user.name, user.language, user.password_hash) == (
            "Ana García", "es", "argon2-hash-stand-in",
        )  # fmt: skip
        assert (await s.get(Appointment, visit.id)).patient_id == ana  # type: ignore[union-attr]
    # Claimed once: nothing more to claim. Without a code, another registration with the
    # address is an account of its own, its address unconfirmed (no email goes to it).
    other, claimed = await _register(
        services, "ana@example.com", "+34600111222", phone_verified=True, chat_id=557
    )
    assert not claimed and other != ana
    # With a code, the address is Ana's for good: nobody else confirms it.
    with pytest.raises(EmailTaken):
        await _register(services, "ana@example.com", None, email_verified=True, chat_id=558)

    # A patient registered without email is claimed by the verified phone alone, and gets the
    # email typed; a verified email claims without the phone.
    bob = await registered(services, "Bob Stone", "+34600111333")
    assert await _register(
        services, "bob@example.com", "+34600111333", phone_verified=True, chat_id=556
    ) == (bob, True)
    cat = await registered(services, "Cat Lee", "+34600111444", "cat@example.com")
    assert await _register(services, "cat@example.com", None, email_verified=True) == (cat, True)
    # A typed (unverified) phone links nothing: a new account.
    dan = await registered(services, "Dan Roe", "+34600111555")
    new_id, claimed = await _register(services, "dan@example.com", "+34600111555")
    assert not claimed and new_id != dan


# --- front-desk accounts ------------------------------------------------------------------------


async def test_front_desk_accounts_are_invited_like_doctors(services: Services) -> None:
    admin = await account(services, "boss@example.com", "The Boss", Role.ADMIN)
    now = services.clock.now()
    async with services.transaction() as s:
        invite = await add_staff(
            s, name="  Rosa   Díaz ", email="Rosa@Clinic.example", created_by=admin.id, now=now
        )
        with pytest.raises(EmailTaken):
            await add_staff(
                s, name="Rosa Two", email="rosa@clinic.example", created_by=None, now=now
            )
        opened = await open_account_invite(s, token=invite.token, now=now)
    assert (opened.account.role, opened.account.name, opened.account.specialty) == (
        Role.STAFF, "Rosa Díaz", None,
    )  # fmt: skip
    async with services.transaction() as s:
        accepted = await accept_invite_and_log_in(
            s,
            token_hash=opened.token_hash,
            password_hash="argon2-hash-stand-in",
            chat_id=777,
            language="en",
            secret=JWT_SECRET,
            now=now,
            ttl=services.settings.session_ttl,
        )
        assert (accepted.account.role, accepted.hours) == (Role.STAFF, [])
        with pytest.raises(InviteInvalid):
            await open_account_invite(s, token=invite.token, now=now)
        page = await staff_page(s, page=0, per_page=8)
        assert [(m.name, m.has_password) for m in page.members] == [("Rosa Díaz", True)]
        member, changed = await set_staff_active(
            s, user_id=invite.member.user_id, active=False, now=now
        )
        assert changed and not member.active
        with pytest.raises(StaffInactive):
            await renew_staff_invite(s, user_id=member.user_id, created_by=admin.id, now=now)
        with pytest.raises(NotFound):
            await set_staff_active(s, user_id=admin.id, active=False, now=now)
