"""The booking walk's waitlist step: a patient whose doctor has no day that suits waits for a
time to free up, with that doctor or any doctor of the specialty, over the next days.

The offers, /waitlist and leaving are in :mod:`bot.handlers.booking.waitlist`.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import BookBack, BookWaitlist, BookWaitSpan
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.conversation import END
from bot.formatting import policy_of
from bot.handlers.booking.screens import BookingDraft, BookState, Result, doctor_of
from bot.handlers.booking.waitlist import span_text, who_text
from db.errors import NotFound
from db.waitlist import NoSpan, WaitlistFull, join_waitlist, span_of

# The spans offered (days from today), besides the whole horizon.
SPANS = (7, 14)


async def wait_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """For which days the patient waits, and for whom (the doctor, or any of the specialty)."""
    doctor = await doctor_of(context, draft)
    if doctor is None:
        return Screen(context.t("book.doctor_gone"))
    flow = context.turn.flow
    horizon = context.settings.booking_horizon_days
    spans = [
        Choice(context.t("waitlist.btn.days", days=days), BookWaitSpan(flow=flow, days=days))
        for days in SPANS
        if days < horizon
    ]
    spans.append(
        Choice(
            context.t("waitlist.btn.any_day", days=horizon),
            BookWaitSpan(flow=flow, days=horizon),
            ("any", "any day", "cualquiera", "cualquier dia"),
        )
    )
    if draft.wait_anyone:
        who = context.t("waitlist.who.anyone", specialty=doctor.specialty)
        toggle = context.t("waitlist.btn.only", doctor=doctor.name)
    else:
        who = context.t("waitlist.who.doctor", doctor=doctor.name, specialty=doctor.specialty)
        toggle = context.t("waitlist.btn.anyone", specialty=doctor.specialty)
    rows = [
        spans,
        [Choice(toggle, BookWaitlist(flow=flow, anyone=not draft.wait_anyone))],
        [Choice(context.t("waitlist.btn.back"), BookBack(flow=flow, to="days"), ("back",))],
    ]
    return Screen(context.t("waitlist.ask_span", who=who), rows)


async def open_waitlist(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """🔔 on the days (or Any doctor / Only the doctor): ask for which days."""
    draft.wait_anyone = context.payload(BookWaitlist).anyone
    return BookState.WAIT


async def choose_span(update: Update, context: ClinicContext, draft: BookingDraft) -> Result:
    """Join the waitlist for the next days chosen."""
    doctor = await doctor_of(context, draft)
    if doctor is None:
        context.show_text("book.doctor_gone")
        return END
    policy = policy_of(context.settings)
    start, end = span_of(context.payload(BookWaitSpan).days, policy, context.now)
    try:
        entry = await join_waitlist(
            context.db,
            patient_id=context.me.user_id,
            from_at=start,
            until_at=end,
            policy=policy,
            now=context.now,
            doctor_id=None if draft.wait_anyone else doctor.user_id,
            specialty_id=doctor.specialty_id if draft.wait_anyone else None,
        )
    except NoSpan:
        context.note("waitlist.no_span")
        return BookState.WAIT
    except WaitlistFull as exc:
        context.show_text("waitlist.full", limit=exc.limit)
        return END
    except NotFound:
        context.show_text("book.doctor_gone")
        return END
    context.show_text(
        "waitlist.joined",
        who=who_text(context, entry),
        span=span_text(context, entry.from_at, entry.until_at),
    )
    return END
