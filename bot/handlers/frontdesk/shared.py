"""What the front desk's journeys share: the /patients conversation's states and draft, and a
patient's card (their details and upcoming visits, with Book and each visit's button)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.callbacks import BookFor, VisitCard
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import when_short
from bot.handlers.booking.waitlist import entry_text
from bot.routes import roles
from db.models import Role
from db.patients import PatientView, patient_card

# The front desk and admins act for any patient.
CLINIC = roles(Role.STAFF, Role.ADMIN)
# The name of the /patients conversation (a walk begun from it closes it quietly).
PATIENTS_SEARCH: Final = "patients"
# Visits listed on a patient's card, soonest first.
CARD_VISITS = 8
# A button's label at most (names and emails can be long).
LABEL = 60


class PatientsState(StrEnum):
    SEARCH = "search"  # type a name, phone or email
    RESULTS = "results"  # the patients found, paged
    CARD = "card"  # one patient
    NEW_NAME = "new_name"  # a new patient: their name
    NEW_PHONE = "new_phone"  # their phone
    NEW_EMAIL = "new_email"  # their email, or none
    NEW_CONFIRM = "new_confirm"  # create them?


class Purpose(StrEnum):
    FIND = "find"  # /patients: open their card
    BOOK = "book"  # /book for the front desk: book for the patient picked


@dataclass
class PatientsDraft:
    purpose: Purpose = Purpose.FIND
    query: str = ""
    page: int = 0
    patient: int | None = None  # the patient whose card is shown
    # A new patient, as typed so far.
    name: str = ""
    phone: str = ""
    email: str | None = None


def find_patient_to_book(context: ClinicContext) -> PatientsState:
    """/book for the front desk and admins: find the patient first."""
    context.begin(PatientsDraft(purpose=Purpose.BOOK))
    return PatientsState.SEARCH


def patient_line(context: ClinicContext, patient: PatientView) -> str:
    """``Ana García · +34600111222 · ana@example.com · no Telegram`` (HTML)."""
    parts = [
        f"<b>{html.escape(patient.name, quote=False)}</b>",
        html.escape(patient.phone, quote=False)
        if patient.phone
        else context.t("patients.no_phone"),
        html.escape(patient.email, quote=False)
        if patient.email
        else context.t("patients.no_email"),
    ]
    if not patient.on_telegram:
        parts.append(context.t("patients.no_telegram"))
    if not patient.active:
        parts.append(context.t("patients.inactive_mark"))
    return " · ".join(parts)


def patient_label(patient: PatientView) -> str:
    """A patient's button: their name and how to reach them (plain text, kept short)."""
    contact = patient.phone or patient.email
    label = f"{patient.name} · {contact}" if contact else patient.name
    return label if len(label) <= LABEL else label[: LABEL - 1] + "…"


async def card_screen(
    context: ClinicContext, patient_id: int, *, extra: list[list[Choice]] | None = None
) -> Screen:
    """A patient's card: details and upcoming visits, with Book and a button per visit (and
    ``extra`` rows below); :class:`NotFound` when there is no such patient. Its own buttons
    are pressed, not typed: at a search's card, typed words are a new search."""
    card = await patient_card(context.db, patient_id=patient_id, now=context.now)
    tz, language = context.settings.timezone, context.lang
    lines = [patient_line(context, card.patient)]
    rows: list[list[Choice]] = []
    if card.patient.active:
        book = Choice(context.t("patients.btn.book"), BookFor(patient=patient_id), typed=False)
        rows.append([book])
    if card.upcoming:
        lines.append(context.t("patients.upcoming", count=len(card.upcoming), zone=tz.key))
    else:
        lines.append(context.t("patients.no_upcoming"))
    for appt in card.upcoming[:CARD_VISITS]:
        moment = when_short(language, appt.starts_at, tz)
        lines.append(
            context.t(
                "patients.visit", when=moment, doctor=appt.doctor_name, specialty=appt.specialty
            )
        )
        label = f"{moment} · {appt.doctor_name}"[:LABEL]
        rows.append([Choice(label, VisitCard(appointment=appt.id), typed=False)])
    if len(card.upcoming) > CARD_VISITS:
        lines.append(context.t("patients.more_visits", count=len(card.upcoming) - CARD_VISITS))
    if card.waiting:
        lines.append(context.t("patients.waiting", count=len(card.waiting)))
        lines.extend(entry_text(context, e, key="patients.waiting") for e in card.waiting)
    rows.extend(extra or [])
    return Screen("\n".join(lines), rows)
