"""Why the clinic cancels or moves a visit: the short list its buttons offer, what a choice or a
typed reason means to the use cases, and how it reads."""

from __future__ import annotations

from collections.abc import Callable

from bot.callbacks import ChangeWhy, StepData
from bot.choices import Choice
from bot.context import ClinicContext
from bot.formatting import reason_text
from db.booking import Why
from db.models import ChangeReason

# The short list of reasons, as the clinic picks them and as they are stored.
WHY_REASONS: dict[ChangeWhy, ChangeReason] = {
    ChangeWhy.DOCTOR_UNAVAILABLE: ChangeReason.DOCTOR_UNAVAILABLE,
    ChangeWhy.PATIENT_REQUEST: ChangeReason.PATIENT_REQUEST,
    ChangeWhy.CLINIC_SCHEDULE: ChangeReason.CLINIC_SCHEDULE,
    ChangeWhy.EMERGENCY: ChangeReason.EMERGENCY,
}


def why_of(why: ChangeWhy | None, note: str | None) -> Why | None:
    """The reason chosen or typed, as the use cases take it."""
    if why is not None:
        return Why(reason=WHY_REASONS[why])
    return Why(note=note) if note else None


def why_label(context: ClinicContext, why: ChangeWhy | None, note: str | None) -> str:
    """The reason chosen or typed, in the reader's language (plain text)."""
    return reason_text(context.lang, WHY_REASONS[why] if why else None, note)


def why_choices(context: ClinicContext, family: Callable[..., StepData]) -> list[Choice]:
    """The short list of reasons as buttons of ``family`` (a step family with a ``why``)."""
    flow = context.turn.flow
    return [
        Choice(context.t(f"reason.{reason.value}"), family(flow=flow, why=why))
        for why, reason in WHY_REASONS.items()
    ]
