"""Registering a patient for the clinic (the /patients conversation's ➕ New patient): name →
phone → email (or none) → create. Nothing is stored until Create.

The patient need not use Telegram: they are reminded by email when they have one, and can
claim the account later by registering in the bot (see :mod:`db.patients`). Other patients
with the same phone are shown before creating, to open one of them instead.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import PatientsAbandon, PatientsCreate, PatientsPick, PatientsSkipEmail
from bot.choices import NO, YES, Choice, Screen
from bot.context import ClinicContext
from bot.conversation import Ended
from bot.handlers.booking.clinic import book_for
from bot.handlers.booking.screens import BookState
from bot.handlers.frontdesk.shared import PatientsDraft, PatientsState, Purpose, patient_label
from db.accounts import email_available, normalise_email, normalise_name, normalise_phone
from db.errors import DomainError, EmailTaken
from db.patients import create_patient, with_phone

SKIP = ("skip", "omitir", "none", "ninguno", "no email", "sin correo")
# Same-phone patients shown before creating a new one.
SAME_PHONE = 5

Result = PatientsState | BookState | Ended | None


def _cancel(context: ClinicContext) -> Choice:
    return Choice(context.t("patients.btn.cancel"), PatientsAbandon(flow=context.turn.flow), NO)


async def name_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    return Screen(context.t("patients.new.ask_name"), [[_cancel(context)]])


async def phone_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    return Screen(context.t("patients.new.ask_phone", name=draft.name), [[_cancel(context)]])


async def email_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    skip = Choice(
        context.t("patients.btn.no_email"), PatientsSkipEmail(flow=context.turn.flow), SKIP
    )
    return Screen(context.t("patients.new.ask_email", name=draft.name), [[skip, _cancel(context)]])


async def confirm_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    flow = context.turn.flow
    text = context.t(
        "patients.new.summary",
        name=draft.name,
        phone=draft.phone,
        email=draft.email or context.t("patients.no_email"),
    )
    rows = [[Choice(context.t("patients.btn.create"), PatientsCreate(flow=flow), YES)]]
    same = await with_phone(context.db, draft.phone)
    if same:
        text += "\n\n" + context.t("patients.new.same_phone", count=len(same))
        rows += [
            [Choice(f"👤 {patient_label(p)}", PatientsPick(flow=flow, patient=p.id), typed=False)]
            for p in same[:SAME_PHONE]
        ]
    rows.append([_cancel(context)])
    return Screen(text, rows)


async def take_name(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """Take the patient's name; ask their phone."""
    try:
        draft.name = normalise_name(context.text or "")
    except DomainError:
        context.reply("patients.new.bad_name")
        return None
    return PatientsState.NEW_PHONE


async def take_phone(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """Take the patient's phone; ask their email."""
    try:
        draft.phone = normalise_phone(context.text or "")
    except DomainError:
        context.reply("patients.new.bad_phone")
        return None
    return PatientsState.NEW_EMAIL


async def take_email(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """Take the patient's email (valid and not in use); show the summary."""
    try:
        email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    if not await email_available(context.db, email):
        context.reply("patients.new.email_taken")
        return None
    draft.email = email
    return PatientsState.NEW_CONFIRM


async def skip_email(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """No email: reminders go by Telegram only, once they use the bot; show the summary."""
    draft.email = None
    return PatientsState.NEW_CONFIRM


async def create(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """Create the patient: their card, or (a search from /book) the booking walk for them."""
    try:
        patient = await create_patient(
            context.db, name=draft.name, phone=draft.phone, email=draft.email, now=context.now
        )
    except EmailTaken:
        draft.email = None
        context.note("patients.new.email_taken_late")
        return PatientsState.NEW_EMAIL
    context.note("patients.new.done", name=patient.name)
    if draft.purpose is Purpose.BOOK:
        return await book_for(context, patient.id)
    draft.patient = patient.id
    return PatientsState.CARD
