"""/adddoctor (admins): name → specialty → email → appointment length → a summary → create,
with an invite link; and the doctor form's conversation, which editing a doctor shares.

Nothing is stored until Create: a new specialty typed on the way is created with the doctor,
so an onboarding abandoned midway leaves nothing behind. The questions and the summary are in
:mod:`bot.handlers.admin.doctor_form`; from the summary any answer can be changed.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    AddAbandon,
    AddBack,
    AddChange,
    AddConfirm,
    AddNewSpecialty,
    AddSlotLength,
    AddSpecialty,
    AddSpecialtyPage,
)
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Step
from bot.formatting import hours_summary, moment
from bot.handlers.admin import edit_doctor
from bot.handlers.admin.doctor_form import (
    ADMINS,
    DoctorDraft,
    FormState,
    Result,
    ask_new_specialty,
    back_to_summary,
    change_answer,
    choose_slot_length,
    choose_specialty,
    email_screen,
    first_missing,
    name_screen,
    new_specialty_screen,
    slot_screen,
    specialty_screen,
    take_email,
    take_name,
    take_new_specialty,
    turn_specialty_page,
    type_specialty,
)
from bot.handlers.admin.doctor_summary import summary_screen
from bot.invites import invite_link
from bot.routes import Command, Routes
from db.doctors import DEFAULT_HOURS, INVITE_TTL, add_doctor
from db.errors import EmailTaken, NotFound


async def start_add_doctor(update: Update, context: ClinicContext) -> FormState:
    """/adddoctor: ask for the doctor's name."""
    context.begin(DoctorDraft())
    return FormState.NAME


async def create_doctor(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Create the doctor (and a new specialty, if one was typed) and show the invite link."""
    missing = first_missing(draft)
    if missing is not FormState.CONFIRM:
        return missing
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
        return FormState.EMAIL
    except NotFound:
        context.note("admin.add.specialty_gone")
        draft.specialty_id, draft.specialty = None, ""
        return FormState.SPECIALTY
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


async def confirm(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Create on the summary of a new doctor; Save on the summary of an edit."""
    if draft.editing:
        return await edit_doctor.save_doctor(context, draft)
    return await create_doctor(update, context, draft)


async def abandon(update: Update, context: ClinicContext, draft: DoctorDraft) -> Result:
    """Cancel on the summary: nothing is saved."""
    if draft.editing:
        return await edit_doctor.leave_edit(context, draft)
    context.show_text("admin.add.abandoned")
    return END


DOCTOR_FORM = Conversation(
    "doctor",
    FormState,
    DoctorDraft,
    {
        FormState.NAME: Step(name_screen, text=take_name),
        FormState.SPECIALTY: Step(
            specialty_screen,
            {
                AddSpecialty: choose_specialty,
                AddSpecialtyPage: turn_specialty_page,
                AddNewSpecialty: ask_new_specialty,
            },
            text=type_specialty,
        ),
        FormState.NEW_SPECIALTY: Step(new_specialty_screen, text=take_new_specialty),
        FormState.EMAIL: Step(email_screen, text=take_email),
        FormState.SLOT: Step(slot_screen, {AddSlotLength: choose_slot_length}),
        FormState.CONFIRM: Step(
            summary_screen, {AddConfirm: confirm, AddAbandon: abandon, AddChange: change_answer}
        ),
    },
    roles=ADMINS,
    # « Back to the summary, on the questions asked again from it.
    anywhere={AddBack: back_to_summary},
)

ROUTES = Routes(
    commands=[Command("adddoctor", start_add_doctor, roles=ADMINS)],
    conversations=[DOCTOR_FORM],
)
