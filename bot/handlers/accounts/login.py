"""/login (email → password, throttled) and /logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram import ReplyKeyboardRemove, Update

from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.accounts.codes import email_on
from bot.routes import GUEST, SIGNED_IN, Command, Routes
from db.accounts import Denial, LoggedIn, log_in, log_out, normalise_email, throttle_wait
from db.errors import DomainError
from db.models import Role


class LoginState(StrEnum):
    EMAIL = "email"
    PASSWORD = "password"


@dataclass
class LoginDraft:
    email: str = ""


def _minutes(wait: timedelta) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


async def start_login(update: Update, context: ClinicContext) -> LoginState | None:
    """/login: ask for the email (unless this chat is throttled)."""
    wait = await throttle_wait(
        context.db, chat_id=context.turn.chat_id, email=None, now=context.now
    )
    if wait > timedelta(0):
        context.reply("login.throttled", minutes=_minutes(wait))
        return None
    context.begin(LoginDraft())
    return LoginState.EMAIL


async def take_email(
    update: Update, context: ClinicContext, draft: LoginDraft
) -> LoginState | None:
    """Take the email; ask for the password."""
    try:
        draft.email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    return LoginState.PASSWORD


async def take_password(update: Update, context: ClinicContext, draft: LoginDraft) -> Ended:
    """Check the password (its message is deleted by the step) and log this chat in."""
    outcome = await log_in(
        context.db,
        chat_id=context.turn.chat_id,
        email=draft.email,
        password=context.text or "",
        secret=context.services.jwt_secret,
        now=context.now,
        ttl=context.settings.session_ttl,
    )
    if not isinstance(outcome, LoggedIn):
        if outcome.reason is Denial.THROTTLED:
            context.reply("login.throttled", minutes=_minutes(outcome.retry_after))
        elif outcome.reason is Denial.INACTIVE:
            context.reply("auth.inactive")
        else:
            context.reply("login.wrong")
        return END
    user = outcome.user
    language = user.language or context.lang
    context.turn.language = language
    context.reply("login.done", name=user.name, role=context.t(f"role.{user.role.value}"))
    if user.role is Role.PATIENT and not user.email_verified and email_on(context):
        context.reply("login.unconfirmed")
    context.set_menu(user.role, language)
    return END


async def log_out_chat(update: Update, context: ClinicContext) -> None:
    """/logout: end this chat's session."""
    had = await log_out(context.db, chat_id=context.turn.chat_id, now=context.now)
    context.reply("logout.done" if had else "logout.none", ReplyKeyboardRemove())
    context.set_menu(None)


async def _ask_email(update: Update, context: ClinicContext, draft: LoginDraft) -> Screen:
    return Screen(context.t("login.ask_email"), reply_markup=ReplyKeyboardRemove())


async def _ask_password(update: Update, context: ClinicContext, draft: LoginDraft) -> Screen:
    return Screen(context.t("login.ask_password"))


LOGIN = Conversation(
    "login",
    LoginState,
    LoginDraft,
    {
        LoginState.EMAIL: Step(_ask_email, text=take_email),
        LoginState.PASSWORD: Step(_ask_password, text=take_password, secret=True),
    },
    roles=None,
)

ROUTES = Routes(
    commands=[
        Command("login", start_login, menu=(GUEST,)),
        Command("logout", log_out_chat, menu=tuple(SIGNED_IN)),
    ],
    conversations=[LOGIN],
)
