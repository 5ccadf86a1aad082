"""Admins onboard and manage doctors (/adddoctor, /doctors); doctors accept their invite links."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import ClinicContext
from bot.formatting import clock, long_date, policy_of, when_short
from bot.guard import answer, delete_message, edit_or_say, lang, requires, say
from bot.handlers.common import (
    conversation_fallbacks,
    expects_button,
    expects_text,
)
from bot.jobs import kick_deliveries
from bot.menus import show_menu
from bot.notify import tell_patient
from bot.texts import Raw, t
from db.accounts import (
    email_available,
    normalise_email,
    normalise_name,
    open_session,
    set_language,
)
from db.booking import Actor, AppointmentView, deactivate_and_cancel
from db.doctors import (
    DEFAULT_HOURS,
    INVITE_TTL,
    DoctorView,
    InvalidSpecialty,
    InviteInvalid,
    accept_invite,
    add_doctor,
    create_invite,
    get_doctor,
    get_or_create_specialty,
    get_specialty,
    list_doctors,
    list_specialties,
    normalise_specialty,
    open_invite,
    set_doctor_active,
    weekly_hours,
)
from db.errors import DomainError, EmailTaken, NotFound
from db.models import SLOT_LENGTHS, Role
from db.passwords import hash_password
from db.slots import WeeklyRange

# --- invite links -------------------------------------------------------------------------------

INVITE_PREFIX = "inv_"
# What Telegram sends when a deep link is opened: "/start <payload>", the payload at most 64
# characters of [A-Za-z0-9_-]. Anything else falls through to the generic /start ("not valid").
INVITE_START = r"^/start inv_[A-Za-z0-9_-]{1,60}$"
_DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def invite_payload(token: str) -> str:
    """The /start payload that carries an invite token."""
    payload = f"{INVITE_PREFIX}{token}"
    if not _DEEP_LINK_PAYLOAD.match(payload):
        raise ValueError("an invite token must fit Telegram's deep-link payload rules")
    return payload


def invite_link(bot_username: str, token: str) -> str:
    """The one-time link a doctor opens to set their password."""
    return f"https://t.me/{bot_username}?start={invite_payload(token)}"


# --- shared formatting --------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hours_summary(language: str, ranges: Sequence[WeeklyRange]) -> str:
    """Weekly hours in one line, consecutive days with the same ranges grouped:
    ``Mon–Fri 09:00–13:00, 16:00–20:00; Sat 09:00–13:00``."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for r in sorted(ranges, key=lambda r: (r.weekday, r.start_minute)):
        by_day.setdefault(r.weekday, []).append((r.start_minute, r.end_minute))
    groups: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    for day in range(7):
        spans = tuple(by_day.get(day, ()))
        if not spans:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == spans:
            groups[-1] = (groups[-1][0], day, spans)
        else:
            groups.append((day, day, spans))
    if not groups:
        return t(language, "admin.hours.none")
    parts = []
    for first, last, spans in groups:
        days = t(language, f"date.weekday_short.{first}")
        if last != first:
            days += "–" + t(language, f"date.weekday_short.{last}")
        parts.append(f"{days} " + ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in spans))
    return "; ".join(parts)


def moment(language: str, at: datetime, tz: ZoneInfo) -> str:
    """``Tuesday 8 December 2026, 09:00 (Europe/Madrid)``."""
    return f"{long_date(language, at.astimezone(tz).date())}, {clock(at, tz)} ({tz.key})"


def _ids(context: ClinicContext) -> list[int]:
    """The numbers the callback pattern captured."""
    match = context.match
    assert match is not None
    return [int(group) for group in match.groups()]


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


# --- /adddoctor ---------------------------------------------------------------------------------

ADD_NAME, ADD_SPECIALTY, ADD_NEW_SPECIALTY, ADD_EMAIL, ADD_SLOT, ADD_CONFIRM = range(20, 26)

_DRAFT = "draft_doctor"

AD_SPECIALTY = r"^ad:sp:(\d{1,9})$"
AD_NEW_SPECIALTY = r"^ad:sp:new$"
AD_SLOT = r"^ad:slot:(\d{1,4})$"
AD_CONFIRM = r"^ad:ok$"
AD_ABANDON = r"^ad:no$"


def _draft(context: ClinicContext, *needed: str) -> dict[str, Any] | None:
    """The answers so far, when they include ``needed``."""
    draft = context.user_data.get(_DRAFT)
    if not isinstance(draft, dict) or not set(needed) <= draft.keys():
        return None
    return draft


async def _lost(update: Update, context: ClinicContext) -> int:
    context.user_data.pop(_DRAFT, None)
    await answer(update, context)
    await say(update, context, "common.conversation_lost")
    return ConversationHandler.END


def _specialty_label(language: str, draft: dict[str, Any]) -> Raw:
    """The chosen specialty as HTML, marked when it is to be created."""
    if draft.get("specialty_id") is None:
        return Raw(t(language, "admin.add.specialty_new", specialty=draft["specialty"]))
    return Raw(html.escape(str(draft["specialty"]), quote=False))


@requires(Role.ADMIN)
async def start_add_doctor(update: Update, context: ClinicContext) -> int:
    """Begin onboarding a doctor: ask for their name."""
    context.user_data[_DRAFT] = {}
    await say(update, context, "admin.add.ask_name", markup=ReplyKeyboardRemove())
    return ADD_NAME


async def _offer_specialties(update: Update, context: ClinicContext, name: str) -> None:
    async with context.services.transaction() as s:
        specialties = await list_specialties(s)
    language = lang(update, context)
    buttons = [
        InlineKeyboardButton(specialty.name, callback_data=f"ad:sp:{specialty.id}")
        for specialty in specialties
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                t(language, "admin.add.new_specialty_button"), callback_data="ad:sp:new"
            )
        ]
    )
    await edit_or_say(
        update, context, "admin.add.ask_specialty", InlineKeyboardMarkup(rows), name=name
    )


@requires(Role.ADMIN)
async def take_doctor_name(update: Update, context: ClinicContext) -> int:
    """Take the doctor's name; offer the specialties."""
    try:
        name = normalise_name(_typed(update))
    except DomainError:
        await say(update, context, "admin.add.bad_name")
        return ADD_NAME
    context.user_data[_DRAFT] = {"name": name}
    await _offer_specialties(update, context, name)
    return ADD_SPECIALTY


@requires(Role.ADMIN)
async def choose_specialty(update: Update, context: ClinicContext) -> int:
    """Take the specialty pressed; ask for the email."""
    draft = _draft(context, "name")
    if draft is None:
        return await _lost(update, context)
    (specialty_id,) = _ids(context)
    try:
        async with context.services.transaction() as s:
            specialty = await get_specialty(s, specialty_id)
    except NotFound:
        await answer(update, context, "admin.add.specialty_gone")
        await _offer_specialties(update, context, draft["name"])
        return ADD_SPECIALTY
    await answer(update, context)
    draft.update(specialty_id=specialty.id, specialty=specialty.name)
    await edit_or_say(
        update, context, "admin.add.ask_email", specialty=specialty.name, name=draft["name"]
    )
    return ADD_EMAIL


@requires(Role.ADMIN)
async def ask_new_specialty(update: Update, context: ClinicContext) -> int:
    """The admin wants a specialty not in the list: ask for its name."""
    if _draft(context, "name") is None:
        return await _lost(update, context)
    await answer(update, context)
    await edit_or_say(update, context, "admin.add.ask_new_specialty")
    return ADD_NEW_SPECIALTY


@requires(Role.ADMIN)
async def take_new_specialty(update: Update, context: ClinicContext) -> int:
    """Take the new specialty's name (an existing one of that name is reused); ask the email."""
    draft = _draft(context, "name")
    if draft is None:
        return await _lost(update, context)
    try:
        name = normalise_specialty(_typed(update))
    except InvalidSpecialty:
        await say(update, context, "admin.add.bad_specialty")
        return ADD_NEW_SPECIALTY
    async with context.services.transaction() as s:
        same = [sp for sp in await list_specialties(s) if sp.name.lower() == name.lower()]
    if same:
        draft.update(specialty_id=same[0].id, specialty=same[0].name)
    else:
        # Created with the doctor, at the last step: cancelling leaves no empty specialty.
        draft.update(specialty_id=None, specialty=name)
    language = lang(update, context)
    await say(
        update,
        context,
        "admin.add.ask_email",
        specialty=_specialty_label(language, draft),
        name=draft["name"],
    )
    return ADD_EMAIL


def _slot_keyboard(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "admin.add.slot_button", minutes=minutes),
                    callback_data=f"ad:slot:{minutes}",
                )
                for minutes in SLOT_LENGTHS
            ]
        ]
    )


@requires(Role.ADMIN)
async def take_doctor_email(update: Update, context: ClinicContext) -> int:
    """Take the doctor's email (valid and not in use); offer the appointment lengths."""
    draft = _draft(context, "name", "specialty")
    if draft is None:
        return await _lost(update, context)
    try:
        email = normalise_email(_typed(update))
    except DomainError:
        await say(update, context, "common.bad_email")
        return ADD_EMAIL
    async with context.services.transaction() as s:
        free = await email_available(s, email)
    if not free:
        await say(update, context, "admin.add.email_taken")
        return ADD_EMAIL
    draft["email"] = email
    await say(
        update,
        context,
        "admin.add.ask_slot",
        _slot_keyboard(lang(update, context)),
        name=draft["name"],
    )
    return ADD_SLOT


@requires(Role.ADMIN)
async def choose_slot_length(update: Update, context: ClinicContext) -> int:
    """Take the appointment length pressed; show the summary to confirm."""
    (minutes,) = _ids(context)
    if minutes not in SLOT_LENGTHS:
        await answer(update, context, "admin.add.bad_slot")
        return ADD_SLOT
    draft = _draft(context, "name", "specialty", "email")
    if draft is None:
        return await _lost(update, context)
    await answer(update, context)
    draft["minutes"] = minutes
    language = lang(update, context)
    confirm = t(language, "admin.add.confirm_button")
    abandon = t(language, "admin.add.cancel_button")
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(confirm, callback_data="ad:ok"),
                InlineKeyboardButton(abandon, callback_data="ad:no"),
            ]
        ]
    )
    await edit_or_say(
        update,
        context,
        "admin.add.summary",
        markup,
        name=draft["name"],
        specialty=_specialty_label(language, draft),
        email=draft["email"],
        minutes=minutes,
        hours=hours_summary(language, DEFAULT_HOURS),
    )
    return ADD_CONFIRM


@requires(Role.ADMIN)
async def confirm_add_doctor(update: Update, context: ClinicContext) -> int:
    """Create the doctor (and a new specialty, if one was typed) and show the invite link."""
    draft = _draft(context, "name", "specialty", "specialty_id", "email", "minutes")
    principal = context.principal
    if draft is None or principal is None:
        return await _lost(update, context)
    services = context.services
    now = services.clock.now()
    try:
        async with services.transaction() as s:
            if draft["specialty_id"] is None:
                specialty = await get_or_create_specialty(s, draft["specialty"])
            else:
                specialty = await get_specialty(s, draft["specialty_id"])
            doctor, token = await add_doctor(
                s,
                name=draft["name"],
                email=draft["email"],
                specialty_id=specialty.id,
                slot_minutes=draft["minutes"],
                created_by=principal.user_id,
                now=now,
            )
    except EmailTaken:
        draft.pop("email", None)
        await answer(update, context)
        await edit_or_say(update, context, "admin.add.email_taken_late", name=draft["name"])
        return ADD_EMAIL
    except DomainError:
        return await _lost(update, context)
    context.user_data.pop(_DRAFT, None)
    await answer(update, context)
    language = lang(update, context)
    await edit_or_say(
        update,
        context,
        "admin.add.done",
        name=doctor.name,
        specialty=doctor.specialty,
        minutes=doctor.slot_minutes,
        hours=hours_summary(language, DEFAULT_HOURS),
        expires=moment(language, now + INVITE_TTL, services.settings.timezone),
        link=invite_link(context.bot.username, token),
    )
    return ConversationHandler.END


@requires(Role.ADMIN)
async def abandon_add_doctor(update: Update, context: ClinicContext) -> int:
    """The admin pressed Cancel on the summary: nothing is saved."""
    context.user_data.pop(_DRAFT, None)
    await answer(update, context)
    await edit_or_say(update, context, "admin.add.abandoned")
    return ConversationHandler.END


# --- the doctor's invite ------------------------------------------------------------------------

INVITE_PASSWORD = 30

# The raw token, kept only while the conversation lasts (/cancel drops "draft" keys too).
_INVITE_DRAFT = "draft_invite"


async def open_invite_link(update: Update, context: ClinicContext) -> int:
    """Open a doctor's invite link: greet them by name and ask for a password."""
    context.user_data.pop(_INVITE_DRAFT, None)
    assert context.args
    token = context.args[0][len(INVITE_PREFIX) :]
    services = context.services
    try:
        async with services.transaction() as s:
            user = await open_invite(s, token=token, now=services.clock.now())
            doctor = await get_doctor(s, user.id)
    except (InviteInvalid, NotFound):
        await say(update, context, "invite.invalid")
        return ConversationHandler.END
    context.user_data[_INVITE_DRAFT] = {"token": token}
    await say(
        update,
        context,
        "invite.welcome",
        ReplyKeyboardRemove(),
        name=doctor.name,
        specialty=doctor.specialty,
        email=doctor.email,
    )
    return INVITE_PASSWORD


async def set_invite_password(update: Update, context: ClinicContext) -> int:
    """Take the password (its message deleted at once), use the invite and log the doctor in."""
    password = _typed(update)
    await delete_message(update)
    draft = context.user_data.get(_INVITE_DRAFT)
    token = draft.get("token") if isinstance(draft, dict) else None
    if not isinstance(token, str):
        context.user_data.pop(_INVITE_DRAFT, None)
        await say(update, context, "common.conversation_lost")
        return ConversationHandler.END
    try:
        password_hash = await hash_password(password)
    except DomainError as exc:
        await say(update, context, f"common.{exc.code}")
        return INVITE_PASSWORD
    chat = update.effective_chat
    assert chat is not None
    services = context.services
    now = services.clock.now()
    try:
        async with services.transaction() as s:
            # Checked again here, row locked: a link is used once even if opened twice.
            user = await accept_invite(s, token=token, password_hash=password_hash, now=now)
            language = user.language or lang(update, context)
            await set_language(s, user_id=user.id, language=language)
            await open_session(
                s,
                user=user,
                chat_id=chat.id,
                secret=services.jwt_secret,
                now=now,
                ttl=services.settings.session_ttl,
            )
            doctor = await get_doctor(s, user.id)
            hours = await weekly_hours(s, user.id)
    except (InviteInvalid, NotFound):
        context.user_data.pop(_INVITE_DRAFT, None)
        await say(update, context, "invite.invalid")
        return ConversationHandler.END
    context.user_data.pop(_INVITE_DRAFT, None)
    context.user_data["lang"] = language
    await say(
        update,
        context,
        "invite.done",
        name=doctor.name,
        email=doctor.email,
        hours=hours_summary(language, hours),
    )
    await show_menu(context.bot, chat.id, Role.DOCTOR, language)
    return ConversationHandler.END


# --- /doctors -----------------------------------------------------------------------------------

PAGE_SIZE = 8
# Upcoming appointments listed when asking to confirm a deactivation.
SHOWN_APPOINTMENTS = 10

DR_PAGE = r"^dr:page:(\d{1,4})$"
DR_LIST_AT = r"^dr:list:(\d{1,9})$"
DR_DEACTIVATE = r"^dr:off:(\d{1,9})$"
# The doctor, and the newest appointment the admin was shown: a newer one means they re-check.
DR_DEACTIVATE_CONFIRM = r"^dr:offok:(\d{1,9}):(\d{1,10})$"
DR_REACTIVATE = r"^dr:on:(\d{1,9})$"
DR_INVITE = r"^dr:inv:(\d{1,9})$"


def _doctor_rows(language: str, doctors: Sequence[DoctorView]) -> list[list[InlineKeyboardButton]]:
    rows = []
    for doctor in doctors:
        name = Raw(doctor.name)  # button labels are plain text: no HTML escaping
        if doctor.active:
            row = [
                InlineKeyboardButton(
                    t(language, "admin.list.deactivate_button", name=name),
                    callback_data=f"dr:off:{doctor.user_id}",
                ),
                InlineKeyboardButton(
                    t(language, "admin.list.invite_button"),
                    callback_data=f"dr:inv:{doctor.user_id}",
                ),
            ]
        else:
            row = [
                InlineKeyboardButton(
                    t(language, "admin.list.reactivate_button", name=name),
                    callback_data=f"dr:on:{doctor.user_id}",
                )
            ]
        rows.append(row)
    return rows


async def _show_doctors(
    update: Update,
    context: ClinicContext,
    *,
    page: int = 0,
    at_doctor: int | None = None,
    notice: str = "",
) -> None:
    """The doctors list (one page), edited in place for a button, sent for the command."""
    async with context.services.transaction() as s:
        doctors = await list_doctors(s)
    language = lang(update, context)
    if not doctors:
        await edit_or_say(update, context, "admin.list.empty")
        return
    pages = -(-len(doctors) // PAGE_SIZE)
    if at_doctor is not None:
        index = next((i for i, d in enumerate(doctors) if d.user_id == at_doctor), 0)
        page = index // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = doctors[first : first + PAGE_SIZE]
    if pages == 1:
        title = t(language, "admin.list.title", count=len(doctors))
    else:
        title = t(
            language,
            "admin.list.title_paged",
            first=first + 1,
            last=first + len(shown),
            count=len(doctors),
        )
    items = [
        t(
            language,
            "admin.list.item",
            number=number,
            name=doctor.name,
            specialty=doctor.specialty,
            minutes=doctor.slot_minutes,
            email=doctor.email,
            status=t(language, "admin.list.active" if doctor.active else "admin.list.inactive"),
            password=t(
                language,
                "admin.list.password_set" if doctor.has_password else "admin.list.no_password",
            ),
        )
        for number, doctor in enumerate(shown, start=first + 1)
    ]
    rows = _doctor_rows(language, shown)
    paging = []
    if page > 0:
        paging.append(
            InlineKeyboardButton(
                t(language, "admin.list.previous_button"), callback_data=f"dr:page:{page - 1}"
            )
        )
    if page < pages - 1:
        paging.append(
            InlineKeyboardButton(
                t(language, "admin.list.next_button"), callback_data=f"dr:page:{page + 1}"
            )
        )
    if paging:
        rows.append(paging)
    await edit_or_say(
        update,
        context,
        "admin.list.page",
        InlineKeyboardMarkup(rows),
        notice=Raw(f"{notice}\n\n" if notice else ""),
        title=Raw(title),
        items=Raw("\n".join(items)),
    )


@requires(Role.ADMIN)
async def list_clinic_doctors(update: Update, context: ClinicContext) -> None:
    """List every doctor with their state, and the buttons to manage them."""
    await _show_doctors(update, context)


@requires(Role.ADMIN)
async def show_doctors_page(update: Update, context: ClinicContext) -> None:
    """Another page of the doctors list."""
    (page,) = _ids(context)
    await answer(update, context)
    await _show_doctors(update, context, page=page)


@requires(Role.ADMIN)
async def show_doctors_at(update: Update, context: ClinicContext) -> None:
    """Back to the doctors list, at the page of one doctor."""
    (doctor_id,) = _ids(context)
    await answer(update, context)
    await _show_doctors(update, context, at_doctor=doctor_id)


async def _not_found(update: Update, context: ClinicContext) -> None:
    await answer(update, context, "admin.list.not_found")
    await _show_doctors(update, context)


async def _ask_deactivation(
    update: Update,
    context: ClinicContext,
    doctor: DoctorView,
    upcoming: Sequence[AppointmentView],
    notice: str = "",
) -> None:
    language = lang(update, context)
    tz = context.settings.timezone
    items = [
        t(
            language,
            "admin.off.item",
            when=when_short(language, appointment.starts_at, tz),
            patient=appointment.patient_name,
        )
        for appointment in upcoming[:SHOWN_APPOINTMENTS]
    ]
    if len(upcoming) > SHOWN_APPOINTMENTS:
        items.append(t(language, "admin.off.more", count=len(upcoming) - SHOWN_APPOINTMENTS))
    newest = max(appointment.id for appointment in upcoming)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "admin.off.confirm_button", count=len(upcoming)),
                    callback_data=f"dr:offok:{doctor.user_id}:{newest}",
                )
            ],
            [
                InlineKeyboardButton(
                    t(language, "admin.off.back_button"),
                    callback_data=f"dr:list:{doctor.user_id}",
                )
            ],
        ]
    )
    await edit_or_say(
        update,
        context,
        "admin.off.confirm",
        markup,
        notice=Raw(f"{notice}\n\n" if notice else ""),
        name=doctor.name,
        count=len(upcoming),
        items=Raw("\n".join(items)),
        zone=tz.key,
    )


async def _deactivate(
    update: Update, context: ClinicContext, doctor_id: int, newest_shown: int | None
) -> None:
    """Deactivate the doctor and cancel their upcoming appointments, once the admin has seen
    every one of them (up to the appointment ``newest_shown``); otherwise show them and ask."""
    principal = context.principal
    assert principal is not None
    services = context.services
    now = services.clock.now()
    language = lang(update, context)
    try:
        async with services.transaction() as s:
            outcome = await deactivate_and_cancel(
                s,
                doctor_id=doctor_id,
                newest_shown=newest_shown,
                actor=Actor(principal.user_id, Role.ADMIN),
                policy=policy_of(services.settings),
                now=now,
            )
    except NotFound:
        await _not_found(update, context)
        return
    doctor, upcoming, unseen, cancelled = (
        outcome.doctor,
        outcome.upcoming,
        outcome.unseen,
        outcome.cancelled,
    )
    if not outcome.was_active:
        await answer(update, context, "admin.list.already_inactive", name=doctor.name)
        await _show_doctors(update, context, at_doctor=doctor_id)
        return
    if unseen:
        await answer(update, context)
        notice = t(language, "admin.off.changed") if newest_shown is not None else ""
        await _ask_deactivation(update, context, doctor, upcoming, notice)
        return
    for appointment in cancelled:
        await tell_patient(context.bot, services, appointment, "cancelled")
    if cancelled:
        kick_deliveries(context)
    await answer(update, context)
    if newest_shown is None:
        notice = t(language, "admin.list.deactivated", name=doctor.name)
    else:
        notice = t(
            language, "admin.list.deactivated_cancelled", name=doctor.name, count=len(cancelled)
        )
    await _show_doctors(update, context, at_doctor=doctor_id, notice=notice)


@requires(Role.ADMIN)
async def deactivate_doctor(update: Update, context: ClinicContext) -> None:
    """Deactivate a doctor; with upcoming appointments, show them and ask to confirm first."""
    (doctor_id,) = _ids(context)
    await _deactivate(update, context, doctor_id, newest_shown=None)


@requires(Role.ADMIN)
async def confirm_deactivation(update: Update, context: ClinicContext) -> None:
    """Deactivate a doctor and cancel the upcoming appointments the admin was shown."""
    doctor_id, newest_shown = _ids(context)
    await _deactivate(update, context, doctor_id, newest_shown=newest_shown)


@requires(Role.ADMIN)
async def reactivate_doctor(update: Update, context: ClinicContext) -> None:
    """Make an inactive doctor bookable again and let them log in."""
    (doctor_id,) = _ids(context)
    services = context.services
    try:
        async with services.transaction() as s:
            doctor = await get_doctor(s, doctor_id)
            was_active = doctor.active
            if not was_active:
                doctor = await set_doctor_active(
                    s, doctor_id=doctor_id, active=True, now=services.clock.now()
                )
    except NotFound:
        await _not_found(update, context)
        return
    if was_active:
        await answer(update, context, "admin.list.already_active", name=doctor.name)
        await _show_doctors(update, context, at_doctor=doctor_id)
        return
    await answer(update, context)
    notice = t(lang(update, context), "admin.list.reactivated", name=doctor.name)
    await _show_doctors(update, context, at_doctor=doctor_id, notice=notice)


@requires(Role.ADMIN)
async def renew_invite(update: Update, context: ClinicContext) -> None:
    """A new one-time invite link for an active doctor (earlier ones stop working)."""
    (doctor_id,) = _ids(context)
    principal = context.principal
    assert principal is not None
    services = context.services
    now = services.clock.now()
    token: str | None = None
    try:
        async with services.transaction() as s:
            doctor = await get_doctor(s, doctor_id)
            if doctor.active:
                token = await create_invite(
                    s, user_id=doctor_id, created_by=principal.user_id, now=now
                )
    except NotFound:
        await _not_found(update, context)
        return
    if token is None:
        await answer(update, context, "admin.invite.inactive", name=doctor.name)
        await _show_doctors(update, context, at_doctor=doctor_id)
        return
    await answer(update, context)
    language = lang(update, context)
    await say(
        update,
        context,
        "admin.invite.link",
        name=doctor.name,
        expires=moment(language, now + INVITE_TTL, services.settings.timezone),
        link=invite_link(context.bot.username, token),
    )


# --- wiring -------------------------------------------------------------------------------------


def _text() -> filters.BaseFilter:
    return filters.TEXT & ~filters.COMMAND


def handlers() -> list[BaseHandler[Update, ClinicContext, Any]]:
    """This feature's handlers, in registration order."""
    fallbacks = conversation_fallbacks(expects_text)
    buttons_only: BaseHandler[Update, ClinicContext, Any] = MessageHandler(
        ~filters.COMMAND, expects_button
    )
    # Buttons are tracked per chat and user, not per message: an old button pressed outside
    # its step falls through to the stale-button answer, which is what we want.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        add_doctor_conversation = ConversationHandler(
            entry_points=[CommandHandler("adddoctor", start_add_doctor)],
            states={
                ADD_NAME: [MessageHandler(_text(), take_doctor_name)],
                ADD_SPECIALTY: [
                    CallbackQueryHandler(choose_specialty, pattern=AD_SPECIALTY),
                    CallbackQueryHandler(ask_new_specialty, pattern=AD_NEW_SPECIALTY),
                    buttons_only,
                ],
                ADD_NEW_SPECIALTY: [MessageHandler(_text(), take_new_specialty)],
                ADD_EMAIL: [MessageHandler(_text(), take_doctor_email)],
                ADD_SLOT: [
                    CallbackQueryHandler(choose_slot_length, pattern=AD_SLOT),
                    buttons_only,
                ],
                ADD_CONFIRM: [
                    CallbackQueryHandler(confirm_add_doctor, pattern=AD_CONFIRM),
                    CallbackQueryHandler(abandon_add_doctor, pattern=AD_ABANDON),
                    buttons_only,
                ],
            },
            fallbacks=fallbacks,
            name="adddoctor",
            persistent=True,
        )
    invite_conversation = ConversationHandler(
        entry_points=[
            CommandHandler(
                "start", open_invite_link, filters=filters.Regex(re.compile(INVITE_START))
            )
        ],
        states={INVITE_PASSWORD: [MessageHandler(_text(), set_invite_password)]},
        fallbacks=fallbacks,
        name="invite",
        persistent=True,
        allow_reentry=True,  # a newer link opened midway replaces the older one
    )
    return [
        add_doctor_conversation,
        invite_conversation,
        CommandHandler("doctors", list_clinic_doctors),
        CallbackQueryHandler(show_doctors_page, pattern=DR_PAGE),
        CallbackQueryHandler(show_doctors_at, pattern=DR_LIST_AT),
        CallbackQueryHandler(deactivate_doctor, pattern=DR_DEACTIVATE),
        CallbackQueryHandler(confirm_deactivation, pattern=DR_DEACTIVATE_CONFIRM),
        CallbackQueryHandler(reactivate_doctor, pattern=DR_REACTIVATE),
        CallbackQueryHandler(renew_invite, pattern=DR_INVITE),
    ]
