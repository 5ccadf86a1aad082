"""``clinic-bot seed-demo``: a demo clinic to try the bot with.

Four specialties with a doctor each, on varied appointment lengths and weekly hours, marked
ready so that patients can book them at once. No password is created or printed anywhere: each
doctor gets a one-time invite link, printed to the terminal, and chooses a password when they
open it. Running it again creates nothing twice: doctors who
accepted their invite are listed as such, and pending ones get a fresh link.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.formatting import hours_summary, moment
from bot.invites import invite_link, invite_payload
from bot.runtime import Database, make_services
from bot.settings import ConfigError, Settings
from db.doctors import (
    INVITE_TTL,
    DoctorView,
    add_doctor,
    create_invite,
    get_or_create_specialty,
    list_doctors,
    mark_ready,
    replace_hours,
    weekly_hours,
)
from db.errors import EmailTaken
from db.slots import WeeklyRange

LANGUAGE = "en"  # of the terminal output


def _ranges(days: range, *spans: tuple[int, int]) -> tuple[WeeklyRange, ...]:
    """The same hour spans (``(9, 13)`` is 09:00–13:00) on each of ``days`` (0 = Monday)."""
    return tuple(WeeklyRange(day, start * 60, end * 60) for day in days for start, end in spans)


@dataclass(frozen=True)
class DemoDoctor:
    name: str
    email: str
    specialty: str
    slot_minutes: int
    hours: tuple[WeeklyRange, ...]


WEEKDAYS = range(5)

DEMO_DOCTORS: tuple[DemoDoctor, ...] = (
    DemoDoctor(
        name="Dr. Lucía Fernández",
        email="lucia.fernandez@demo.clinic.invalid",
        specialty="General practice",
        slot_minutes=15,
        hours=_ranges(WEEKDAYS, (9, 13), (16, 20)),  # split: mornings and evenings
    ),
    DemoDoctor(
        name="Dr. Martin Okafor",
        email="martin.okafor@demo.clinic.invalid",
        specialty="Cardiology",
        slot_minutes=30,
        hours=_ranges(WEEKDAYS, (9, 17)),
    ),
    DemoDoctor(
        name="Dr. Sofia Marino",
        email="sofia.marino@demo.clinic.invalid",
        specialty="Dermatology",
        slot_minutes=20,
        hours=_ranges(WEEKDAYS, (9, 17)) + _ranges(range(5, 6), (9, 13)),  # and Saturday morning
    ),
    DemoDoctor(
        name="Dr. Hannah Berg",
        email="hannah.berg@demo.clinic.invalid",
        specialty="Pediatrics",
        slot_minutes=45,
        hours=_ranges(range(4), (8, 15)),  # Monday to Thursday
    ),
)


@dataclass(frozen=True)
class Seeded:
    doctor: DoctorView
    hours: list[WeeklyRange]
    created: bool
    token: str | None  # a new invite, when the doctor still has to accept one
    expires_at: datetime | None


async def _bot_username(settings: Settings) -> str | None:
    """The bot's @username from Telegram (getMe); ``None`` without a token or a connection."""
    if settings.telegram_token is None:
        return None
    api = settings.telegram_api_url
    bot = Bot(
        settings.telegram_token.get(), base_url=f"{api}/bot", base_file_url=f"{api}/file/bot"
    )
    try:
        async with bot:
            return bot.username
    except InvalidToken:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN", "Telegram rejected this token; copy it again from @BotFather"
        ) from None
    except NetworkError as exc:
        print(
            f"seed-demo: could not reach Telegram ({type(exc).__name__}); showing the /start "
            "commands to send to the bot instead of links",
            file=sys.stderr,
        )
        return None


def _report(seeded: list[Seeded], settings: Settings, username: str | None, out: TextIO) -> None:
    tz = settings.timezone
    created = sum(item.created for item in seeded)
    specialties = len({item.doctor.specialty for item in seeded})
    if created:
        print(f"Demo clinic: created {created} of {len(seeded)} doctors.", file=out)
    else:
        print("Demo clinic: already there, nothing created twice.", file=out)
    print(f"{specialties} specialties, {len(seeded)} doctors; times in {tz.key}.", file=out)
    if username is None:
        print(
            "TELEGRAM_BOT_TOKEN is not set, so there are no links: each doctor sends the\n"
            "/start command shown below to the bot from their own Telegram account.",
            file=out,
        )
    for item in seeded:
        doctor = item.doctor
        print(file=out)
        print(
            f"{doctor.name} — {doctor.specialty}, {doctor.slot_minutes}-min appointments",
            file=out,
        )
        print(f"  email: {doctor.email}", file=out)
        print(f"  hours: {hours_summary(LANGUAGE, item.hours)}", file=out)
        if not doctor.active:
            print("  inactive: reactivate them with /doctors to invite them again", file=out)
        elif item.token is None:
            print("  has accepted the invite and set a password: logs in with /login", file=out)
        else:
            assert item.expires_at is not None
            expires = moment(LANGUAGE, item.expires_at, tz)
            print(f"  invite (one use), expires {expires}:", file=out)
            if username is not None:
                print(f"    {invite_link(username, item.token)}", file=out)
            else:
                print(f"    /start {invite_payload(item.token)}", file=out)
    print(file=out)
    print(
        "No passwords were created: each doctor chooses one when opening their invite.",
        file=out,
    )
    print(
        "The demo doctors are marked ready: patients can book them before they accept.",
        file=out,
    )


async def _seed(settings: Settings, database: Database) -> list[Seeded]:
    """Create what is missing, in one transaction; fresh invites for doctors still pending."""
    services = make_services(settings, database)
    now = services.clock.now()
    seeded: list[Seeded] = []
    try:
        async with services.transaction() as s:
            existing = {doctor.email: doctor for doctor in await list_doctors(s)}
            for demo in DEMO_DOCTORS:
                specialty = await get_or_create_specialty(s, demo.specialty)
                doctor = existing.get(demo.email)
                token: str | None = None
                if doctor is None:
                    doctor, token = await add_doctor(
                        s,
                        name=demo.name,
                        email=demo.email,
                        specialty_id=specialty.id,
                        slot_minutes=demo.slot_minutes,
                        created_by=None,
                        now=now,
                    )
                    await replace_hours(s, doctor_id=doctor.user_id, ranges=demo.hours)
                    # Bookable at once, so that patients can try /book before any invite is
                    # accepted.
                    ready = await mark_ready(s, doctor_id=doctor.user_id, ready=True, now=now)
                    doctor = ready.doctor
                elif doctor.active and not doctor.has_password:
                    token = await create_invite(
                        s, user_id=doctor.user_id, created_by=None, now=now
                    )
                seeded.append(
                    Seeded(
                        doctor=doctor,
                        hours=await weekly_hours(s, doctor.user_id),
                        created=demo.email not in existing,
                        token=token,
                        expires_at=now + INVITE_TTL if token else None,
                    )
                )
    finally:
        await services.close()
    return seeded


async def seed_demo(settings: Settings, database: Database, out: TextIO | None = None) -> int:
    """Seed the demo clinic and print each doctor's invite; the process exit code."""
    username = await _bot_username(settings)  # before any change: a bad token changes nothing
    try:
        seeded = await _seed(settings, database)
    except EmailTaken as exc:
        print(
            f"seed-demo: {exc} already belongs to an account that is not a demo doctor; "
            "nothing was changed",
            file=sys.stderr,
        )
        return 1
    _report(seeded, settings, username, out or sys.stdout)
    return 0
