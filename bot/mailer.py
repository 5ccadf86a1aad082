"""Appointment emails: text and HTML in the patient's language, a calendar file, and SMTP delivery.

Messages are built by :func:`build_email` (the short emails that carry account codes by
:func:`build_account_email`) and sent through :class:`Mailer`, which keeps one SMTP
connection (STARTTLS, implicit TLS or plain for a local relay) for a batch of messages.
"""

from __future__ import annotations

import asyncio
import email.policy
import html
import logging
import ssl
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.charset import Charset
from email.errors import HeaderParseError
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UniqueAddressHeader
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from email.utils import format_datetime, make_msgid, quote
from enum import StrEnum
from typing import Final, Literal
from zoneinfo import ZoneInfo

import aiosmtplib
from icalendar import Calendar, Event, vCalAddress, vText

from bot.formatting import lead_phrase
from bot.texts import CATALOG, language_of

log = logging.getLogger(__name__)

Security = Literal["starttls", "ssl", "none"]
SECURITIES: Final[tuple[Security, ...]] = ("starttls", "ssl", "none")
FALLBACK_DOMAIN: Final = "clinic-bot.local"
ICS_FILENAME: Final = "appointment.ics"
_PRODID: Final = "-//Clinic Bot//Appointments//EN"
_QUIT_TIMEOUT: Final = 5.0
_MAX_DETAIL: Final = 200


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server and whom the emails come from."""

    host: str
    port: int
    security: Security
    username: str
    password: str = field(repr=False)
    from_name: str = "Clinic App"
    from_address: str = ""
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ValueError(f"unknown SMTP security {self.security!r}; use one of {SECURITIES}")
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port out of range: {self.port}")
        if self.timeout <= 0:
            raise ValueError("SMTP timeout must be positive")
        if not self.from_address:
            object.__setattr__(self, "from_address", self.username)
        if not self.from_address:
            raise ValueError("no sender address: set the SMTP username or from_address")
        _parse_address(self.from_address)

    @property
    def uid_domain(self) -> str:
        """The sender address's domain, for Message-IDs and calendar UIDs."""
        return _domain_of(self.from_address)


@dataclass(frozen=True)
class EmailAppointment:
    """What an appointment email says: who, with whom, when, and in which language."""

    appointment_id: int
    sequence: int
    patient_name: str
    patient_email: str
    doctor_name: str
    specialty: str
    starts_at: datetime
    ends_at: datetime
    timezone: ZoneInfo
    language: str
    clinic_name: str = "Clinic"
    # The clinic (not the patient) made the change the email confirms, and why (plain text).
    by_clinic: bool = False
    reason: str = ""
    clinic_address: str = ""
    clinic_phone: str = ""
    clinic_map_url: str = ""

    def __post_init__(self) -> None:
        if self.starts_at.utcoffset() is None or self.ends_at.utcoffset() is None:
            raise ValueError("appointment times must be timezone-aware")
        if self.ends_at <= self.starts_at:
            raise ValueError("an appointment must end after it starts")
        if self.sequence < 0:
            raise ValueError("the calendar sequence cannot be negative")


class EmailKind(StrEnum):
    """Why an appointment email is sent."""

    REMINDER = "reminder"
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class MailError(Exception):
    """Sending failed; ``permanent`` when sending the same message again cannot succeed.

    ``permanent`` is True only when the server refuses this message or its recipient for good
    (a 5xx reply to RCPT or DATA, an address the server cannot take). Everything that does not
    depend on the message is temporary: connection and TLS failures, timeouts, 4xx replies, and
    rejected credentials (535), since fixing the account makes the same message deliverable.
    ``code`` is the SMTP reply code when the server gave one.
    """

    def __init__(self, message: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


# --- Texts ---------------------------------------------------------------------------------------


def _template(lang: str, key: str) -> str:
    en, es = CATALOG[key]
    return es if lang == "es" else en


def _plain(lang: str, key: str, /, **values: object) -> str:
    """The text ``key`` filled with raw values, for the plain-text part and headers."""
    return _template(lang, key).format(**values)


def _html(lang: str, key: str, /, **values: object) -> str:
    """The text ``key`` with the template and every value HTML-escaped."""
    template = html.escape(_template(lang, key), quote=False)
    return template.format(**{name: html.escape(str(value)) for name, value in values.items()})


def _one_line(value: str) -> str:
    """``value`` without control characters or line breaks, its whitespace collapsed."""
    cleaned = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char for char in value
    )
    return " ".join(cleaned.split())


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta()
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _when_short(lang: str, moment: datetime, zone: ZoneInfo) -> str:
    """E.g. "Tue 1 Dec 2026 at 10:30 (Europe/Madrid)"."""
    local = moment.astimezone(zone)
    return _plain(
        lang,
        "email.when.short",
        weekday=_plain(lang, f"date.weekday_short.{local.weekday()}"),
        day=local.day,
        month=_plain(lang, f"date.month_short.{local.month}"),
        year=local.year,
        time=f"{local:%H:%M}",
        zone=zone.key,
    )


def _when_long(lang: str, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """E.g. "Tuesday 1 December 2026, 10:30–11:00 (Europe/Madrid, UTC+01:00)"."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    values: dict[str, object] = {
        "weekday": _plain(lang, f"date.weekday.{start.weekday()}"),
        "day": start.day,
        "month": _plain(lang, f"date.month.{start.month}"),
        "year": start.year,
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "zone": zone.key,
        "offset": _offset(start),
    }
    if end.date() == start.date():
        return _plain(lang, "email.when.long", **values)
    end_date = f"{end.day} {_plain(lang, f'date.month_short.{end.month}')} {end.year}"
    return _plain(lang, "email.when.long_overnight", end_date=end_date, **values)


def _doctor(lang: str, name: str) -> str:
    """The doctor's display name, titled unless the stored name already has a title."""
    name = _one_line(name)
    if name.lower().startswith(("dr.", "dr ", "dra.", "dra ")):
        return name
    return _plain(lang, "email.doctor", name=name)


# --- Addresses -----------------------------------------------------------------------------------


def _parse_address(address: str) -> Address:
    try:
        return Address(addr_spec=address)
    except (ValueError, HeaderParseError) as exc:
        raise ValueError(f"invalid email address {address!r}") from exc


def _domain_of(address: str) -> str:
    domain = address.rpartition("@")[2] if "@" in address else ""
    return domain.strip().lower() or FALLBACK_DOMAIN


def _mailbox(name: str, address: str) -> Address:
    """A From/To value: the display name and the address kept apart, never one parsed string."""
    return Address(display_name=_one_line(name), addr_spec=_parse_address(address).addr_spec)


# A non-ASCII display name goes in RFC 2047 encoded words of at most 45 bytes of UTF-8 each:
# 60 characters of base64, so a word stays within the 75 characters an encoded word may have.
_WORD_BYTES: Final = 45
_UTF8: Final = Charset("utf-8")


def _encoded_words(text: str) -> str:
    """``text`` as RFC 2047 encoded words, as few as fit; every special character is encoded."""
    chunks = [""]
    for char in text:
        if len((chunks[-1] + char).encode()) > _WORD_BYTES:
            chunks.append("")
        chunks[-1] += char
    return " ".join(_UTF8.header_encode(chunk) for chunk in chunks)


def _mailbox_text(address: Address) -> str | None:
    """``"Name" <addr>`` in ASCII: the name quoted, or in encoded words when it is not ASCII;
    ``None`` for an address that is not ASCII itself."""
    if not address.addr_spec.isascii():
        return None
    name = address.display_name
    if not name:
        return address.addr_spec
    phrase = f'"{quote(name)}"' if name.isascii() else _encoded_words(name)
    return f"{phrase} <{address.addr_spec}>"


def _fold_at_spaces(line: str, width: int | None, linesep: str) -> str:
    """``line`` broken before some of its spaces, each piece within ``width`` where possible.

    Unfolding a header removes exactly the line breaks added here, so the header reads as its
    one-line form whatever was quoted or encoded in it.
    """
    pieces: list[str] = []
    rest = line
    while width and len(rest) > width:
        breaks = [
            index
            for index, char in enumerate(rest)
            if char == " " and rest[:index].strip() and rest[index:].strip()
        ]
        if not breaks:
            break
        fitting = [index for index in breaks if index <= width]
        cut = fitting[-1] if fitting else breaks[0]
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return linesep.join(pieces) + linesep


# The header registry combines every header class with BaseHeader; typeshed types them apart.
class _MailboxHeader(UniqueAddressHeader, BaseHeader):  # type: ignore[misc]
    """From and To, written from their :class:`Address` objects and folded only at spaces.

    The email library of some Python releases drops a quoted display name's quotes when it has
    to fold it, so a name holding ``<attacker@evil.example>, Bob`` became more recipients. Here
    no display name can change what the header says, folded or not.
    """

    def fold(self, *, policy: Policy) -> str:
        texts = [_mailbox_text(address) for address in self.addresses]
        if not texts or any(text is None for text in texts):
            return super().fold(policy=policy)
        line = f"{self.name}: {', '.join(str(text) for text in texts)}"
        return _fold_at_spaces(line, policy.max_line_length, policy.linesep)


def _message_policy() -> EmailPolicy[EmailMessage]:
    registry = HeaderRegistry()
    for name in ("from", "to"):
        registry.map_to_type(name, _MailboxHeader)
    return email.policy.default.clone(header_factory=registry)


_POLICY: Final = _message_policy()


# --- Calendar file -------------------------------------------------------------------------------


def appointment_uid(appointment_id: int, uid_domain: str) -> str:
    """The calendar UID of an appointment, the same for all its emails."""
    return f"appointment-{appointment_id}@{uid_domain or FALLBACK_DOMAIN}"


def build_ics(
    appt: EmailAppointment,
    *,
    cancelled: bool,
    organizer: str,
    uid_domain: str,
    organizer_name: str = "",
    now: datetime | None = None,
) -> bytes:
    """The iCalendar file (METHOD REQUEST, or CANCEL when ``cancelled``) for ``appt``.

    A cancellation carries ``appt.sequence + 1`` so calendars take it as newer than the last
    request, whether or not the caller bumped the sequence when cancelling.
    """
    lang = language_of(appt.language)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    doctor = _doctor(lang, appt.doctor_name)
    specialty = _one_line(appt.specialty)
    clinic = _one_line(appt.clinic_name)
    address = _one_line(appt.clinic_address)
    description = _plain(
        lang, "email.ics.description", doctor=doctor, specialty=specialty, clinic=clinic
    )
    if appt.clinic_phone:
        description += "\n" + _plain(lang, "email.signature.phone", phone=appt.clinic_phone)

    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", appointment_uid(appt.appointment_id, uid_domain))
    event.add("sequence", appt.sequence + 1 if cancelled else appt.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appt.starts_at.astimezone(UTC))
    event.add("dtend", appt.ends_at.astimezone(UTC))
    event.add("summary", _plain(lang, "email.ics.summary", doctor=doctor, specialty=specialty))
    event.add("description", description)
    event.add("location", f"{clinic}, {address}" if address else clinic)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")

    organizer_address = vCalAddress(f"mailto:{_parse_address(organizer).addr_spec}")
    if _one_line(organizer_name or clinic):
        organizer_address.params["CN"] = vText(_one_line(organizer_name or clinic))
    event.add("organizer", organizer_address)

    attendee = vCalAddress(f"mailto:{_parse_address(appt.patient_email).addr_spec}")
    if _one_line(appt.patient_name):
        attendee.params["CN"] = vText(_one_line(appt.patient_name))
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["RSVP"] = "FALSE"
    event.add("attendee", attendee)

    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics


# --- The email -----------------------------------------------------------------------------------


def build_email(
    kind: EmailKind,
    appt: EmailAppointment,
    *,
    sender: SmtpConfig,
    lead: timedelta | None = None,
    now: datetime | None = None,
    message_key: str | None = None,
) -> EmailMessage:
    """The ``kind`` email for ``appt``: text and HTML alternatives plus ``appointment.ics``.

    ``lead`` (reminders only) is how far off the reminder says the appointment is, phrased as
    the chat reminder phrases it (:func:`bot.formatting.lead_phrase`).
    ``message_key`` makes the Message-ID stable: the same message sent again (after an answer
    that never came) carries the same ID, which mail services show once. Raises ValueError when
    the patient's address is not a valid email address.
    """
    lang = language_of(appt.language)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    zone = appt.timezone
    cancelled = kind is EmailKind.CANCELLED
    if kind is EmailKind.REMINDER and lead is not None and lead < timedelta(minutes=1):
        raise ValueError("a reminder's lead time must be at least one minute")
    lead_text = lead_phrase(lang, lead) if kind is EmailKind.REMINDER and lead else None

    patient = _one_line(appt.patient_name)
    doctor = _doctor(lang, appt.doctor_name)
    specialty = _one_line(appt.specialty)
    clinic = _one_line(appt.clinic_name)
    variant = f"{kind.value}_lead" if lead_text else kind.value
    by_clinic = appt.by_clinic and kind is not EmailKind.REMINDER
    subject = _one_line(
        _plain(
            lang,
            "email.subject.clinic",
            clinic=clinic,
            subject=_plain(
                lang,
                f"email.subject.{variant}",
                doctor=doctor,
                when=_when_short(lang, appt.starts_at, zone),
                lead=lead_text or "",
            ),
        )
    )
    intro_key = f"email.intro.{variant}_by_clinic" if by_clinic else f"email.intro.{variant}"
    intro = {"clinic": clinic, "lead": lead_text or ""}
    rows = [
        ("email.label.when", _when_long(lang, appt.starts_at, appt.ends_at, zone)),
        ("email.label.doctor", doctor),
        ("email.label.specialty", specialty),
    ]
    if by_clinic and _one_line(appt.reason):
        rows.append(("email.label.reason", _one_line(appt.reason)))
    phone = _one_line(appt.clinic_phone)
    closing: list[tuple[str, dict[str, str]]] = [
        ("email.calendar.remove" if cancelled else "email.calendar.add", {})
    ]
    if not cancelled:
        closing.append(("email.manage_phone", {"phone": phone}) if phone else ("email.manage", {}))
    elif by_clinic:
        closing.append(("email.rebook", {}))
    # The signature: the clinic's name, address, phone and map link, as far as they are set.
    address, map_url = _one_line(appt.clinic_address), _one_line(appt.clinic_map_url)
    signature = [clinic]
    if address:
        signature.append(address)
    if phone:
        signature.append(_plain(lang, "email.signature.phone", phone=phone))
    signature_html = [html.escape(line) for line in signature]
    if map_url:
        signature.append(_plain(lang, "email.signature.map", url=map_url))
        label = _html(lang, "email.signature.map_link")
        signature_html.append(f'<a href="{html.escape(map_url, quote=True)}">{label}</a>')

    text_lines = [
        _plain(lang, "email.greeting", name=patient) if patient else "",
        "",
        _plain(lang, intro_key, **intro),
        "",
        *(f"{_plain(lang, label)}: {value}" for label, value in rows),
        "",
        *(_plain(lang, key, **values) for key, values in closing),
        "",
        "-- ",
        *signature,
        _plain(lang, "email.automatic"),
    ]
    if not patient:
        text_lines = text_lines[2:]
    text = "\n".join(text_lines) + "\n"

    table = "\n".join(
        f'<tr><th align="left" style="padding:4px 12px 4px 0">{_html(lang, label)}</th>'
        f"<td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    greeting = f"<p>{_html(lang, 'email.greeting', name=patient)}</p>\n" if patient else ""
    closing_html = "\n".join(f"<p>{_html(lang, key, **values)}</p>" for key, values in closing)
    html_body = (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.5">\n'
        f"{greeting}"
        f"<p>{_html(lang, intro_key, **intro)}</p>\n"
        f'<table role="presentation" style="border-collapse:collapse">\n{table}\n</table>\n'
        f"{closing_html}\n"
        f'<p style="color:#666;font-size:12px">{"<br>".join(signature_html)}<br>\n'
        f"{_html(lang, 'email.automatic')}</p>\n"
        "</body>\n</html>\n"
    )

    ics = build_ics(
        appt,
        cancelled=cancelled,
        organizer=sender.from_address,
        uid_domain=sender.uid_domain,
        organizer_name=clinic,
        now=stamp,
    )

    message = EmailMessage(policy=_POLICY)
    message["From"] = _mailbox(sender.from_name, sender.from_address)
    message["To"] = _mailbox(appt.patient_name, appt.patient_email)
    message["Subject"] = subject
    message["Date"] = format_datetime(stamp)
    message["Message-ID"] = (
        f"<{message_key}@{sender.uid_domain}>"
        if message_key
        else make_msgid(domain=sender.uid_domain)
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html_body, subtype="html")
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=ICS_FILENAME,
        params={"method": "CANCEL" if cancelled else "REQUEST", "charset": "utf-8"},
    )
    # After the parts: setting content drops a message's Content-* headers.
    message["Content-Language"] = lang
    return message


# --- Sending -------------------------------------------------------------------------------------


class MailConnection:
    """One SMTP session reused for a batch of emails; reconnects once when it drops."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._smtp = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            use_tls=config.security == "ssl",
            start_tls=config.security == "starttls",
            tls_context=config.tls_context,
            timeout=config.timeout,
        )
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def connected(self) -> bool:
        """Whether the SMTP session is currently open."""
        return self._smtp.is_connected

    async def open(self) -> None:
        """Connect, secure the connection as configured and log in; raises MailError."""
        config = self._config
        try:
            await self._smtp.connect()
            if config.username:
                await self._smtp.login(config.username, config.password)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._smtp.close()
            raise self._connect_error(exc) from exc
        except BaseException:
            self._smtp.close()
            raise

    async def send(self, message: EmailMessage) -> None:
        """Send ``message`` to its recipients; raises MailError on failure."""
        async with self._lock:
            if self._closed:
                raise RuntimeError("send() on a closed mail connection")
            reconnected = False
            if not self._smtp.is_connected:
                log.info("SMTP connection to %s is closed; reconnecting", self._where)
                await self.open()
                reconnected = True
            try:
                await self._send_once(message)
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPResponseException) as exc:
                if reconnected or not self._dropped(exc):
                    raise self._send_error(exc) from exc
                log.info("SMTP connection to %s dropped; reconnecting once", self._where)
                self._smtp.close()
                await self.open()
                try:
                    await self._send_once(message)
                except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as again:
                    raise self._send_error(again) from again
            except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
                raise self._send_error(exc) from exc

    async def close(self) -> None:
        """Say QUIT and close the connection; later sends fail."""
        self._closed = True
        if not self._smtp.is_connected:
            return
        try:
            await self._smtp.quit(timeout=min(_QUIT_TIMEOUT, self._config.timeout))
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            self._smtp.close()

    async def _send_once(self, message: EmailMessage) -> None:
        refused, _ = await self._smtp.send_message(message)
        if refused:
            # Some recipients took the message; sending it again would duplicate it for them.
            codes = ", ".join(str(response.code) for response in refused.values())
            log.warning("SMTP server refused %d recipient(s) (%s)", len(refused), codes)

    @property
    def _where(self) -> str:
        return f"{self._config.host}:{self._config.port}"

    @staticmethod
    def _dropped(exc: Exception) -> bool:
        if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
            return True
        # 421: the server is closing the channel (e.g. an idle connection).
        return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code == 421

    def _detail(self, exc: BaseException) -> str:
        """A short description of ``exc`` that cannot carry the password."""
        text = _one_line(str(exc)) or type(exc).__name__
        if self._config.password:
            text = text.replace(self._config.password, "***")
        return text[:_MAX_DETAIL]

    def _connect_error(self, exc: BaseException) -> MailError:
        config = self._config
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return MailError(
                f"SMTP login as {config.username} on {self._where} was rejected: "
                f"{exc.code} {self._detail(exc)}",
                code=exc.code,
            )
        code = exc.code if isinstance(exc, aiosmtplib.SMTPResponseException) else None
        return MailError(
            f"cannot open an SMTP session with {self._where} ({config.security}): "
            f"{self._detail(exc)}",
            code=code,
        )

    def _send_error(self, exc: BaseException) -> MailError:
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [refusal.code for refusal in exc.recipients]
            details = "; ".join(
                f"{refusal.code} {self._detail(refusal)}" for refusal in exc.recipients
            )
            return MailError(
                f"SMTP server refused the recipient: {details}",
                permanent=all(500 <= code < 600 for code in codes),
                code=codes[0] if codes else None,
            )
        if isinstance(exc, aiosmtplib.SMTPSenderRefused):
            return MailError(
                f"SMTP server refused the sender: {exc.code} {self._detail(exc)}", code=exc.code
            )
        if isinstance(exc, aiosmtplib.SMTPDataError):
            return MailError(
                f"SMTP server refused the message: {exc.code} {self._detail(exc)}",
                permanent=500 <= exc.code < 600,
                code=exc.code,
            )
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            return MailError(
                f"SMTP server error: {exc.code} {self._detail(exc)}",
                permanent=False,
                code=exc.code,
            )
        if isinstance(exc, aiosmtplib.SMTPNotSupported | ValueError):
            return MailError(f"the message cannot be sent: {self._detail(exc)}", permanent=True)
        return MailError(f"sending through {self._where} failed: {self._detail(exc)}")


class Mailer:
    """Sends emails through one SMTP account."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    @property
    def config(self) -> SmtpConfig:
        """The SMTP settings and sender this mailer uses."""
        return self._config

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[MailConnection]:
        """One SMTP connection for a batch: opened (MailError if it cannot be), QUIT on exit."""
        connection = MailConnection(self._config)
        await connection.open()
        try:
            yield connection
        finally:
            await connection.close()

    async def send(self, message: EmailMessage) -> None:
        """Send one email on a connection of its own."""
        async with self.connection() as connection:
            await connection.send(message)


# --- Account emails: the codes of /register, /reset and /verify ----------------------------------


def build_account_email(
    kind: str,
    *,
    to: str,
    name: str,
    language: str | None,
    sender: SmtpConfig,
    code: str | None = None,
    minutes: int = 15,
    now: datetime | None = None,
) -> EmailMessage:
    """A short text and HTML email about an account: ``kind`` is ``register``, ``verify`` or
    ``reset`` (the email carries ``code``), or ``already_registered`` (a registration was tried
    at an address that has an account). Raises ValueError for an invalid address."""
    lang = language_of(language)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    values = {"code": code or "", "minutes": minutes}
    person = _one_line(name)
    subject = _one_line(_plain(lang, f"account_email.subject.{kind}", **values))
    keys = [f"account_email.body.{kind}", "account_email.not_you"]
    signature = _one_line(sender.from_name)
    text_lines = [
        *([_plain(lang, "email.greeting", name=person), ""] if person else []),
        *(line for key in keys for line in (_plain(lang, key, **values), "")),
        "-- ",
        signature,
        _plain(lang, "email.automatic"),
    ]
    greeting = f"<p>{_html(lang, 'email.greeting', name=person)}</p>\n" if person else ""
    paragraphs = "\n".join(f"<p>{_html(lang, key, **values)}</p>" for key in keys)
    html_body = (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.5">\n'
        f"{greeting}{paragraphs}\n"
        f'<p style="color:#666;font-size:12px">{html.escape(signature)}<br>\n'
        f"{_html(lang, 'email.automatic')}</p>\n"
        "</body>\n</html>\n"
    )
    message = EmailMessage(policy=_POLICY)
    message["From"] = _mailbox(sender.from_name, sender.from_address)
    message["To"] = _mailbox(name, to)
    message["Subject"] = subject
    message["Date"] = format_datetime(stamp)
    message["Message-ID"] = make_msgid(domain=sender.uid_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(text_lines) + "\n")
    message.add_alternative(html_body, subtype="html")
    message["Content-Language"] = lang
    return message
