"""The doctor form (admins): a doctor's name, specialty, email and appointment length.

One conversation serves /adddoctor (:mod:`add_doctor`: each question in turn, then a summary
to create the doctor) and editing a doctor (:mod:`edit_doctor`: the summary of their details
first). From the summary (:mod:`doctor_summary`) any answer can be changed, and the summary
comes back after it.
Every answer can be typed: a specialty by its name or the start of it ("cardio", whatever
page of the list is shown), a new one by a name that matches none, a length as "30" or
"30 min", "yes"/"sí" or "no" at the summary, "name", "email"… for the answer to change.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from telegram import ReplyKeyboardRemove, Update

from bot.callbacks import (
    AddBack,
    AddChange,
    AddNewSpecialty,
    AddSlotLength,
    AddSpecialty,
    AddSpecialtyPage,
)
from bot.choices import Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.conversation import Ended
from bot.paging import match_any, page_line, page_of, paging_row, short
from bot.routes import roles
from bot.texts import Raw
from db.accounts import email_available, normalise_email
from db.doctors import (
    InvalidSpecialty,
    find_specialty,
    get_specialty,
    list_specialties,
    normalise_doctor_name,
    normalise_specialty,
)
from db.errors import DomainError, NotFound
from db.models import SLOT_LENGTHS, Role

ADMINS = roles(Role.ADMIN)
SPECIALTIES_PER_PAGE = 10
SPECIALTIES_PER_ROW = 2
Answer = Literal["n", "s", "e", "l"]  # name, specialty, email, appointment length
# What an admin may type for the answer to change at the summary, whatever the language.
CHANGE_KEYS: dict[Answer, tuple[str, ...]] = {
    "n": ("name", "nombre"),
    "s": ("specialty", "especialidad"),
    "e": ("email", "correo", "mail"),
    "l": ("length", "duration", "duracion", "minutes", "minutos", "slot"),
}
BACK_KEYS = ("back", "volver", "atras")


class FormState(StrEnum):
    NAME = "name"
    SPECIALTY = "specialty"
    NEW_SPECIALTY = "new_specialty"
    EMAIL = "email"
    SLOT = "slot"
    CONFIRM = "confirm"  # the summary: create (or save), change an answer, or cancel


class Mode(StrEnum):
    ADD = "add"
    EDIT = "edit"


@dataclass
class DoctorDraft:
    name: str = ""
    # The chosen specialty: an existing one's id, or ``None`` with the name of one to create.
    specialty_id: int | None = None
    specialty: str = ""
    email: str = ""
    minutes: int = 0
    # The email was taken by someone else while the admin was confirming.
    email_taken: bool = False
    mode: Mode = Mode.ADD
    # The summary has been shown: each answer goes back to it.
    reviewing: bool = False
    specialty_page: int = 0
    # Editing: the doctor, and their details when the admin began (or last looked again).
    doctor: int | None = None
    was_name: str = ""
    was_specialty_id: int = 0
    was_specialty: str = ""
    was_email: str = ""
    was_minutes: int = 0

    @property
    def editing(self) -> bool:
        return self.mode is Mode.EDIT

    def changes(self) -> dict[str, bool]:
        """Which details differ from the doctor's (editing)."""
        return {
            "name": self.name != self.was_name,
            "specialty": self.specialty_id != self.was_specialty_id,
            "email": self.email != self.was_email,
            "slot_minutes": self.minutes != self.was_minutes,
        }


Result = FormState | Ended | None


def first_missing(draft: DoctorDraft) -> FormState:
    """The first question without an answer, else the summary."""
    if not draft.name:
        return FormState.NAME
    if draft.specialty_id is None and not draft.specialty:
        return FormState.SPECIALTY
    if not draft.email:
        return FormState.EMAIL
    if not draft.minutes:
        return FormState.SLOT
    return FormState.CONFIRM


def next_step(draft: DoctorDraft, step: FormState) -> FormState:
    """``step``, or once the admin has seen the summary, the summary (or an answer missing)."""
    return first_missing(draft) if draft.reviewing else step


def specialty_label(context: ClinicContext, draft: DoctorDraft) -> Raw:
    """The chosen specialty as HTML, marked when it is to be created."""
    if draft.specialty_id is None:
        return Raw(context.t("admin.add.specialty_new", specialty=draft.specialty))
    return Raw(html.escape(draft.specialty, quote=False))


def _slot_keys(minutes: int) -> tuple[str, ...]:
    """What an admin might type for a length: ``30``, ``30 minutes``, ``30 minutos``, ``30m``."""
    units = ("minutes", "minutos", "mins", "m")
    return (str(minutes), *(f"{minutes} {unit}" for unit in units), f"{minutes}m", f"{minutes}min")


def _back_row(context: ClinicContext, draft: DoctorDraft) -> list[list[Choice]]:
    """« Back to the summary, once the admin has seen it (not while an answer is missing)."""
    if not draft.reviewing or first_missing(draft) is not FormState.CONFIRM:
        return []
    back = Choice(context.t("admin.form.back_button"), AddBack(flow=context.turn.flow), BACK_KEYS)
    return [[back]]


# --- screens ------------------------------------------------------------------------------------


async def name_screen(update: Update, context: ClinicContext, draft: DoctorDraft) -> Screen:
    if draft.reviewing:
        text = context.t("admin.form.ask_name", name=draft.name)
        return Screen(text, _back_row(context, draft))
    return Screen(context.t("admin.add.ask_name"), reply_markup=ReplyKeyboardRemove())


async def specialty_screen(update: Update, context: ClinicContext, draft: DoctorDraft) -> Screen:
    """A page of the specialties, ➕ New specialty, and the pages."""
    flow = context.turn.flow
    specialties = await list_specialties(context.db)
    page = page_of(specialties, draft.specialty_page, SPECIALTIES_PER_PAGE)
    draft.specialty_page = page.page
    choices = [
        Choice(short(specialty.name), AddSpecialty(flow=flow, specialty=specialty.id))
        for specialty in page.items
    ]
    rows = rows_of(choices, SPECIALTIES_PER_ROW)
    paging = paging_row(context, page, lambda p: AddSpecialtyPage(flow=flow, page=p))
    if paging:
        rows.append(paging)
    rows.append([Choice(context.t("admin.add.new_specialty_button"), AddNewSpecialty(flow=flow))])
    rows += _back_row(context, draft)
    text = context.t("admin.add.ask_specialty", name=draft.name)
    more = page_line(context, page)
    return Screen(f"{text}\n{more}" if more else text, rows)


async def new_specialty_screen(
    update: Update, context: ClinicContext, draft: DoctorDraft
) -> Screen:
    return Screen(context.t("admin.add.ask_new_specialty"))


async def email_screen(update: Update, context: ClinicContext, draft: DoctorDraft) -> Screen:
    back = _back_row(context, draft)
    if draft.email_taken:
        return Screen(context.t("admin.add.email_taken_late", name=draft.name), back)
    if draft.editing:
        return Screen(context.t("admin.form.ask_email", name=draft.name), back)
    specialty = specialty_label(context, draft)
    return Screen(context.t("admin.add.ask_email", specialty=specialty, name=draft.name), back)


async def slot_screen(update: Update, context: ClinicContext, draft: DoctorDraft) -> Screen:
    flow = context.turn.flow
    row = [
        Choice(
            context.t("admin.add.slot_button", minutes=minutes),
            AddSlotLength(flow=flow, minutes=minutes),
            _slot_keys(minutes),
        )
        for minutes in SLOT_LENGTHS
    ]
    key = "admin.form.ask_slot" if draft.editing else "admin.add.ask_slot"
    return Screen(context.t(key, name=draft.name), [row, *_back_row(context, draft)])


# --- steps --------------------------------------------------------------------------------------


async def take_name(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Take the doctor's name (a person's name, not a title alone)."""
    try:
        draft.name = normalise_doctor_name(context.text or "")
    except DomainError:
        context.reply("admin.add.bad_name")
        return None
    return next_step(draft, FormState.SPECIALTY)


async def choose_specialty(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Take the specialty chosen (pressed or typed); ask for the email."""
    return await _take_specialty(context, draft, context.payload(AddSpecialty).specialty)


async def _take_specialty(context: ClinicContext, draft: DoctorDraft, specialty_id: int) -> Result:
    try:
        specialty = await get_specialty(context.db, specialty_id)
    except NotFound:
        context.alert("admin.add.specialty_gone")
        return FormState.SPECIALTY
    draft.specialty_id, draft.specialty = specialty.id, specialty.name
    return next_step(draft, FormState.EMAIL)


async def turn_specialty_page(
    update: Update, context: ClinicContext, draft: DoctorDraft
) -> Result:
    """◀ / ▶ in the specialties."""
    draft.specialty_page = context.payload(AddSpecialtyPage).page
    return FormState.SPECIALTY


async def ask_new_specialty(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """The admin wants a specialty not in the list: ask for its name."""
    return FormState.NEW_SPECIALTY


async def _take_specialty_name(context: ClinicContext, draft: DoctorDraft) -> bool:
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


async def type_specialty(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """A specialty typed at the list: one of any page it names ("cardio"), else a new one of
    that name (or the choices again)."""
    flow = context.turn.flow
    every = [
        Choice(specialty.name, AddSpecialty(flow=flow, specialty=specialty.id))
        for specialty in await list_specialties(context.db)
    ]
    found, candidates = match_any(every, context.text or "")
    if isinstance(found, Choice) and isinstance(found.data, AddSpecialty):
        return await _take_specialty(context, draft, found.data.specialty)
    if candidates:
        context.note("page.which_one", choices=", ".join(candidates))
        return FormState.SPECIALTY
    if not await _take_specialty_name(context, draft):
        context.note("admin.add.bad_specialty")
        return FormState.SPECIALTY
    return next_step(draft, FormState.EMAIL)


async def take_new_specialty(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Take the new specialty's name (an existing one of that name is reused); ask the email."""
    if not await _take_specialty_name(context, draft):
        context.reply("admin.add.bad_specialty")
        return None
    return next_step(draft, FormState.EMAIL)


async def take_email(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Take the doctor's email (valid and not another account's); offer the lengths."""
    try:
        email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    own = draft.editing and email == draft.was_email
    if not own and not await email_available(context.db, email):
        context.reply("admin.add.email_taken")
        return None
    draft.email, draft.email_taken = email, False
    return next_step(draft, FormState.SLOT)


async def choose_slot_length(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Take the appointment length; show the summary."""
    minutes = context.payload(AddSlotLength).minutes
    if minutes not in SLOT_LENGTHS:
        context.alert("admin.add.bad_slot")
        return None
    draft.minutes, draft.reviewing = minutes, True
    return FormState.CONFIRM


async def change_answer(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """✏️ on the summary: ask that question again; the summary comes back after it."""
    draft.reviewing = True
    answer = context.payload(AddChange).answer
    if answer == "s":
        page = 0
        if draft.specialty_id is not None:
            specialties = await list_specialties(context.db)
            ids = [specialty.id for specialty in specialties]
            if draft.specialty_id in ids:
                page = ids.index(draft.specialty_id) // SPECIALTIES_PER_PAGE
        draft.specialty_page = page
    return {
        "n": FormState.NAME,
        "s": FormState.SPECIALTY,
        "e": FormState.EMAIL,
        "l": FormState.SLOT,
    }[answer]


async def back_to_summary(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """« Back: the summary again, the answer unchanged."""
    return first_missing(draft)
