"""What the booking journeys share: an appointment's description and why it can't change."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clinic import call_text
from bot.context import ClinicContext
from bot.formatting import when
from db.booking import AppointmentView, NotChangeable, TooLateToChange
from db.errors import DomainError


def described(context: ClinicContext, appt: AppointmentView) -> dict[str, object]:
    """The doctor, specialty and time of ``appt`` for the catalog's appointment texts."""
    return {
        "doctor": appt.doctor_name,
        "specialty": appt.specialty,
        "when": when(context.lang, appt.starts_at, appt.ends_at, context.settings.timezone),
    }


def span(context: ClinicContext, window: timedelta) -> str:
    """``2 hours`` / ``90 minutes``: the cancellation window as people say it."""
    minutes = int(window.total_seconds()) // 60
    if minutes == 60:
        return context.t("appts.one_hour")
    if minutes % 60 == 0:
        return context.t("appts.hours", n=minutes // 60)
    return context.t("appts.minutes", n=minutes)


def change_refusal(context: ClinicContext, exc: DomainError) -> tuple[str, dict[str, object]]:
    """The text key (and values) telling why an appointment can't be changed."""
    if isinstance(exc, TooLateToChange):
        return "appts.too_late", {
            "window": span(context, context.settings.cancel_window),
            "call": call_text(context.lang, context.settings.clinic),
        }
    if isinstance(exc, NotChangeable):
        return "appts.not_changeable", {}
    return "appts.not_found", {}


def alert_refusal(context: ClinicContext, exc: DomainError) -> None:
    """A pop-up telling why the appointment can't be changed (see :func:`change_refusal`)."""
    key, values = change_refusal(context, exc)
    context.alert(key, **values)


def moved_values(
    context: ClinicContext, moved: AppointmentView, old_start: datetime
) -> dict[str, object]:
    """:func:`described` of a moved appointment, with ``old``: where it was before."""
    values = described(context, moved)
    old_end = old_start + (moved.ends_at - moved.starts_at)
    values["old"] = when(context.lang, old_start, old_end, context.settings.timezone)
    return values
