"""Editing a doctor (admins): Edit on a doctor's card opens the doctor form at a summary of
their name, specialty, email and appointment length; each can be changed, and nothing is
stored until Save, which shows every change (old → new) first.

A new appointment length applies to the times offered from then on: booked appointments keep
theirs. A new email is the doctor's login from then on. If someone else changed the doctor
meanwhile, nothing is saved: the summary comes back with the doctor as they now are and the
admin's changes on top, to check and save again.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import EditDoctor
from bot.context import ClinicContext
from bot.conversation import END, Ended
from bot.handlers.admin.doctor_form import ADMINS, DoctorDraft, FormState, Mode, Result
from bot.handlers.admin.doctors import not_found, show_card
from bot.routes import Button, Routes
from db.doctors import (
    DoctorChanged,
    DoctorDetails,
    DoctorView,
    get_doctor,
    update_doctor,
)
from db.errors import EmailTaken, NotFound

FIELDS = ("name", "specialty", "email", "slot_minutes")


def _rebase(draft: DoctorDraft, doctor: DoctorView, *, keep_changes: bool = True) -> None:
    """Take ``doctor`` as they now are: the admin's changes (if kept) stay, the rest follows."""
    changes = dict.fromkeys(FIELDS, False) if not keep_changes else draft.changes()
    if not changes["name"]:
        draft.name = doctor.name
    if not changes["specialty"]:
        draft.specialty_id, draft.specialty = doctor.specialty_id, doctor.specialty
    if not changes["email"]:
        draft.email = doctor.email
    if not changes["slot_minutes"]:
        draft.minutes = doctor.slot_minutes
    draft.was_name, draft.was_email, draft.was_minutes = (
        doctor.name,
        doctor.email,
        doctor.slot_minutes,
    )
    draft.was_specialty_id, draft.was_specialty = doctor.specialty_id, doctor.specialty


async def start_editing(update: Update, context: ClinicContext) -> FormState | None:
    """Edit: the doctor's details, with a button to change each."""
    doctor_id = context.payload(EditDoctor).doctor
    try:
        doctor = await get_doctor(context.db, doctor_id)
    except NotFound:
        await not_found(context)
        return None
    draft = DoctorDraft(mode=Mode.EDIT, reviewing=True, doctor=doctor_id)
    _rebase(draft, doctor, keep_changes=False)
    context.begin(draft)
    return FormState.CONFIRM


async def save_doctor(context: ClinicContext, draft: DoctorDraft) -> Result:
    """Save the changes, if the doctor is still as the admin saw them; show their card."""
    assert draft.doctor is not None
    if not any(draft.changes().values()):
        return await leave_edit(context, draft)
    try:
        edited = await update_doctor(
            context.db,
            doctor_id=draft.doctor,
            was=DoctorDetails(
                draft.was_name, draft.was_specialty_id, draft.was_email, draft.was_minutes
            ),
            name=draft.name,
            email=draft.email,
            slot_minutes=draft.minutes,
            specialty_id=draft.specialty_id,
            new_specialty=draft.specialty if draft.specialty_id is None else None,
            now=context.now,
        )
    except DoctorChanged as changed:
        _rebase(draft, changed.doctor)
        context.note("admin.edit.changed_meanwhile", name=changed.doctor.name)
        return FormState.CONFIRM
    except EmailTaken:
        draft.email, draft.email_taken = draft.was_email, True
        return FormState.EMAIL
    except NotFound as gone:
        if gone.args[:1] == ("specialty",):
            context.note("admin.add.specialty_gone")
            draft.specialty_id, draft.specialty = draft.was_specialty_id, draft.was_specialty
            return FormState.SPECIALTY
        await not_found(context)
        return END
    names = [context.t(f"admin.edit.field.{field}") for field in FIELDS if field in edited.changed]
    lines = [context.t("admin.edit.saved", name=edited.doctor.name, what=", ".join(names))]
    if "slot_minutes" in edited.changed:
        lines.append(
            context.t(
                "admin.edit.saved_slot",
                minutes=edited.doctor.slot_minutes,
                count=edited.upcoming,
            )
        )
    await show_card(context, draft.doctor, "\n".join(lines))
    return END


async def leave_edit(context: ClinicContext, draft: DoctorDraft) -> Ended:
    """« Back / Discard: the doctor's card again, nothing saved."""
    assert draft.doctor is not None
    changed = any(draft.changes().values())
    await show_card(context, draft.doctor, context.t("admin.edit.discarded") if changed else "")
    return END


ROUTES = Routes(buttons=[Button(EditDoctor, start_editing, roles=ADMINS)])
