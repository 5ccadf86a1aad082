"""An invite link (``/start inv_…``) of a doctor or a front-desk member: greet them by name
and take their new password."""

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
from db.doctors import InviteInvalid, accept_invite_and_log_in, open_account_invite
from db.errors import DomainError
from db.passwords import hash_password


class InviteState(StrEnum):
    PASSWORD = "password"


@dataclass
class InviteDraft:
    # Only the token's hash is kept while the doctor chooses a password, never the token.
    token_hash: str
    name: str
    specialty: str  # a doctor's; empty for the front desk
    email: str
    role: str = "doctor"


async def open_invite_link(update: Update, context: ClinicContext) -> InviteState | None:
    """Open an invite link: greet the invited person by name and ask for a password."""
    token = token_of(context.args[0]) if context.args else None
    if token is None:
        context.reply("invite.invalid")
        return None
    try:
        opened = await open_account_invite(context.db, token=token, now=context.now)
    except InviteInvalid:
        context.reply("invite.invalid")
        return None
    account = opened.account
    context.begin(
        InviteDraft(
            token_hash=opened.token_hash,
            name=account.name,
            specialty=account.specialty or "",
            email=account.email,
            role=account.role.value,
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
    account = accepted.account
    key = "invite.done" if account.specialty is not None else f"invite.done.{account.role}"
    context.reply(
        key,
        name=account.name,
        email=account.email,
        hours=hours_summary(language, accepted.hours),
    )
    context.set_menu(account.role, language)
    return END


async def _welcome(update: Update, context: ClinicContext, draft: InviteDraft) -> Screen:
    key = "invite.welcome" if draft.specialty else f"invite.welcome.{draft.role}"
    text = context.t(key, name=draft.name, specialty=draft.specialty, email=draft.email)
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
