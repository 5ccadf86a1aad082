"""/verify: confirm the address of the account logged in here with a code emailed to it, for
accounts made without one (before codes were asked for, while the clinic sent no email, or by
an admin). Until then nothing is emailed to the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import Update

from bot.callbacks import VerifyResend
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.accounts.codes import MINUTES, ask_code, code_screen, email_on, tell_check
from bot.routes import SIGNED_IN, Command, Routes
from db.email_codes import Check, confirm_with_code, typed_code
from db.models import CodePurpose


class VerifyState(StrEnum):
    CODE = "code"


@dataclass
class VerifyDraft:
    code_id: int = 0


async def start_verify(update: Update, context: ClinicContext) -> VerifyState | None:
    """/verify: email a code to the account's address."""
    me = context.me
    if not email_on(context):
        context.reply("verify.email_off")
        return None
    if me.email_verified:
        context.reply("verify.already", email=me.email)
        return None
    code_id = await ask_code(context, CodePurpose.VERIFY, me.email, user_id=me.user_id)
    if code_id is None:
        return None
    context.begin(VerifyDraft(code_id=code_id))
    return VerifyState.CODE


async def take_code(
    update: Update, context: ClinicContext, draft: VerifyDraft
) -> VerifyState | Ended | None:
    """Check the typed code; when right, the address is confirmed."""
    code = typed_code(context.text or "")
    if code is None:
        context.reply("code.not_a_code")
        return None
    me = context.me
    checked, confirmed = await confirm_with_code(
        context.db,
        code_id=draft.code_id,
        chat_id=context.turn.chat_id,
        user_id=me.user_id,
        typed=code,
        secret=context.services.jwt_secret,
        now=context.now,
    )
    if checked.result is not Check.RIGHT:
        tell_check(context, checked)
        return None
    context.reply("verify.done" if confirmed else "verify.taken", email=me.email)
    return END


async def send_new_code(
    update: Update, context: ClinicContext, draft: VerifyDraft
) -> VerifyState | None:
    """Email the account's address a new code."""
    me = context.me
    code_id = await ask_code(context, CodePurpose.VERIFY, me.email, user_id=me.user_id)
    if code_id is not None:
        draft.code_id = code_id
        context.note("code.resent")
    return VerifyState.CODE


async def _ask_code(update: Update, context: ClinicContext, draft: VerifyDraft) -> Screen:
    text = context.t("code.sent", email=context.me.email, minutes=MINUTES)
    return code_screen(context, text, VerifyResend)


VERIFY = Conversation(
    "verify",
    VerifyState,
    VerifyDraft,
    {VerifyState.CODE: Step(_ask_code, buttons={VerifyResend: send_new_code}, text=take_code)},
    roles=SIGNED_IN,
)

ROUTES = Routes(
    commands=[Command("verify", start_verify, roles=SIGNED_IN, menu=())],
    conversations=[VERIFY],
)
