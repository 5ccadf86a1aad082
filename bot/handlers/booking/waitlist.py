"""Waitlists in chat: /waitlist lists what the patient waits for (each with Leave); an
appointment's card waits for an earlier time; an offer's Take this time books the freed time
(or moves the visit there), and its Leave the waitlist stops waiting.

An offer's buttons carry ids only and act on the server's state when pressed: the entry must
be the presser's and still waiting, the time still free (the database decides between two taps
at once). Joining from /book is a step of the booking walk (:mod:`bot.handlers.booking.waiting`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update

from bot.callbacks import LeaveWaitlist, TakeFreedTime, WaitEarlier
from bot.choices import Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.formatting import day_label, policy_of, when_short
from bot.handlers.booking.shared import alert_refusal, described, moved_values
from bot.routes import Button, Command, Routes, roles
from db.booking import (
    NotChangeable,
    PatientOverlap,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TooManyUpcoming,
)
from db.errors import NotFound
from db.models import Role
from db.waitlist import (
    EntryView,
    NoSpan,
    WaitlistEnded,
    WaitlistFull,
    leave_waitlist,
    take_freed_time,
    wait_for_earlier,
    waiting_for,
)

PATIENTS = roles(Role.PATIENT)


def who_text(context: ClinicContext, entry: EntryView) -> str:
    """Whom the entry waits for: the doctor, or any doctor of the specialty."""
    if entry.doctor_name is None:
        return context.t("waitlist.who.anyone", specialty=entry.specialty)
    return context.t("waitlist.who.doctor", doctor=entry.doctor_name, specialty=entry.specialty)


def span_text(context: ClinicContext, start: datetime, end: datetime) -> str:
    """The days a span covers: ``Mon 30 Nov – Sun 6 Dec``."""
    tz = context.settings.timezone
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return context.t(
        "waitlist.span",
        first=day_label(context.lang, first),
        last=day_label(context.lang, last),
    )


def entry_text(context: ClinicContext, entry: EntryView, *, key: str, **values: object) -> str:
    """One waiting entry, with the catalog's ``{key}.item`` or ``{key}.earlier`` line."""
    if entry.appointment_starts_at is not None:
        tz = context.settings.timezone
        current = when_short(context.lang, entry.appointment_starts_at, tz)
        return context.t(f"{key}.earlier", doctor=entry.doctor_name, current=current, **values)
    who, span = who_text(context, entry), span_text(context, entry.from_at, entry.until_at)
    return context.t(f"{key}.item", who=who, span=span, **values)


async def _list_screen(context: ClinicContext) -> Screen:
    entries = await waiting_for(context.db, patient_id=context.me.user_id, now=context.now)
    if not entries:
        return Screen(context.t("waitlist.list.none"))
    lines = [context.t("waitlist.list.header", count=len(entries))]
    leave = []
    for number, entry in enumerate(entries, start=1):
        lines.append(entry_text(context, entry, key="waitlist.list", number=number))
        label = context.t("waitlist.btn.leave_n", number=number)
        leave.append(Choice(label, LeaveWaitlist(entry=entry.id, listed=True)))
    return Screen("\n".join(lines), rows_of(leave, 2))


async def show_waitlist(update: Update, context: ClinicContext) -> None:
    """/waitlist: what the patient waits for, each with Leave."""
    context.show(await _list_screen(context))


async def leave(update: Update, context: ClinicContext) -> None:
    """Leave: stop waiting (from an offer, or from the list, shown again)."""
    pressed = context.payload(LeaveWaitlist)
    try:
        entry = await leave_waitlist(
            context.db, entry_id=pressed.entry, patient_id=context.me.user_id, now=context.now
        )
    except NotFound:
        context.alert("waitlist.not_found")
        return
    if pressed.listed:
        context.show(
            (await _list_screen(context)).with_lead(
                context.t("waitlist.left", who=who_text(context, entry))
            )
        )
        return
    context.show_text("waitlist.left", who=who_text(context, entry))


async def wait_earlier(update: Update, context: ClinicContext) -> None:
    """🔔 on an appointment's card: wait for an earlier time with its doctor."""
    appointment = context.payload(WaitEarlier).appointment
    try:
        entry = await wait_for_earlier(
            context.db,
            patient_id=context.me.user_id,
            appointment_id=appointment,
            policy=policy_of(context.settings),
            now=context.now,
        )
    except (NotFound, NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return
    except NoSpan:
        context.alert("waitlist.earlier.none")
        return
    except WaitlistFull as exc:
        context.alert("waitlist.full", limit=exc.limit)
        return
    assert entry.appointment_starts_at is not None
    current = when_short(context.lang, entry.appointment_starts_at, context.settings.timezone)
    context.alert("waitlist.earlier.joined", current=current, doctor=entry.doctor_name)


async def take_freed(update: Update, context: ClinicContext) -> None:
    """Take this time: book the freed time, or move the visit there."""
    pressed = context.payload(TakeFreedTime)
    try:
        taken = await take_freed_time(
            context.db,
            entry_id=pressed.entry,
            patient_id=context.me.user_id,
            doctor_id=pressed.doctor,
            starts_at=pressed.starts_at,
            policy=policy_of(context.settings),
            now=context.now,
        )
    except NotFound as exc:
        # The entry is not the presser's, or the doctor no longer takes appointments.
        context.alert("waitlist.not_found" if str(exc) == "waitlist" else "waitlist.no_longer")
        return
    except WaitlistEnded as exc:
        context.alert(f"waitlist.ended.{exc.status}")
        context.strip_buttons()
        return
    except SlotTaken:
        stay = Choice(
            context.t("waitlist.btn.leave"), LeaveWaitlist(entry=pressed.entry, listed=False)
        )
        context.show(Screen(context.t("waitlist.gone_offer"), [[stay]]))
        context.toast("waitlist.gone")
        return
    except SlotUnavailable:
        context.alert("waitlist.no_longer")
        return
    except PatientOverlap:
        context.alert("offer.overlap")
        return
    except TooManyUpcoming as exc:
        context.alert("offer.too_many", limit=exc.limit)
        return
    except (NotChangeable, TooLateToChange) as exc:
        alert_refusal(context, exc)
        return
    if taken.moved_from is None:
        context.show_text("waitlist.booked", **described(context, taken.appointment))
        return
    context.show_text(
        "waitlist.moved", **moved_values(context, taken.appointment, taken.moved_from)
    )


ROUTES = Routes(
    commands=[Command("waitlist", show_waitlist, roles=PATIENTS)],
    buttons=[
        Button(LeaveWaitlist, leave, roles=PATIENTS),
        Button(WaitEarlier, wait_earlier, roles=PATIENTS),
        Button(TakeFreedTime, take_freed, roles=PATIENTS),
    ],
)
