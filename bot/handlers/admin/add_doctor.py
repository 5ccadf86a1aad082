"""/adddoctor (admins): name → specialty → email → appointment length → create, with an invite.

Nothing is stored until Create: a new specialty typed on the way is created with the doctor,
so an onboarding abandoned midway leaves nothing behind. Every answer can be typed: a
specialty by its name or the start of it ("cardio"), a new one by a name that matches none,
a length as "30" or "30 min", "yes"/"sí" or "no" at the summary.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum

from telegram import ReplyKeyboardRemove, Update

from bot.callbacks import AddAbandon, AddConfirm, AddNewSpecialty, AddSlotLength, AddSpecialty
from bot.choices import NO, YES, Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import hours_summary, moment
from bot.invites import invite_link
from bot.routes import Command, Routes, roles
from bot.texts import Raw
from db.accounts import email_available, normalise_email, normalise_name
from db.doctors import (
    DEFAULT_HOURS,
    INVITE_TTL,
    InvalidSpecialty,
    add_doctor,
    find_specialty,
    get_specialty,
    list_specialties,
    normalise_specialty,
)
from db.errors import DomainError, EmailTaken, NotFound
from db.models import SLOT_LENGTHS, Role

ADMINS = roles(Role.ADMIN)
SPECIALTIES_PER_ROW = 2


class AddState(StrEnum):
    NAME = "name"
    SPECIALTY = "specialty"
    NEW_SPECIALTY = "new_specialty"
    EMAIL = "email"
    SLOT = "slot"
    CONFIRM = "confirm"


@dataclass
class AddDoctorDraft:
    name: str = ""
    # The chosen specialty: an existing one's id, or ``None`` with the name of one to create.
    specialty_id: int | None = None
    specialty: str = ""
    email: str = ""
    minutes: int = 0
    # The email was taken by someone else while the admin was confirming.
    email_taken: bool = False


Result = AddState | Ended | None


def _specialty_label(context: ClinicContext, draft: AddDoctorDraft) -> Raw:
    """The chosen specialty as HTML, marked when it is to be created."""
    if draft.specialty_id is None:
        return Raw(context.t("admin.add.specialty_new", specialty=draft.specialty))
    return Raw(html.escape(draft.specialty, quote=False))


def _slot_keys(minutes: int) -> tuple[str, ...]:
    """What an admin might type for a length: ``30``, ``30 minutes``, ``30 minutos``, ``30m``."""
    units = ("minutes", "minutos", "mins", "m")
    return (str(minutes), *(f"{minutes} {unit}" for unit in units), f"{minutes}m", f"{minutes}min")


# --- screens ------------------------------------------------------------------------------------


async def name_screen(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Screen:
    return Screen(context.t("admin.add.ask_name"), reply_markup=ReplyKeyboardRemove())


async def specialty_screen(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Screen:
    flow = context.turn.flow
    choices = [
        Choice(specialty.name, AddSpecialty(flow=flow, specialty=specialty.id))
        for specialty in await list_specialties(context.db)
    ]
    rows = rows_of(choices, SPECIALTIES_PER_ROW)
    rows.append([Choice(context.t("admin.add.new_specialty_button"), AddNewSpecialty(flow=flow))])
    return Screen(context.t("admin.add.ask_specialty", name=draft.name), rows)


async def new_specialty_screen(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Screen:
    return Screen(context.t("admin.add.ask_new_specialty"))


async def email_screen(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Screen:
    if draft.email_taken:
        return Screen(context.t("admin.add.email_taken_late", name=draft.name))
    specialty = _specialty_label(context, draft)
    return Screen(context.t("admin.add.ask_email", specialty=specialty, name=draft.name))


async def slot_screen(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Screen:
    flow = context.turn.flow
    row = [
        Choice(
            context.t("admin.add.slot_button", minutes=minutes),
            AddSlotLength(flow=flow, minutes=minutes),
            _slot_keys(minutes),
        )
        for minutes in SLOT_LENGTHS
    ]
    return Screen(context.t("admin.add.ask_slot", name=draft.name), [row])


async def summary_screen(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Screen:
    flow = context.turn.flow
    text = context.t(
        "admin.add.summary",
        name=draft.name,
        specialty=_specialty_label(context, draft),
        email=draft.email,
        minutes=draft.minutes,
        hours=hours_summary(context.lang, DEFAULT_HOURS),
    )
    row = [
        Choice(context.t("admin.add.confirm_button"), AddConfirm(flow=flow), YES),
        Choice(context.t("admin.add.cancel_button"), AddAbandon(flow=flow), NO),
    ]
    return Screen(text, [row])


# --- steps --------------------------------------------------------------------------------------


async def start_add_doctor(update: Update, context: ClinicContext) -> AddState:
    """/adddoctor: ask for the doctor's name."""
    context.begin(AddDoctorDraft())
    return AddState.NAME


async def take_name(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Result:
    """Take the doctor's name; offer the specialties."""
    try:
        draft.name = normalise_name(context.text or "")
    except DomainError:
        context.reply("admin.add.bad_name")
        return None
    return AddState.SPECIALTY


async def choose_specialty(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Result:
    """Take the specialty chosen (pressed or typed); ask for the email."""
    try:
        specialty = await get_specialty(context.db, context.payload(AddSpecialty).specialty)
    except NotFound:
        context.alert("admin.add.specialty_gone")
        return AddState.SPECIALTY
    draft.specialty_id, draft.specialty = specialty.id, specialty.name
    return AddState.EMAIL


async def ask_new_specialty(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Result:
    """The admin wants a specialty not in the list: ask for its name."""
    return AddState.NEW_SPECIALTY


async def _take_specialty_name(context: ClinicContext, draft: AddDoctorDraft) -> bool:
    """Take a typed specialty: an existing one of that name (any case), else a new one to
    create with the doctor. ``False`` when it cannot be a specialty's name."""
    try:
        name = normalise_specialty(context.text or "")
        existing = await find_specialty(context.db, name)
    except InvalidSpecialty:
        return False
    if existing is not None:
        draft.specialty_id, draft.specialty = existing.id, existing.name
    else:
        draft.specialty_id, draft.specialty = None, name
    return True


async def type_specialty(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Result:
    """A specialty typed at the list that names none of it: a new one (or the choices again)."""
    if not await _take_specialty_name(context, draft):
        context.note("admin.add.bad_specialty")
        return AddState.SPECIALTY
    return AddState.EMAIL


async def take_new_specialty(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Result:
    """Take the new specialty's name (an existing one of that name is reused); ask the email."""
    if not await _take_specialty_name(context, draft):
        context.reply("admin.add.bad_specialty")
        return None
    return AddState.EMAIL


async def take_email(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Result:
    """Take the doctor's email (valid and not in use); offer the appointment lengths."""
    try:
        email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    if not await email_available(context.db, email):
        context.reply("admin.add.email_taken")
        return None
    draft.email, draft.email_taken = email, False
    return AddState.SLOT


async def choose_slot_length(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Result:
    """Take the appointment length; show the summary to confirm."""
    minutes = context.payload(AddSlotLength).minutes
    if minutes not in SLOT_LENGTHS:
        context.alert("admin.add.bad_slot")
        return None
    draft.minutes = minutes
    return AddState.CONFIRM


async def create_doctor(update: Update, context: ClinicContext, draft: AddDoctorDraft) -> Result:
    """Create the doctor (and a new specialty, if one was typed) and show the invite link."""
    new_specialty = draft.specialty if draft.specialty_id is None else None
    try:
        doctor, token = await add_doctor(
            context.db,
            name=draft.name,
            email=draft.email,
            specialty_id=draft.specialty_id,
            new_specialty=new_specialty,
            slot_minutes=draft.minutes,
            created_by=context.me.user_id,
            now=context.now,
        )
    except EmailTaken:
        draft.email, draft.email_taken = "", True
        return AddState.EMAIL
    except NotFound:
        context.note("admin.add.specialty_gone")
        return AddState.SPECIALTY
    language = context.lang
    context.show_text(
        "admin.add.done",
        name=doctor.name,
        specialty=doctor.specialty,
        minutes=doctor.slot_minutes,
        hours=hours_summary(language, DEFAULT_HOURS),
        expires=moment(language, context.now + INVITE_TTL, context.settings.timezone),
        link=invite_link(context.bot.username, token),
    )
    return END


async def abandon_add_doctor(
    update: Update, context: ClinicContext, draft: AddDoctorDraft
) -> Result:
    """Cancel on the summary: nothing is saved."""
    context.show_text("admin.add.abandoned")
    return END


ADD_DOCTOR = Conversation(
    "adddoctor",
    AddState,
    AddDoctorDraft,
    {
        AddState.NAME: Step(name_screen, text=take_name),
        AddState.SPECIALTY: Step(
            specialty_screen,
            {AddSpecialty: choose_specialty, AddNewSpecialty: ask_new_specialty},
            text=type_specialty,
        ),
        AddState.NEW_SPECIALTY: Step(new_specialty_screen, text=take_new_specialty),
        AddState.EMAIL: Step(email_screen, text=take_email),
        AddState.SLOT: Step(slot_screen, {AddSlotLength: choose_slot_length}),
        AddState.CONFIRM: Step(
            summary_screen, {AddConfirm: create_doctor, AddAbandon: abandon_add_doctor}
        ),
    },
    roles=ADMINS,
)

ROUTES = Routes(
    commands=[Command("adddoctor", start_add_doctor, roles=ADMINS)],
    conversations=[ADD_DOCTOR],
)
