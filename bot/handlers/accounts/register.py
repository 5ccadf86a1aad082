"""/register: a patient account in four answers (name → email → password → phone), then, when
the clinic sends email, the 6-digit code emailed to the address (nothing is stored before it).

No answer tells whether an address has an account: at an address an account holds, the owner
is emailed a note instead of a code, and the chat sees the same code step. An address that
only unconfirmed accounts use blocks nobody: the account created with its code holds it.

A patient the clinic registered (at the front desk) claims that account here instead of getting
a second one, once they prove it is theirs: the code typed back from its email, or the phone
the clinic has shared with Telegram's contact button (see
:func:`db.patients.register_or_claim_and_log_in`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.callbacks import RegisterOtherEmail, RegisterResend
from bot.choices import Choice, Screen, normalise
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.accounts.codes import (
    MINUTES,
    ask_code,
    code_screen,
    email_on,
    tell_check,
)
from bot.routes import Command, Routes
from db.accounts import normalise_email, normalise_name
from db.email_codes import Checked, register_with_code, typed_code
from db.errors import DomainError, EmailTaken
from db.models import CodePurpose, Role
from db.passwords import check_password_rules, hash_password
from db.patients import ClaimNeedsProof, Registered, register_or_claim_and_log_in
from db.phones import parse_phone, parse_shared_phone


class RegisterState(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PASSWORD = "password"
    PHONE = "phone"
    CODE = "code"


@dataclass
class RegisterDraft:
    name: str = ""
    email: str = ""
    password_hash: str = ""
    # The phone step's answer (E.164, or "" when skipped), once given.
    phone: str = ""
    phone_answered: bool = False
    # The phone was shared with Telegram's contact button (Telegram vouches it is theirs).
    phone_shared: bool = False
    # The code asked for last (0: none yet).
    code_id: int = 0


Result = RegisterState | Ended | None


async def start_registration(update: Update, context: ClinicContext) -> RegisterState | None:
    """/register: ask for the patient's name (not while logged in)."""
    if context.principal is not None:
        context.reply("register.logged_in", name=context.principal.name)
        return None
    context.begin(RegisterDraft())
    return RegisterState.NAME


async def take_name(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Take the name; ask for the email."""
    try:
        draft.name = normalise_name(context.text or "")
    except DomainError:
        context.reply("register.bad_name")
        return None
    return RegisterState.EMAIL


async def take_email(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Take the email (its format checked only); ask for a password, or, when the address is
    a new one typed at the code step, send it a code."""
    try:
        draft.email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    if draft.phone_answered:
        return await _finish(context, draft)
    return RegisterState.PASSWORD


async def take_password(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Take the password (its message is deleted by the step); offer to share a phone."""
    password = context.text or ""
    try:
        check_password_rules(password)
    except DomainError as exc:
        context.reply(f"common.{exc.code}")
        return None
    draft.password_hash = await hash_password(password)
    return RegisterState.PHONE


def _phone_keyboard(context: ClinicContext) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(context.t("register.share_phone"), request_contact=True)],
            [KeyboardButton(context.t("register.skip_phone"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _bad_phone(context: ClinicContext) -> None:
    """Ask for the phone again, with an example of the clinic's country when there is one."""
    country = context.settings.clinic_country
    example = (
        phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
        if country
        else None
    )
    if example is None:
        context.reply("register.bad_phone", _phone_keyboard(context))
        return
    shown = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    context.reply("register.bad_phone_local", _phone_keyboard(context), example=shown)


async def take_phone(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Take a typed phone (read as the clinic's country's unless international), or Skip."""
    typed = context.text or ""
    if normalise(typed) in (normalise(context.t("register.skip_phone")), "skip", "omitir"):
        return await _phone_given(context, draft, "")
    try:
        phone = parse_phone(typed, context.settings.clinic_country)
    except DomainError:
        _bad_phone(context)
        return None
    return await _phone_given(context, draft, phone)


async def take_contact(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Take the shared contact (only the user's own)."""
    message = update.message
    user = update.effective_user
    contact = message.contact if message else None
    if contact is None or user is None or contact.user_id != user.id:
        context.reply("register.not_own_contact", _phone_keyboard(context))
        return None
    try:
        phone = parse_shared_phone(contact.phone_number, context.settings.clinic_country)
    except DomainError:
        _bad_phone(context)
        return None
    draft.phone_shared = True
    return await _phone_given(context, draft, phone)


async def _phone_given(context: ClinicContext, draft: RegisterDraft, phone: str) -> Result:
    draft.phone, draft.phone_answered = phone, True
    if email_on(context):
        context.reply("register.confirm_email", ReplyKeyboardRemove())
    return await _finish(context, draft)


async def _finish(context: ClinicContext, draft: RegisterDraft) -> Result:
    """With email: send the address a code and wait for it. Without: create the account, its
    address unconfirmed."""
    if email_on(context):
        draft.code_id = (
            await ask_code(context, CodePurpose.REGISTER, draft.email, name=draft.name) or 0
        )
        return RegisterState.CODE
    language = context.lang
    try:
        registered = await register_or_claim_and_log_in(
            context.db,
            name=draft.name,
            email=draft.email,
            password_hash=draft.password_hash,
            phone=draft.phone or None,
            phone_verified=draft.phone_shared,
            email_verified=False,
            language=language,
            chat_id=context.turn.chat_id,
            secret=context.services.jwt_secret,
            now=context.now,
            ttl=context.settings.session_ttl,
        )
    except ClaimNeedsProof:
        context.reply("register.claim_needs_proof", ReplyKeyboardRemove())
        return END
    except EmailTaken:
        context.reply("register.email_taken_late", ReplyKeyboardRemove())
        return END
    _done(context, registered, language)
    return END


def _done(context: ClinicContext, registered: Registered, language: str) -> None:
    context.turn.language = language
    key = "register.claimed" if registered.claimed else "register.done"
    context.reply(key, ReplyKeyboardRemove(), name=registered.user.name)
    context.set_menu(Role.PATIENT, language)


async def take_code(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Check the typed code; when right, create the account and log this chat in."""
    code = typed_code(context.text or "")
    if code is None:
        context.reply("code.not_a_code")
        return None
    language = context.lang
    try:
        outcome = await register_with_code(
            context.db,
            code_id=draft.code_id,
            chat_id=context.turn.chat_id,
            typed=code,
            secret=context.services.jwt_secret,
            name=draft.name,
            email=draft.email,
            password_hash=draft.password_hash,
            phone=draft.phone or None,
            phone_verified=draft.phone_shared,
            language=language,
            now=context.now,
            ttl=context.settings.session_ttl,
        )
    except EmailTaken:
        context.reply("register.email_taken_late", ReplyKeyboardRemove())
        return END
    if isinstance(outcome, Checked):
        tell_check(context, outcome)
        return None
    _done(context, outcome, language)
    return END


async def send_new_code(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Send the address a new code."""
    code_id = await ask_code(context, CodePurpose.REGISTER, draft.email, name=draft.name)
    if code_id is not None:
        draft.code_id = code_id
        context.note("code.resent")
    return RegisterState.CODE


async def change_email(update: Update, context: ClinicContext, draft: RegisterDraft) -> Result:
    """Ask for another email address."""
    return RegisterState.EMAIL


async def _ask_name(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_name"), reply_markup=ReplyKeyboardRemove())


async def _ask_email(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_email", name=draft.name))


async def _ask_password(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_password"))


async def _ask_phone(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_phone"), reply_markup=_phone_keyboard(context))


async def _ask_code(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    if draft.code_id:
        text = context.t("code.sent", email=draft.email, minutes=MINUTES)
    else:
        text = context.t("code.none_yet", email=draft.email)
    other = Choice(
        context.t("register.btn.other_email"),
        RegisterOtherEmail(flow=context.turn.flow),
        ("other email", "otro correo"),
    )
    return code_screen(context, text, RegisterResend, other)


REGISTRATION = Conversation(
    "register",
    RegisterState,
    RegisterDraft,
    {
        RegisterState.NAME: Step(_ask_name, text=take_name),
        RegisterState.EMAIL: Step(_ask_email, text=take_email),
        RegisterState.PASSWORD: Step(_ask_password, text=take_password, secret=True),
        RegisterState.PHONE: Step(_ask_phone, text=take_phone, contact=take_contact),
        RegisterState.CODE: Step(
            _ask_code,
            buttons={RegisterResend: send_new_code, RegisterOtherEmail: change_email},
            text=take_code,
        ),
    },
    roles=None,
)

ROUTES = Routes(
    commands=[Command("register", start_registration, menu=("guest",))],
    conversations=[REGISTRATION],
)
