"""/addstaff (admins): name → email → create, with a one-time invite link, like /adddoctor.

Nothing is stored until Create. The invited person opens the link in Telegram, chooses a
password, and is logged in with the front desk's commands (/patients, /book, /schedule).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import ReplyKeyboardRemove, Update

from bot.callbacks import AddStaffAbandon, AddStaffConfirm
from bot.choices import NO, YES, Choice, Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import moment
from bot.invites import invite_link
from bot.routes import Command, Routes, roles
from db.accounts import email_available, normalise_email, normalise_name
from db.errors import DomainError, EmailTaken
from db.models import Role
from db.staff import add_staff

ADMINS = roles(Role.ADMIN)


class AddStaffState(StrEnum):
    NAME = "name"
    EMAIL = "email"
    CONFIRM = "confirm"


@dataclass
class AddStaffDraft:
    name: str = ""
    email: str = ""


Result = AddStaffState | Ended | None


async def name_screen(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Screen:
    return Screen(context.t("staff.add.ask_name"), reply_markup=ReplyKeyboardRemove())


async def email_screen(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Screen:
    return Screen(context.t("staff.add.ask_email", name=draft.name))


async def summary_screen(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Screen:
    flow = context.turn.flow
    row = [
        Choice(context.t("admin.add.confirm_button"), AddStaffConfirm(flow=flow), YES),
        Choice(context.t("admin.add.cancel_button"), AddStaffAbandon(flow=flow), NO),
    ]
    return Screen(context.t("staff.add.summary", name=draft.name, email=draft.email), [row])


async def start_add_staff(update: Update, context: ClinicContext) -> AddStaffState:
    """/addstaff: ask the front-desk member's name."""
    context.begin(AddStaffDraft())
    return AddStaffState.NAME


async def take_name(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Result:
    """Take the name; ask the email."""
    try:
        draft.name = normalise_name(context.text or "")
    except DomainError:
        context.reply("staff.add.bad_name")
        return None
    return AddStaffState.EMAIL


async def take_email(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Result:
    """Take the email (valid and not in use); show the summary."""
    try:
        email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    if not await email_available(context.db, email):
        context.reply("admin.add.email_taken")
        return None
    draft.email = email
    return AddStaffState.CONFIRM


async def create_member(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Result:
    """Create the account and show its invite link."""
    try:
        invite = await add_staff(
            context.db,
            name=draft.name,
            email=draft.email,
            created_by=context.me.user_id,
            now=context.now,
        )
    except EmailTaken:
        draft.email = ""
        context.note("staff.add.email_taken_late")
        return AddStaffState.EMAIL
    context.show_text(
        "staff.add.done",
        name=invite.member.name,
        expires=moment(context.lang, invite.expires_at, context.settings.timezone),
        link=invite_link(context.bot.username, invite.token),
    )
    return END


async def abandon(update: Update, context: ClinicContext, draft: AddStaffDraft) -> Result:
    """Cancel on the summary: nothing is saved."""
    context.show_text("staff.add.abandoned")
    return END


ADD_STAFF = Conversation(
    "addstaff",
    AddStaffState,
    AddStaffDraft,
    {
        AddStaffState.NAME: Step(name_screen, text=take_name),
        AddStaffState.EMAIL: Step(email_screen, text=take_email),
        AddStaffState.CONFIRM: Step(
            summary_screen, {AddStaffConfirm: create_member, AddStaffAbandon: abandon}
        ),
    },
    roles=ADMINS,
)

ROUTES = Routes(
    commands=[Command("addstaff", start_add_staff, roles=ADMINS)],
    conversations=[ADD_STAFF],
)
