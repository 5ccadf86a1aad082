"""The doctor form's summary: every answer, with a button to change each; Create for a new
doctor, or for an edit each change shown as old → new, and Save."""

from __future__ import annotations

import html

from telegram import Update

from bot.callbacks import AddAbandon, AddChange, AddConfirm
from bot.choices import NO, YES, Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.formatting import hours_summary
from bot.handlers.admin.doctor_form import BACK_KEYS, CHANGE_KEYS, DoctorDraft, specialty_label
from bot.texts import Raw
from db.doctors import DEFAULT_HOURS


def change_rows(context: ClinicContext) -> list[list[Choice]]:
    """The summary's buttons that change one answer."""
    flow = context.turn.flow
    choices = [
        Choice(context.t(f"admin.form.change.{answer}"), AddChange(flow=flow, answer=answer), keys)
        for answer, keys in CHANGE_KEYS.items()
    ]
    return rows_of(choices, 2)


def _compared(context: ClinicContext, before: str, after: str, changed: bool) -> Raw:
    """A detail as it is (HTML), or ``before → after`` when the admin changed it."""
    if not changed:
        return Raw(html.escape(after, quote=False))
    return Raw(context.t("admin.edit.changed", before=before, after=after))


def _edit_summary(context: ClinicContext, draft: DoctorDraft) -> Screen:
    flow = context.turn.flow
    changes = draft.changes()
    minutes = context.t("admin.add.slot_button", minutes=draft.minutes)
    was_minutes = context.t("admin.add.slot_button", minutes=draft.was_minutes)
    lines = [
        context.t("admin.edit.title", name=draft.was_name),
        context.t(
            "admin.edit.name", name=_compared(context, draft.was_name, draft.name, changes["name"])
        ),
        context.t("admin.edit.specialty", specialty=_specialty_compared(context, draft)),
        context.t(
            "admin.edit.email",
            email=_compared(context, draft.was_email, draft.email, changes["email"]),
        ),
        context.t(
            "admin.edit.slot",
            minutes=_compared(context, was_minutes, minutes, changes["slot_minutes"]),
        ),
        "",
    ]
    rows: list[list[Choice]] = []
    if any(changes.values()):
        if changes["slot_minutes"]:
            lines.append(context.t("admin.edit.slot_note", minutes=draft.minutes))
        if changes["email"]:
            lines.append(context.t("admin.edit.email_note", name=draft.name))
        lines.append(context.t("admin.edit.ask_save"))
        rows.append([Choice(context.t("admin.edit.save_button"), AddConfirm(flow=flow), YES)])
        leave = Choice(context.t("admin.edit.discard_button"), AddAbandon(flow=flow), NO)
    else:
        lines.append(context.t("admin.edit.ask_change"))
        keys = (*NO, *BACK_KEYS)
        leave = Choice(context.t("admin.edit.back_button"), AddAbandon(flow=flow), keys)
    rows += change_rows(context)
    rows.append([leave])
    return Screen("\n".join(lines), rows)


def _specialty_compared(context: ClinicContext, draft: DoctorDraft) -> Raw:
    if draft.specialty_id == draft.was_specialty_id:
        return Raw(html.escape(draft.specialty, quote=False))
    before = Raw(html.escape(draft.was_specialty, quote=False))
    return Raw(
        context.t("admin.edit.changed", before=before, after=specialty_label(context, draft))
    )


async def summary_screen(update: Update, context: ClinicContext, draft: DoctorDraft) -> Screen:
    """Every answer, with the buttons that change one; Create (or Save) and Cancel."""
    if draft.editing:
        return _edit_summary(context, draft)
    flow = context.turn.flow
    text = context.t(
        "admin.add.summary",
        name=draft.name,
        specialty=specialty_label(context, draft),
        email=draft.email,
        minutes=draft.minutes,
        hours=hours_summary(context.lang, DEFAULT_HOURS),
    )
    rows = [
        [Choice(context.t("admin.add.confirm_button"), AddConfirm(flow=flow), YES)],
        *change_rows(context),
        [Choice(context.t("admin.add.cancel_button"), AddAbandon(flow=flow), NO)],
    ]
    return Screen(text, rows)
