"""Accounts in chat: /register, /login, /logout, /me."""

from __future__ import annotations

from datetime import timedelta

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import ClinicContext
from bot.guard import current_principal, delete_message, lang, requires, say
from bot.handlers.common import conversation_fallbacks, expects_text
from bot.menus import show_menu
from bot.texts import t
from db.accounts import (
    Denial,
    LoggedIn,
    Principal,
    email_available,
    get_user,
    log_in,
    log_out,
    normalise_email,
    normalise_name,
    normalise_phone,
    open_session,
    register_patient,
    throttle_wait,
)
from db.errors import DomainError, EmailTaken
from db.models import Role
from db.passwords import check_password_rules, hash_password

# /register states
REG_NAME, REG_EMAIL, REG_PASSWORD, REG_PHONE = range(4)
# /login states
LOGIN_EMAIL, LOGIN_PASSWORD = range(10, 12)

_SCRATCH = "register"


def _minutes(wait: timedelta) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


async def _already_logged_in(update: Update, context: ClinicContext) -> Principal | None:
    found = await current_principal(update, context)
    return found if isinstance(found, Principal) else None


async def register_start(update: Update, context: ClinicContext) -> int:
    """Begin registration: ask for the patient's name."""
    principal = await _already_logged_in(update, context)
    if principal is not None:
        await say(update, context, "register.logged_in", name=principal.name)
        return ConversationHandler.END
    context.user_data.pop(_SCRATCH, None)
    await say(update, context, "register.ask_name", markup=ReplyKeyboardRemove())
    return REG_NAME


async def register_name(update: Update, context: ClinicContext) -> int:
    """Take the name; ask for the email."""
    assert update.message is not None and update.message.text is not None
    try:
        name = normalise_name(update.message.text)
    except DomainError:
        await say(update, context, "register.bad_name")
        return REG_NAME
    context.user_data[_SCRATCH] = {"name": name}
    await say(update, context, "register.ask_email", name=name)
    return REG_EMAIL


async def register_email(update: Update, context: ClinicContext) -> int:
    """Take the email (checked for format and that it is free); ask for a password."""
    assert update.message is not None and update.message.text is not None
    try:
        email = normalise_email(update.message.text)
    except DomainError:
        await say(update, context, "common.bad_email")
        return REG_EMAIL
    async with context.services.transaction() as s:
        free = await email_available(s, email)
    if not free:
        await say(update, context, "register.email_taken")
        return REG_EMAIL
    context.user_data.setdefault(_SCRATCH, {})["email"] = email
    await say(update, context, "register.ask_password")
    return REG_PASSWORD


def _phone_keyboard(language: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t(language, "register.share_phone"), request_contact=True)],
            [KeyboardButton(t(language, "register.skip_phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def register_password(update: Update, context: ClinicContext) -> int:
    """Take the password (its message deleted at once); offer to share a phone."""
    assert update.message is not None and update.message.text is not None
    password = update.message.text
    await delete_message(update)
    try:
        check_password_rules(password)
    except DomainError as exc:
        await say(update, context, f"common.{exc.code}")
        return REG_PASSWORD
    context.user_data.setdefault(_SCRATCH, {})["password_hash"] = await hash_password(password)
    await say(update, context, "register.ask_phone", markup=_phone_keyboard(lang(update, context)))
    return REG_PHONE


async def register_phone(update: Update, context: ClinicContext) -> int:
    """Take the shared contact, a typed phone, or Skip; create the patient and log them in."""
    message = update.message
    assert message is not None
    language = lang(update, context)
    phone: str | None = None
    if message.contact is not None:
        user = update.effective_user
        if user is None or message.contact.user_id != user.id:
            await say(update, context, "register.not_own_contact")
            return REG_PHONE
        phone = message.contact.phone_number
    elif message.text is not None and message.text.strip() != t(language, "register.skip_phone"):
        phone = message.text
    try:
        phone = normalise_phone(phone) if phone else None
    except DomainError:
        await say(update, context, "register.bad_phone", markup=_phone_keyboard(language))
        return REG_PHONE
    return await _finish_registration(update, context, phone)


async def _finish_registration(update: Update, context: ClinicContext, phone: str | None) -> int:
    scratch = context.user_data.get(_SCRATCH) or {}
    if not {"name", "email", "password_hash"} <= scratch.keys():
        await say(update, context, "common.conversation_lost", markup=ReplyKeyboardRemove())
        return ConversationHandler.END
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    language = lang(update, context)
    try:
        async with services.transaction() as s:
            user = await register_patient(
                s,
                name=scratch["name"],
                email=scratch["email"],
                password_hash=scratch["password_hash"],
                phone=phone,
                language=language,
            )
            await open_session(
                s,
                user=user,
                chat_id=chat.id,
                secret=services.jwt_secret,
                now=services.clock.now(),
                ttl=services.settings.session_ttl,
            )
    except EmailTaken:
        context.user_data.pop(_SCRATCH, None)
        await say(update, context, "register.email_taken_late", markup=ReplyKeyboardRemove())
        return ConversationHandler.END
    context.user_data.pop(_SCRATCH, None)
    context.user_data["lang"] = language
    await say(update, context, "register.done", markup=ReplyKeyboardRemove(), name=user.name)
    await show_menu(context.bot, chat.id, Role.PATIENT, language)
    return ConversationHandler.END


async def register_expects_phone(update: Update, context: ClinicContext) -> int:
    """Anything but a contact or text while asking for the phone."""
    await say(update, context, "register.ask_phone", markup=_phone_keyboard(lang(update, context)))
    return REG_PHONE


async def login_start(update: Update, context: ClinicContext) -> int:
    """Begin login: ask for the email (unless this chat is throttled)."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    async with services.transaction() as s:
        wait = await throttle_wait(s, chat_id=chat.id, email=None, now=services.clock.now())
    if wait > timedelta(0):
        await say(update, context, "login.throttled", minutes=_minutes(wait))
        return ConversationHandler.END
    await say(update, context, "login.ask_email", markup=ReplyKeyboardRemove())
    return LOGIN_EMAIL


async def login_email(update: Update, context: ClinicContext) -> int:
    """Take the email; ask for the password."""
    assert update.message is not None and update.message.text is not None
    try:
        email = normalise_email(update.message.text)
    except DomainError:
        await say(update, context, "common.bad_email")
        return LOGIN_EMAIL
    context.user_data["login_email"] = email
    await say(update, context, "login.ask_password")
    return LOGIN_PASSWORD


async def login_password(update: Update, context: ClinicContext) -> int:
    """Check the password (its message deleted at once) and bind this chat to a session."""
    assert update.message is not None and update.message.text is not None
    password = update.message.text
    await delete_message(update)
    email = context.user_data.pop("login_email", None)
    chat = update.effective_chat
    assert chat is not None
    if not isinstance(email, str):
        await say(update, context, "common.conversation_lost")
        return ConversationHandler.END
    services = context.services
    async with services.transaction() as s:
        outcome = await log_in(
            s,
            chat_id=chat.id,
            email=email,
            password=password,
            secret=services.jwt_secret,
            now=services.clock.now(),
            ttl=services.settings.session_ttl,
        )
    if not isinstance(outcome, LoggedIn):
        if outcome.reason is Denial.THROTTLED:
            await say(update, context, "login.throttled", minutes=_minutes(outcome.retry_after))
        elif outcome.reason is Denial.INACTIVE:
            await say(update, context, "auth.inactive")
        else:
            await say(update, context, "login.wrong")
        return ConversationHandler.END
    user = outcome.user
    language = user.language or lang(update, context)
    context.user_data["lang"] = language
    await say(update, context, "login.done", name=user.name, role=t(language, f"role.{user.role}"))
    await show_menu(context.bot, chat.id, Role(user.role), language)
    return ConversationHandler.END


async def logout(update: Update, context: ClinicContext) -> None:
    """End this chat's session."""
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    async with services.transaction() as s:
        had = await log_out(s, chat_id=chat.id, now=services.clock.now())
    await say(
        update, context, "logout.done" if had else "logout.none", markup=ReplyKeyboardRemove()
    )
    await show_menu(context.bot, chat.id, None, lang(update, context))


@requires()
async def show_me(update: Update, context: ClinicContext) -> None:
    """Show who is logged in here."""
    principal = context.principal
    assert principal is not None
    language = lang(update, context)
    tz = context.settings.timezone
    async with context.services.transaction() as s:
        user = await get_user(s, principal.user_id)
    await say(
        update,
        context,
        "me.card",
        name=user.name,
        email=user.email,
        role=t(language, f"role.{user.role}"),
        phone=user.phone or t(language, "me.no_phone"),
        language=t(language, f"language.{language}"),
        until=principal.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        zone=tz.key,
    )


def _text() -> filters.BaseFilter:
    return filters.TEXT & ~filters.COMMAND


def account_handlers() -> list[BaseHandler[Update, ClinicContext, object]]:
    """The account conversations and commands, in registration order."""
    fallbacks = conversation_fallbacks(expects_text)
    register = ConversationHandler(
        entry_points=[CommandHandler("register", register_start)],
        states={
            REG_NAME: [MessageHandler(_text(), register_name)],
            REG_EMAIL: [MessageHandler(_text(), register_email)],
            REG_PASSWORD: [MessageHandler(_text(), register_password)],
            REG_PHONE: [
                MessageHandler(filters.CONTACT | _text(), register_phone),
                MessageHandler(~filters.COMMAND, register_expects_phone),
            ],
        },
        fallbacks=fallbacks,
        name="register",
        persistent=True,
    )
    login = ConversationHandler(
        entry_points=[CommandHandler("login", login_start)],
        states={
            LOGIN_EMAIL: [MessageHandler(_text(), login_email)],
            LOGIN_PASSWORD: [MessageHandler(_text(), login_password)],
        },
        fallbacks=fallbacks,
        name="login",
        persistent=True,
    )
    return [
        register,
        login,
        CommandHandler("logout", logout),
        CommandHandler("me", show_me),
    ]
