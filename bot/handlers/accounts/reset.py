"""/reset: a new password through a code emailed to the account's address (anyone: patients,
doctors, front desk, admins). Email → code → new password (its message deleted); every session
of the account ends and this chat is logged in.

The answers are the same whether or not the address has an account: a code is asked for,
counted and checked alike, and only an account's address is emailed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import ReplyKeyboardRemove, Update

from bot.callbacks import ResetResend
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.accounts.codes import MINUTES, ask_code, code_screen, email_on, tell_check
from bot.routes import GUEST, Command, Routes
from db.accounts import normalise_email
from db.email_codes import Check, check_reset_code, reset_password, typed_code
from db.errors import DomainError
from db.models import CodePurpose
from db.passwords import hash_password


class ResetState(StrEnum):
    EMAIL = "email"
    CODE = "code"
    PASSWORD = "password"


@dataclass
class ResetDraft:
    email: str = ""
    code_id: int = 0


Result = ResetState | Ended | None


async def start_reset(update: Update, context: ClinicContext) -> ResetState | None:
    """/reset: ask for the account's email (when the clinic sends email)."""
    if not email_on(context):
        context.reply("reset.email_off")
        return None
    context.begin(ResetDraft())
    return ResetState.EMAIL


async def take_email(update: Update, context: ClinicContext, draft: ResetDraft) -> Result:
    """Take the email and send its account a code (unless the chat must wait)."""
    try:
        draft.email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    code_id = await ask_code(context, CodePurpose.RESET, draft.email)
    if code_id is None:
        return None
    draft.code_id = code_id
    return ResetState.CODE


async def take_code(update: Update, context: ClinicContext, draft: ResetDraft) -> Result:
    """Check the typed code; when right, ask for the new password."""
    code = typed_code(context.text or "")
    if code is None:
        context.reply("code.not_a_code")
        return None
    checked = await check_reset_code(
        context.db,
        code_id=draft.code_id,
        chat_id=context.turn.chat_id,
        typed=code,
        secret=context.services.jwt_secret,
        now=context.now,
    )
    if checked.result is not Check.RIGHT:
        tell_check(context, checked)
        return None
    return ResetState.PASSWORD


async def send_new_code(update: Update, context: ClinicContext, draft: ResetDraft) -> Result:
    """Send the account a new code."""
    code_id = await ask_code(context, CodePurpose.RESET, draft.email)
    if code_id is not None:
        draft.code_id = code_id
        context.note("code.resent")
    return ResetState.CODE


async def take_password(update: Update, context: ClinicContext, draft: ResetDraft) -> Result:
    """Set the new password (its message is deleted by the step), end every session of the
    account and log this chat in."""
    try:
        password_hash = await hash_password(context.text or "")
    except DomainError as exc:
        context.reply(f"common.{exc.code}")
        return None
    outcome = await reset_password(
        context.db,
        code_id=draft.code_id,
        chat_id=context.turn.chat_id,
        password_hash=password_hash,
        secret=context.services.jwt_secret,
        now=context.now,
        ttl=context.settings.session_ttl,
    )
    if outcome is None:
        context.reply("reset.too_late")
        return END
    user = outcome.user
    language = user.language or context.lang
    context.turn.language = language
    context.reply("reset.done", name=user.name, role=context.t(f"role.{user.role.value}"))
    context.set_menu(user.role, language)
    return END


async def _ask_email(update: Update, context: ClinicContext, draft: ResetDraft) -> Screen:
    return Screen(context.t("reset.ask_email"), reply_markup=ReplyKeyboardRemove())


async def _ask_code(update: Update, context: ClinicContext, draft: ResetDraft) -> Screen:
    text = context.t("code.sent_if_account", email=draft.email, minutes=MINUTES)
    return code_screen(context, text, ResetResend)


async def _ask_password(update: Update, context: ClinicContext, draft: ResetDraft) -> Screen:
    return Screen(context.t("reset.ask_password"))


RESET = Conversation(
    "reset",
    ResetState,
    ResetDraft,
    {
        ResetState.EMAIL: Step(_ask_email, text=take_email),
        ResetState.CODE: Step(_ask_code, buttons={ResetResend: send_new_code}, text=take_code),
        ResetState.PASSWORD: Step(_ask_password, text=take_password, secret=True),
    },
    roles=None,
)

ROUTES = Routes(commands=[Command("reset", start_reset, menu=(GUEST,))], conversations=[RESET])
