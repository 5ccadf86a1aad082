"""The booking conversation's last screens: the reason for the visit and the confirmation (with
the warning when the time is inside the cancellation window), and the line that says whom the
front desk is booking for."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update

from bot.callbacks import (
    BookAbandon,
    BookChangeTime,
    BookConfirm,
    BookEditReason,
    BookSkipReason,
)
from bot.choices import NO, SKIP, YES, Choice, Screen
from bot.clinic import change_text
from bot.context import ClinicContext
from bot.conversation import ScreenBuilder
from bot.formatting import when
from bot.handlers.booking.screens import (
    BookingDraft,
    Mode,
    current_when,
    doctor_of,
    for_patient,
)
from bot.handlers.booking.shared import span
from bot.handlers.frontdesk.reasons import why_label
from db.booking import MAX_REASON
from db.doctors import DoctorView


def _chosen(context: ClinicContext, doctor: DoctorView, start: datetime) -> dict[str, object]:
    end = start + timedelta(minutes=doctor.slot_minutes)
    return {
        "doctor": doctor.name,
        "specialty": doctor.specialty,
        "when": when(context.lang, start, end, context.settings.timezone),
    }


async def reason_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    """Why the patient is coming: typed, or skipped (only the Skip button is matched by typing;
    any other text is the reason)."""
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.start is None:
        return Screen(context.t("book.doctor_gone"))
    text = context.t("book.reason_ask", limit=MAX_REASON, **_chosen(context, doctor, draft.start))
    if draft.reason:
        text += context.t("book.reason_now", reason=draft.reason)
    rows = [
        [Choice(context.t("book.btn.skip"), BookSkipReason(flow=flow), SKIP)],
        [
            Choice(context.t("book.btn.change_time"), BookChangeTime(flow=flow), typed=False),
            Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), typed=False),
        ],
    ]
    return Screen(text, rows)


async def confirm_screen(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
    flow = context.turn.flow
    doctor = await doctor_of(context, draft)
    if doctor is None or draft.start is None:
        return Screen(context.t("book.doctor_gone"))
    values = _chosen(context, doctor, draft.start)
    if draft.mode is Mode.MOVE and draft.patient is not None:
        text = context.t(
            "move.confirm_for",
            old=current_when(context, draft),
            patient=draft.patient_name,
            reason=why_label(context, draft.why, draft.note),
            **values,
        )
    elif draft.mode is Mode.MOVE:
        text = context.t("move.confirm", old=current_when(context, draft), **values)
    elif draft.patient is not None:
        text = context.t("book.confirm_for", patient=draft.patient_name, **values)
        if draft.reason:
            text += context.t("book.reason_line", reason=draft.reason)
    else:
        text = context.t("book.confirm", **values)
        if draft.reason:
            text += context.t("book.reason_line", reason=draft.reason)
    window = context.settings.cancel_window
    if draft.start - context.now < window:
        # Inside the cancellation window: once booked, only the clinic can change it.
        call = change_text(context.lang, context.settings.clinic)
        text += context.t("book.window_warning", window=span(context, window), call=call)
    change = [Choice(context.t("book.btn.change_time"), BookChangeTime(flow=flow), ("change",))]
    if draft.mode is Mode.BOOK:
        change.append(Choice(context.t("book.btn.reason"), BookEditReason(flow=flow)))
    change.append(Choice(context.t("book.btn.cancel"), BookAbandon(flow=flow), NO))
    rows = [[Choice(context.t("book.btn.confirm"), BookConfirm(flow=flow), YES)], change]
    return Screen(text, rows)


def addressed(builder: ScreenBuilder[BookingDraft]) -> ScreenBuilder[BookingDraft]:
    """``builder``'s screen with the patient it is for above it (see :func:`for_patient`)."""

    async def build(update: Update, context: ClinicContext, draft: BookingDraft) -> Screen:
        return for_patient(context, draft, await builder(update, context, draft))

    return build
