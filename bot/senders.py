"""What each delivery says, and how it goes out: chat messages through the Bot API, emails
through SMTP. Each sender tells the worker every row's outcome as soon as it is known.

A chat send waits ``TELEGRAM_SEND_TIMEOUT_SECONDS`` for the Bot API's answer: a slow answer is
waited for, not taken for a failure. Only a send that surely failed is tried again; when the
connection is lost after the request went out, Telegram may have taken the message, and that
row is tried once more only (so it arrives at most twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Final
from zoneinfo import ZoneInfo

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.callbacks import (
    AskCancel,
    CallbackData,
    CheckIn,
    ConfirmVisit,
    LeaveWaitlist,
    Reschedule,
    TakeFreedTime,
    TakeOffer,
)
from bot.context import Services
from bot.delivery import DeliveryWorker, Sender
from bot.formatting import (
    clock,
    lead_phrase,
    long_date,
    phone_text,
    policy_of,
    reason_text,
    reminder_lead,
    when,
    when_short,
)
from bot.mailer import EmailAppointment, EmailKind, MailError, build_email
from bot.outbox import visible_length
from bot.paging import TEXT_BUDGET, lines_in_pages
from bot.ratelimit import bulk
from bot.texts import Raw, language_of, t
from db.accounts import live_chats_for
from db.booking import AppointmentView, appointment_views, next_free_slots, schedule
from db.closures import closure_names_of
from db.deliveries import Claimed, Outcome, Result, failure, languages
from db.doctors import DoctorView, day_bounds, get_doctor
from db.errors import NotFound
from db.models import AppointmentStatus, Channel, DeliveryKind
from db.slots import Slot
from db.waitlist import OfferView, offer_to_send

log = logging.getLogger(__name__)

# Chat sends in flight at once; the rate limiter paces them to Telegram's limits.
TELEGRAM_CONCURRENCY: Final = 32
CHAT_BATCH: Final = 200
# Emails go one after another on one connection: small batches, so several processes share a
# backlog and no process holds many rows while a slow server answers.
EMAIL_BATCH: Final = 20
BATCHES: Final = {Channel.TELEGRAM: CHAT_BATCH, Channel.EMAIL: EMAIL_BATCH}

_EMAIL_KINDS = {
    DeliveryKind.REMINDER: EmailKind.REMINDER,
    DeliveryKind.BOOKED: EmailKind.BOOKED,
    DeliveryKind.RESCHEDULED: EmailKind.RESCHEDULED,
    DeliveryKind.CANCELLED: EmailKind.CANCELLED,
}
_NOTICE_TEXTS = {
    DeliveryKind.DOCTOR_BOOKED: "notice.doctor.booked",
    DeliveryKind.DOCTOR_CANCELLED: "notice.doctor.cancelled",
    DeliveryKind.DOCTOR_RESCHEDULED: "notice.doctor.rescheduled",
    DeliveryKind.CLINIC_CANCELLED: "notice.patient.cancelled",
    DeliveryKind.CLINIC_RESCHEDULED: "notice.patient.rescheduled",
    DeliveryKind.CLINIC_BOOKED: "notice.patient.booked",
}
# Notices to the patient that carry the appointment's Cancel / Reschedule buttons.
_WITH_BUTTONS = (DeliveryKind.CLINIC_RESCHEDULED, DeliveryKind.CLINIC_BOOKED)
# Free times of the same doctor a "the clinic cancelled" notice offers as buttons.
OFFERS: Final = 6


def senders(bot: Any) -> dict[Channel, Sender]:
    """The sender of each channel, chat through ``bot``."""
    return {Channel.TELEGRAM: partial(send_chat, bot), Channel.EMAIL: send_email}


# --- texts --------------------------------------------------------------------------------------


def lead_of(item: Claimed, view: AppointmentView, now: datetime) -> timedelta:
    """How far off a reminder says its appointment is: from its offset, the same in chat and
    email (see :func:`bot.formatting.reminder_lead`)."""
    offset = timedelta(minutes=item.offset_minutes or 0)
    return reminder_lead(offset, view.starts_at - now)


def reminder_buttons(
    lang: str, view: AppointmentView, now: datetime, tz: ZoneInfo
) -> InlineKeyboardMarkup:
    """I'll come (until said), Cancel / Reschedule (as in /appointments), and on the
    appointment's day I'm here. Each acts on the appointment as it is when pressed."""

    def button(key: str, data: CallbackData) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(lang, key), callback_data=data.pack())

    rows = []
    if view.confirmed_at is None:
        rows.append(
            [
                button(
                    "arrival.btn.confirm", ConfirmVisit(appointment=view.id, version=view.version)
                )
            ]
        )
    rows.append(
        [
            button("reminder.cancel", AskCancel(appointment=view.id)),
            button("reminder.reschedule", Reschedule(appointment=view.id)),
        ]
    )
    on_the_day = now.astimezone(tz).date() == view.starts_at.astimezone(tz).date()
    if on_the_day and view.arrived_at is None:
        rows.append([button("arrival.btn.arrived", CheckIn(appointment=view.id))])
    return InlineKeyboardMarkup(rows)


def notice_buttons(lang: str, appointment_id: int) -> InlineKeyboardMarkup:
    """Cancel / Reschedule under a notice of a visit the clinic booked or moved."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "reminder.cancel"),
                    callback_data=AskCancel(appointment=appointment_id).pack(),
                ),
                InlineKeyboardButton(
                    t(lang, "reminder.reschedule"),
                    callback_data=Reschedule(appointment=appointment_id).pack(),
                ),
            ]
        ]
    )


def _reminder(lang: str, item: Claimed, view: AppointmentView, services: Services) -> str:
    return t(
        lang,
        "reminder.chat",
        lead=lead_phrase(lang, lead_of(item, view, services.clock.now())),
        doctor=view.doctor_name,
        specialty=view.specialty,
        when=when(lang, view.starts_at, view.ends_at, services.settings.timezone),
    )


def offer_buttons(
    lang: str, cancelled_id: int, slots: list[Slot], services: Services
) -> InlineKeyboardMarkup:
    """One button per free time, two to a row: a tap books it."""
    tz = services.settings.timezone
    buttons = [
        InlineKeyboardButton(
            when_short(lang, slot.starts_at, tz),
            callback_data=TakeOffer(cancelled=cancelled_id, starts_at=slot.starts_at).pack(),
        )
        for slot in slots
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _reason(lang: str, view: AppointmentView, key: str) -> Raw:
    """The visit's reason as a line (HTML) for what the doctor reads; empty when there is none."""
    return Raw(t(lang, key, reason=view.reason) if view.reason else "")


def _notice(lang: str, item: Claimed, view: AppointmentView, services: Services) -> str:
    tz = services.settings.timezone
    values = {
        "when": when(lang, view.starts_at, view.ends_at, tz),
        "patient": view.patient_name,
        "phone": phone_text(services.settings, view.patient_phone) or "—",
        "doctor": view.doctor_name,
        "specialty": view.specialty,
    }
    if item.previous_starts_at is not None:
        old_end = item.previous_starts_at + (view.ends_at - view.starts_at)
        values["old"] = when(lang, item.previous_starts_at, old_end, tz)
    text = t(lang, _NOTICE_TEXTS[item.kind], **values)
    reason = reason_text(lang, view.change_reason, view.change_note)
    if reason and item.kind is not DeliveryKind.CLINIC_BOOKED:
        text += "\n" + t(lang, "notice.reason", reason=reason)
    if item.kind is DeliveryKind.DOCTOR_BOOKED:
        text += _reason(lang, view, "notice.visit_reason")
    return text


def _agenda(lang: str, day: date, items: list[AppointmentView], services: Services) -> list[str]:
    """The day's agenda: one message, or several (each saying which part it is) when it would
    not fit in one."""
    tz = services.settings.timezone
    header = t(
        lang,
        "agenda.header",
        name=items[0].doctor_name,
        date=long_date(lang, day),
        zone=tz.key,
        count=len(items),
    )
    lines = [
        t(
            lang,
            "agenda.line",
            start=clock(item.starts_at, tz),
            end=clock(item.ends_at, tz),
            patient=item.patient_name,
            phone=phone_text(services.settings, item.patient_phone) or "—",
        )
        + _reason(lang, item, "arrival.reason_line")
        for item in items
    ]
    parts = lines_in_pages(lines, TEXT_BUDGET - visible_length(header))
    if len(parts) == 1:
        return ["\n".join([header, *lines])]
    return [
        "\n".join(
            [t(lang, "agenda.part", header=Raw(header), part=number, parts=len(parts)), *part]
        )
        for number, part in enumerate(parts, start=1)
    ]


# --- chat ---------------------------------------------------------------------------------------


def may_have_arrived(exc: TelegramError) -> bool:
    """Whether Telegram may have taken a message whose send raised ``exc``: the request went
    out and its answer was lost (read timeout, connection dropped). An error Telegram answered
    with, or one raised before the request was sent, means it surely did not."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False
    cause = exc.__cause__
    if cause is None or isinstance(cause, TelegramError):
        return False  # Telegram (or a proxy before it) answered with an error status
    return not isinstance(
        cause,
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.WriteError
        | httpx.WriteTimeout | httpx.UnsupportedProtocol,
    )  # fmt: skip


async def send_chat(bot: Any, worker: DeliveryWorker, claimed: list[Claimed]) -> None:
    """Send a batch of chat deliveries, ``TELEGRAM_CONCURRENCY`` at a time."""
    services = worker.services
    now = services.clock.now()
    tz = services.settings.timezone
    async with services.transaction() as s:
        views = await appointment_views(
            s, [c.appointment_id for c in claimed if c.appointment_id is not None]
        )
        recipients = {c.recipient_id for c in claimed}
        chats = await live_chats_for(s, user_ids=list(recipients), now=now)
        langs = await languages(s, recipients)
        agendas: dict[int, list[AppointmentView]] = {}
        offers: dict[int, list[Slot]] = {}
        freed: dict[int, OfferView | str] = {}
        profiles: dict[int, DoctorView] = {}
        # The names of the closures that cancelled appointments, by appointment.
        closures = await closure_names_of(
            s,
            [
                c.appointment_id
                for c in claimed
                if c.kind is DeliveryKind.CLINIC_CANCELLED and c.appointment_id is not None
            ],
        )
        for item in claimed:
            if item.kind is DeliveryKind.PROFILE_CHANGED:
                with contextlib.suppress(NotFound):
                    profiles[item.id] = await get_doctor(s, item.recipient_id)
            if item.kind is DeliveryKind.SLOT_OFFER:
                freed[item.id] = await _freed_time(s, item, services)
            view = views.get(item.appointment_id or 0)
            if item.kind is DeliveryKind.CLINIC_CANCELLED and view is not None:
                offers[item.id] = await _offers(s, view, services)
            if item.kind is DeliveryKind.AGENDA and item.agenda_day is not None:
                start, end = day_bounds(item.agenda_day, item.agenda_day, tz)
                day = await schedule(s, doctor_id=item.recipient_id, start=start, end=end)
                if any(a.status == AppointmentStatus.BOOKED and a.starts_at > now for a in day):
                    agendas[item.id] = day
    gate = asyncio.Semaphore(TELEGRAM_CONCURRENCY)

    async def one(item: Claimed) -> None:
        lang = language_of(langs.get(item.recipient_id))
        try:
            if item.kind is DeliveryKind.SLOT_OFFER:
                message = _freed_message(lang, freed[item.id], services)
            elif item.kind is DeliveryKind.PROFILE_CHANGED:
                message = _profile_message(lang, profiles.get(item.id))
            else:
                message = _compose(item, lang, views, agendas, offers, closures, services)
        except Exception:  # one bad row never stops the batch
            log.exception("could not write delivery %s", item.id)
            worker.keep(failure(item, "internal: could not write the message", now))
            return
        if isinstance(message, str):
            worker.keep(Outcome(item.id, Result.SKIPPED, now, error=message))
            return
        texts, markup = message
        targets = chats.get(item.recipient_id, [])
        if not targets:
            error = "the recipient has no chat with the bot"
            worker.keep(Outcome(item.id, Result.SKIPPED, now, error=error))
            return
        async with gate:
            if not worker.may_send():
                worker.release([item])
                return
            try:
                outcome = await _send_to_chats(bot, services, item, targets, texts, markup)
            except Exception as exc:  # one bad row never stops the batch
                log.exception("telegram delivery %s failed", item.id)
                outcome = failure(item, f"internal: {type(exc).__name__}", services.clock.now())
        worker.keep(outcome)

    with bulk():  # paced at Telegram's limit for broadcasts; replies to users never wait
        await asyncio.gather(*(one(item) for item in claimed))


async def _offers(s: Any, view: AppointmentView, services: Services) -> list[Slot]:
    """The doctor's next free times for a patient whose visit the clinic cancelled (none when
    the doctor no longer takes appointments, or the patient already booked from the offer)."""
    if view.rebooked_as is not None:
        return []
    try:
        doctor = await get_doctor(s, view.doctor_id, bookable=True)
    except NotFound:
        return []
    now = services.clock.now()
    slots = await next_free_slots(
        s,
        doctor=doctor,
        policy=policy_of(services.settings),
        now=now,
        after=now,
        patient_id=view.patient_id,
        limit=OFFERS + 1,
    )
    # Not the time just cancelled: the clinic could not keep it.
    cancelled = [x for x in slots if x.starts_at < view.ends_at and x.ends_at > view.starts_at]
    return [x for x in slots if x not in cancelled][:OFFERS]


async def _freed_time(s: Any, item: Claimed, services: Services) -> OfferView | str:
    """A waitlist offer as it stands now, or why it is no longer one."""
    assert item.waitlist_entry_id and item.offer_doctor_id and item.offer_starts_at
    return await offer_to_send(
        s,
        entry_id=item.waitlist_entry_id,
        doctor_id=item.offer_doctor_id,
        starts_at=item.offer_starts_at,
        policy=policy_of(services.settings),
        now=services.clock.now(),
    )


def _freed_message(
    lang: str, offer: OfferView | str, services: Services
) -> tuple[list[str], InlineKeyboardMarkup | None] | str:
    """A freed time offered to a waiting patient: Take this time (or Move my visit here), and
    Leave the waitlist."""
    if isinstance(offer, str):
        return offer
    tz = services.settings.timezone
    values = {
        "doctor": offer.doctor_name,
        "specialty": offer.specialty,
        "when": when(lang, offer.starts_at, offer.ends_at, tz),
    }
    if offer.current_starts_at is not None:
        current = when_short(lang, offer.current_starts_at, tz)
        text, take = t(lang, "waitlist.offer.earlier", current=current, **values), "move"
    else:
        text, take = t(lang, "waitlist.offer", **values), "take"
    data = TakeFreedTime(entry=offer.entry_id, doctor=offer.doctor_id, starts_at=offer.starts_at)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(lang, f"waitlist.btn.{take}"), callback_data=data.pack())],
            [
                InlineKeyboardButton(
                    t(lang, "waitlist.btn.leave"),
                    callback_data=LeaveWaitlist(entry=offer.entry_id, listed=False).pack(),
                )
            ],
        ]
    )
    return [text], markup


def _profile_message(
    lang: str, doctor: DoctorView | None
) -> tuple[list[str], InlineKeyboardMarkup | None] | str:
    """What an admin's change made of the doctor's details, as they are now."""
    if doctor is None:
        return "doctor gone"
    text = t(
        lang,
        "notice.profile_changed",
        name=doctor.name,
        specialty=doctor.specialty,
        email=doctor.email,
        minutes=doctor.slot_minutes,
    )
    return [text], None


def _compose(
    item: Claimed,
    lang: str,
    views: dict[int, AppointmentView],
    agendas: dict[int, list[AppointmentView]],
    offers: dict[int, list[Slot]],
    closures: dict[int, str],
    services: Services,
) -> tuple[list[str], InlineKeyboardMarkup | None] | str:
    """The message of ``item`` (an agenda may take several), or why there is nothing to send."""
    if item.kind is DeliveryKind.AGENDA:
        items = agendas.get(item.id)
        if not items or item.agenda_day is None:
            return "no appointment left that day"
        return _agenda(lang, item.agenda_day, items, services), None
    if item.kind is DeliveryKind.EMAIL_CLAIMED:
        return [t(lang, "notice.email_claimed")], None
    view = views.get(item.appointment_id or 0)
    if view is None:
        return "appointment gone"
    if item.kind is DeliveryKind.REMINDER:
        now, tz = services.clock.now(), services.settings.timezone
        return [_reminder(lang, item, view, services)], reminder_buttons(lang, view, now, tz)
    text = _notice(lang, item, view, services)
    if item.kind is DeliveryKind.CLINIC_CANCELLED and view.id in closures:
        text += "\n" + t(lang, "notice.closure", name=closures[view.id])
    if item.kind in _WITH_BUTTONS:
        return [text], notice_buttons(lang, view.id)
    slots = offers.get(item.id)
    if slots:
        tz = services.settings.timezone
        text += "\n\n" + t(lang, "notice.offers", doctor=view.doctor_name, zone=tz.key)
        return [text], offer_buttons(lang, view.id, slots, services)
    return [text], None


async def _send_to_chats(
    bot: Any,
    services: Services,
    item: Claimed,
    chats: list[int],
    texts: list[str],
    markup: InlineKeyboardMarkup | None,
) -> Outcome:
    """Send ``texts`` (the parts of one message, in order) to each chat. A chat counts as
    reached once every part went; a part that failed is sent again with the others."""
    sent, blocked, errors = 0, 0, []
    retry_after: float | None = None
    uncertain = False
    for chat_id in chats:
        try:
            for text in texts:
                await bot.send_message(
                    chat_id,
                    text,
                    reply_markup=markup,
                    read_timeout=services.settings.telegram_send_timeout,
                )
            sent += 1
        except Forbidden as exc:
            blocked += 1
            errors.append(f"chat blocked the bot: {exc.message}")
        except RetryAfter as exc:
            retry_after = max(retry_after or 0, _seconds(exc.retry_after))
            errors.append(f"rate limited: retry after {exc.retry_after}")
        except BadRequest as exc:
            errors.append(f"refused: {exc.message}")
        except TelegramError as exc:
            if may_have_arrived(exc):
                uncertain = True
                errors.append(f"no answer, may have arrived: {exc.message}")
            else:
                errors.append(f"{type(exc).__name__}: {exc.message}")
    now = services.clock.now()
    error = "; ".join(errors)
    if sent:
        return Outcome(item.id, Result.SENT, now, error=error or None)
    if blocked == len(chats):
        # Not retried: the recipient blocked the bot. Email still goes on its own row.
        return Outcome(item.id, Result.FAILED, now, error=errors[0])
    after = timedelta(seconds=retry_after) if retry_after is not None else None
    return failure(item, error, now, after=after, uncertain=uncertain)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- email --------------------------------------------------------------------------------------


def email_appointment(
    view: AppointmentView, services: Services, kind: DeliveryKind | None = None
) -> EmailAppointment:
    """The appointment as the mailer writes about it (for a ``kind`` of email: whether the
    clinic made the change it confirms, and why; never the visit's own reason)."""
    assert view.patient_email is not None
    clinic = services.settings.clinic
    language = language_of(view.patient_language)
    if kind is DeliveryKind.BOOKED:
        by_clinic = view.booked_by_clinic
    elif kind is DeliveryKind.CANCELLED:
        by_clinic = view.cancelled_by is not None and view.cancelled_by != view.patient_id
    elif kind is DeliveryKind.RESCHEDULED:
        by_clinic = view.change_reason is not None or view.change_note is not None
    else:
        by_clinic = False
    return EmailAppointment(
        appointment_id=view.id,
        sequence=view.version,
        patient_name=view.patient_name,
        patient_email=view.patient_email,
        doctor_name=view.doctor_name,
        specialty=view.specialty,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        timezone=services.settings.timezone,
        language=language,
        by_clinic=by_clinic,
        reason=reason_text(language, view.change_reason, view.change_note) if by_clinic else "",
        clinic_name=clinic.name,
        clinic_address=clinic.address,
        clinic_phone=clinic.phone,
        clinic_map_url=clinic.map_url,
    )


async def send_email(worker: DeliveryWorker, claimed: list[Claimed]) -> None:
    """Send a batch of emails, one after another on one SMTP connection."""
    services = worker.services
    mailer = services.mailer
    if mailer is None:
        now = services.clock.now()
        for item in claimed:
            worker.keep(Outcome(item.id, Result.SKIPPED, now, error="email is not configured"))
        return
    async with services.transaction() as s:
        views = await appointment_views(
            s, [c.appointment_id for c in claimed if c.appointment_id is not None]
        )
    remaining = list(claimed)
    try:
        async with mailer.connection() as conn:
            while remaining:
                item = remaining[0]
                if not worker.may_send():
                    break
                view = views.get(item.appointment_id or 0)
                now = services.clock.now()
                if view is None or view.patient_email is None:
                    error = "appointment gone" if view is None else "the patient has no email"
                    worker.keep(Outcome(item.id, Result.SKIPPED, now, error=error))
                    remaining.pop(0)
                    continue
                message = build_email(
                    _EMAIL_KINDS[item.kind],
                    email_appointment(view, services, item.kind),
                    sender=mailer.config,
                    lead=lead_of(item, view, now) if item.kind is DeliveryKind.REMINDER else None,
                    now=now,
                    message_key=f"delivery-{item.id}",
                )
                try:
                    await conn.send(message)
                except MailError as exc:
                    remaining.pop(0)
                    now = services.clock.now()
                    if exc.permanent:
                        worker.keep(Outcome(item.id, Result.FAILED, now, error=str(exc)))
                    else:
                        worker.keep(failure(item, str(exc), now))
                    if exc.code is None and not exc.permanent:
                        # No answer at all (timeout, connection lost): the server is unwell;
                        # the rest of the batch waits for the next try.
                        raise
                    continue
                remaining.pop(0)
                worker.keep(Outcome(item.id, Result.SENT, services.clock.now()))
    except MailError as exc:
        # The server could not be reached, or stopped answering: the rest waits.
        log.warning("email delivery unavailable: %s", exc)
        now = services.clock.now()
        for item in remaining:
            worker.keep(failure(item, str(exc), now))
        return
    worker.release(remaining)
