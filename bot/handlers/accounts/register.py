"""/register: a patient account in four answers (name → email → password → phone)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.choices import Screen, normalise
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.routes import Command, Routes
from db.accounts import (
    email_available,
    normalise_email,
    normalise_name,
    register_and_log_in,
)
from db.errors import DomainError, EmailTaken
from db.models import Role
from db.passwords import check_password_rules, hash_password
from db.phones import parse_phone, parse_shared_phone


class RegisterState(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PASSWORD = "password"
    PHONE = "phone"


@dataclass
class RegisterDraft:
    name: str = ""
    email: str = ""
    password_hash: str = ""


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
    """Take the email (checked for format and that it is free); ask for a password."""
    try:
        email = normalise_email(context.text or "")
    except DomainError:
        context.reply("common.bad_email")
        return None
    if not await email_available(context.db, email):
        context.reply("register.email_taken")
        return None
    draft.email = email
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
    """Take a typed phone (read as the clinic's country's unless international), or Skip;
    create the patient and log them in."""
    typed = context.text or ""
    if normalise(typed) in (normalise(context.t("register.skip_phone")), "skip", "omitir"):
        return await _finish(context, draft, None)
    try:
        phone = parse_phone(typed, context.settings.clinic_country)
    except DomainError:
        _bad_phone(context)
        return None
    return await _finish(context, draft, phone)


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
    return await _finish(context, draft, phone)


async def _finish(context: ClinicContext, draft: RegisterDraft, phone: str | None) -> Ended:
    language = context.lang
    try:
        user = await register_and_log_in(
            context.db,
            name=draft.name,
            email=draft.email,
            password_hash=draft.password_hash,
            phone=phone,
            language=language,
            chat_id=context.turn.chat_id,
            secret=context.services.jwt_secret,
            now=context.now,
            ttl=context.settings.session_ttl,
        )
    except EmailTaken:
        context.reply("register.email_taken_late", ReplyKeyboardRemove())
        return END
    context.turn.language = language
    context.reply("register.done", ReplyKeyboardRemove(), name=user.name)
    context.set_menu(Role.PATIENT, language)
    return END


async def _ask_name(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_name"), reply_markup=ReplyKeyboardRemove())


async def _ask_email(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_email", name=draft.name))


async def _ask_password(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_password"))


async def _ask_phone(update: Update, context: ClinicContext, draft: RegisterDraft) -> Screen:
    return Screen(context.t("register.ask_phone"), reply_markup=_phone_keyboard(context))


REGISTRATION = Conversation(
    "register",
    RegisterState,
    RegisterDraft,
    {
        RegisterState.NAME: Step(_ask_name, text=take_name),
        RegisterState.EMAIL: Step(_ask_email, text=take_email),
        RegisterState.PASSWORD: Step(_ask_password, text=take_password, secret=True),
        RegisterState.PHONE: Step(_ask_phone, text=take_phone, contact=take_contact),
    },
    roles=None,
)

ROUTES = Routes(
    commands=[Command("register", start_registration, menu=("guest",))],
    conversations=[REGISTRATION],
)
