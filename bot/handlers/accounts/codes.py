"""What /register, /reset and /verify share about emailed codes: asking for one, emailing it
once the update's transaction has committed, its screen, and the answers to a typed code.

Codes are emailed by the mailer right after the commit, not through the outbox: a code is kept
only as a hash, so no stored row could carry it to a later sender; it is worth something only
for the minutes its owner waits for it in chat, where "Send a new code" asks for another; and
the outbox keeps its rule that it emails confirmed addresses only, which a code, whose purpose
is to confirm an address, could not follow.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage

from bot.callbacks import StepData
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.mailer import MailError, SmtpConfig, build_account_email
from bot.texts import t
from db.email_codes import (
    CODE_TTL,
    Check,
    Checked,
    CodeIssued,
    CodeMail,
    CodeThrottled,
    MailKind,
    issue_code,
)
from db.models import CodePurpose

log = logging.getLogger(__name__)

MINUTES = int(CODE_TTL.total_seconds() // 60)
RESEND_KEYS = ("resend", "new code", "reenviar", "otro codigo")


def email_on(context: ClinicContext) -> bool:
    """Whether the clinic sends email (without it, no code is asked for or sent)."""
    return context.services.mailer is not None


def minutes(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up (at least one)."""
    return max(1, -(-int(wait.total_seconds()) // 60))


async def ask_code(
    context: ClinicContext,
    purpose: CodePurpose,
    email: str,
    *,
    name: str = "",
    user_id: int | None = None,
) -> int | None:
    """Ask for a new code to ``email`` and email it once committed; its id, or ``None`` (the
    user told why) when the chat must wait."""
    issued = await issue_code(
        context.db,
        purpose=purpose,
        chat_id=context.turn.chat_id,
        email=email,
        secret=context.services.jwt_secret,
        now=context.now,
        name=name,
        language=context.lang,
        user_id=user_id,
    )
    if isinstance(issued, CodeThrottled):
        # A pop-up on a pressed button, else a message.
        context.alert("code.throttled", minutes=minutes(issued.retry_after))
        return None
    _email_after_commit(context, issued, tell_failure=purpose is not CodePurpose.RESET)
    return issued.code_id


def _email_after_commit(context: ClinicContext, issued: CodeIssued, *, tell_failure: bool) -> None:
    """Email what ``issued`` says once the update is committed. A failure is told in chat only
    where that cannot tell whether the address has an account (not at /reset)."""
    mailer, mail = context.services.mailer, issued.mail
    if mailer is None or mail is None:
        return
    bot, chat_id, lang, now = context.bot, context.turn.chat_id, context.lang, context.now

    async def send() -> None:
        try:
            await mailer.send(_message(mail, mailer.config, now=now))
        except (MailError, ValueError) as exc:
            # Only the kind of failure: the server's words may quote the address.
            reason = (
                f"SMTP {exc.code}"
                if isinstance(exc, MailError) and exc.code
                else "no reply from the mail server"
            )
            if isinstance(exc, ValueError):
                reason = "the address cannot be written in an email"
            log.warning("Could not email a %s code: %s", mail.purpose.value, reason)
            if tell_failure:
                await bot.send_message(chat_id, t(lang, "code.not_sent"))

    context.after_commit(send)


def _message(mail: CodeMail, config: SmtpConfig, *, now: datetime) -> EmailMessage:
    kind = mail.purpose.value if mail.kind is MailKind.CODE else mail.kind.value
    return build_account_email(
        kind,
        to=mail.to,
        name=mail.name,
        language=mail.language,
        sender=config,
        code=mail.code,
        minutes=MINUTES,
        now=now,
    )


def code_screen(
    context: ClinicContext, text: str, resend: type[StepData], *extra: Choice
) -> Screen:
    """The code step: ``text``, "Send a new code" and any ``extra`` choices."""
    flow = context.turn.flow
    rows = [[Choice(context.t("code.btn.resend"), resend(flow=flow), RESEND_KEYS)]]
    rows += [[choice] for choice in extra]
    return Screen(text, rows)


def tell_check(context: ClinicContext, checked: Checked) -> None:
    """Answer a code that was not right."""
    if checked.result is Check.WRONG:
        context.reply("code.wrong", tries=checked.tries_left)
    elif checked.result is not Check.RIGHT:
        context.reply(f"code.{checked.result.value}")
