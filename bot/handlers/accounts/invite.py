"""A doctor's invite link (``/start inv_…``): greet them and take their new password."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import ReplyKeyboardRemove, Update

from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.formatting import hours_summary
from bot.invites import INVITE_PREFIX, token_of
from bot.routes import Command, Routes
from db.doctors import InviteInvalid, accept_invite_and_log_in, open_doctor_invite
from db.errors import DomainError
from db.models import Role
from db.passwords import hash_password


class InviteState(StrEnum):
    PASSWORD = "password"


@dataclass
class InviteDraft:
    # Only the token's hash is kept while the doctor chooses a password, never the token.
    token_hash: str
    name: str
    specialty: str
    email: str


async def open_invite_link(update: Update, context: ClinicContext) -> InviteState | None:
    """Open an invite link: greet the doctor by name and ask for a password."""
    token = token_of(context.args[0]) if context.args else None
    if token is None:
        context.reply("invite.invalid")
        return None
    try:
        opened = await open_doctor_invite(context.db, token=token, now=context.now)
    except InviteInvalid:
        context.reply("invite.invalid")
        return None
    doctor = opened.doctor
    context.begin(
        InviteDraft(
            token_hash=opened.token_hash,
            name=doctor.name,
            specialty=doctor.specialty,
            email=doctor.email,
        )
    )
    return InviteState.PASSWORD


async def set_password(update: Update, context: ClinicContext, draft: InviteDraft) -> Ended | None:
    """Take the password (its message deleted by the step), use the invite, log in."""
    try:
        password_hash = await hash_password(context.text or "")
    except DomainError as exc:
        context.reply(f"common.{exc.code}")
        return None
    try:
        accepted = await accept_invite_and_log_in(
            context.db,
            token_hash=draft.token_hash,
            password_hash=password_hash,
            chat_id=context.turn.chat_id,
            language=context.lang,
            secret=context.services.jwt_secret,
            now=context.now,
            ttl=context.settings.session_ttl,
        )
    except InviteInvalid:
        context.reply("invite.invalid")
        return END
    language = accepted.language
    context.turn.language = language
    doctor = accepted.doctor
    context.reply(
        "invite.done",
        name=doctor.name,
        email=doctor.email,
        hours=hours_summary(language, accepted.hours),
    )
    context.set_menu(Role.DOCTOR, language)
    return END


async def _welcome(update: Update, context: ClinicContext, draft: InviteDraft) -> Screen:
    text = context.t(
        "invite.welcome", name=draft.name, specialty=draft.specialty, email=draft.email
    )
    return Screen(text, reply_markup=ReplyKeyboardRemove())


INVITE = Conversation(
    "invite",
    InviteState,
    InviteDraft,
    {InviteState.PASSWORD: Step(_welcome, text=set_password, secret=True)},
    roles=None,
)

ROUTES = Routes(
    commands=[Command("start", open_invite_link, payload=INVITE_PREFIX)],
    conversations=[INVITE],
)
