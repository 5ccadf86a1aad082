"""Appointment emails, built and sent for real through the in-process SMTP server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.mailer import (
    EmailAppointment,
    EmailKind,
    Mailer,
    MailError,
    SmtpConfig,
    build_email,
    build_ics,
)
from tests.smtp_server import DEFAULT_PASSWORD, ReceivedMessage, SmtpTestServer

MADRID = ZoneInfo("Europe/Madrid")
SENDER = "clinic@clinic.test"
HOSTILE = '<script>alert(1)</script> & "Bobby"'
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

ServerFactory = Callable[..., SmtpTestServer]


def appointment(**changes: Any) -> EmailAppointment:
    values: dict[str, Any] = {
        "appointment_id": 42,
        "sequence": 0,
        "patient_name": "Bob Patient",
        "patient_email": "bob@patients.test",
        "doctor_name": "Ana López",
        "specialty": "Cardiology",
        "starts_at": datetime(2026, 12, 1, 10, 30, tzinfo=MADRID),
        "ends_at": datetime(2026, 12, 1, 11, 0, tzinfo=MADRID),
        "timezone": MADRID,
        "language": "en",
        "clinic_name": "Sol Clinic",
    }
    values.update(changes)
    return EmailAppointment(**values)


@pytest.fixture
async def smtp_server() -> AsyncIterator[ServerFactory]:
    """Starts SMTP test servers on demand; stops them after the test."""
    servers: list[SmtpTestServer] = []

    def start(**options: Any) -> SmtpTestServer:
        server = SmtpTestServer(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


async def started(factory: ServerFactory, **options: Any) -> SmtpTestServer:
    server = factory(**options)
    await server.start()
    return server


def parts(message: EmailMessage) -> tuple[str, str, EmailMessage]:
    """The text body, the HTML body and the calendar attachment of ``message``."""
    alternative = next(
        p for p in message.walk() if p.get_content_type() == "multipart/alternative"
    )
    assert isinstance(alternative, EmailMessage)
    text_part = alternative.get_body(preferencelist=("plain",))
    html_part = alternative.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    attachments = [p for p in message.iter_attachments() if isinstance(p, EmailMessage)]
    assert len(attachments) == 1
    return text_part.get_content(), html_part.get_content(), attachments[0]


def calendar_of(attachment: EmailMessage) -> Calendar:
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "appointment.ics"
    return Calendar.from_ical(attachment.get_content())


def roundtrip(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


# --- Delivery ----------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "ssl"])
async def test_tls_and_auth_deliver_the_email(smtp_server: ServerFactory, security: str) -> None:
    server = await started(smtp_server, security=security)
    config = server.config()
    message = build_email(EmailKind.BOOKED, appointment(), sender=config, now=NOW)

    async with Mailer(config).connection() as connection:
        await connection.send(message)

    [received] = server.messages
    assert received.secure
    assert received.login == SENDER
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ("bob@patients.test",)
    assert b'\r\nFrom: "Clinic App" <clinic@clinic.test>\r\n' in b"\r\n" + received.raw
    got = received.message
    [sender] = got["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Clinic App", SENDER)
    [patient] = got["To"].addresses
    assert (patient.display_name, patient.addr_spec) == ("Bob Patient", "bob@patients.test")
    assert got["Message-ID"].endswith("@clinic.test>")
    assert got["Date"].datetime == NOW
    assert got["Content-Language"] == "en"


# Folded by the email library without its quotes, this name used to read as two recipients.
FOLDED = "A very long patient name that will surely be folded <attacker@evil.example>, Bob"
QUOTED = 'The "quoted" \\ one, with a backslash and a long tail <x@evil.example>; Bcc: y@evil.test'


def _unfolded(raw: bytes, header: str) -> str:
    """The one ``header`` of a raw message, unfolded."""
    head = re.sub(rb"\r\n(?=[ \t])", b"", raw.split(b"\r\n\r\n", 1)[0]).decode("ascii")
    [value] = [
        line.partition(":")[2].strip()
        for line in head.split("\r\n")
        if line.lower().startswith(f"{header.lower()}:")
    ]
    return value


async def _deliver_with_names(factory: ServerFactory, name: str) -> ReceivedMessage:
    """A confirmation to a patient called ``name`` from a clinic called ``name``."""
    server = await started(factory, security="starttls")
    config = server.config(from_name=name)
    await Mailer(config).send(
        build_email(EmailKind.BOOKED, appointment(patient_name=name), sender=config)
    )
    [received] = server.messages
    headers = received.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert any(line.startswith(b" ") for line in headers), "the long headers were not folded"
    assert all(len(line) <= 78 for line in headers)
    return received


@pytest.mark.parametrize("name", [FOLDED, QUOTED])
async def test_a_display_name_never_adds_a_recipient(
    smtp_server: ServerFactory, name: str
) -> None:
    received = await _deliver_with_names(smtp_server, name)

    assert received.rcpt_tos == ("bob@patients.test",)
    got = received.message
    assert [(a.display_name, a.addr_spec) for a in got["To"].addresses] == [
        (name, "bob@patients.test")
    ]
    assert [(a.display_name, a.addr_spec) for a in got["From"].addresses] == [(name, SENDER)]
    assert got["Cc"] is None and got["Bcc"] is None


async def test_a_long_non_ascii_display_name_never_adds_a_recipient(
    smtp_server: ServerFactory,
) -> None:
    name = f"Dr. Íñigo Núñez-{FOLDED}"
    received = await _deliver_with_names(smtp_server, name)

    assert received.rcpt_tos == ("bob@patients.test",)
    got = received.message
    [patient] = got["To"].addresses
    assert patient.addr_spec == "bob@patients.test"
    [sender] = got["From"].addresses
    assert sender.addr_spec == SENDER
    # Mail programs join adjacent encoded words as RFC 2047 says (Python's own parser keeps a
    # space between them): read that way, each header is the name and its one address.
    for header, address in (("To", "bob@patients.test"), ("From", SENDER)):
        value = str(make_header(decode_header(_unfolded(received.raw, header))))
        assert value == f"{name} <{address}>"


@pytest.mark.parametrize("with_login", [False, True])
async def test_plain_relay_without_tls(smtp_server: ServerFactory, with_login: bool) -> None:
    server = await started(smtp_server, security="none", require_auth=with_login)
    config = server.config()
    assert bool(config.username) is with_login

    await Mailer(config).send(build_email(EmailKind.BOOKED, appointment(), sender=config))

    [received] = server.messages
    assert not received.secure
    assert received.login == (SENDER if with_login else None)


async def test_starttls_fails_without_a_trusted_certificate(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    # The system trust store does not know the test CA: the client must refuse the server.
    config = server.config(tls_context=None)

    with pytest.raises(MailError) as caught:
        async with Mailer(config).connection():
            pass

    assert not caught.value.permanent
    assert server.messages == []
    assert server.auth_failures == 0


async def test_wrong_password_is_a_temporary_error_without_the_password(
    smtp_server: ServerFactory,
) -> None:
    server = await started(smtp_server, security="starttls")
    wrong = "wrong-secret-pass-987"
    config = server.config(password=wrong)

    with pytest.raises(MailError) as caught:
        async with Mailer(config).connection():
            pass

    error = caught.value
    assert error.code == 535
    assert not error.permanent  # the account is misconfigured; the emails themselves are fine
    assert server.auth_failures >= 1
    assert server.messages == []
    for text in (str(error), repr(error), str(error.__cause__), repr(config)):
        assert wrong not in text
        assert DEFAULT_PASSWORD not in text
    assert "535" in str(error)


async def test_a_batch_uses_one_connection(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    messages = [
        build_email(kind, appointment(appointment_id=n), sender=config)
        for n, kind in enumerate(EmailKind)
    ]

    async with Mailer(config).connection() as connection:
        for message in messages[:2]:
            await connection.send(message)
        # Concurrent sends share the connection too, one after the other.
        async with asyncio.TaskGroup() as group:
            for message in messages[2:]:
                group.create_task(connection.send(message))

    assert len(server.messages) == len(messages)
    assert server.connections == 1


async def test_a_refused_recipient_is_permanent_and_the_batch_goes_on(
    smtp_server: ServerFactory,
) -> None:
    server = await started(smtp_server, security="starttls", refuse=["ghost@patients.test"])
    config = server.config()
    ghost = build_email(
        EmailKind.REMINDER, appointment(patient_email="ghost@patients.test"), sender=config
    )
    fine = build_email(EmailKind.REMINDER, appointment(), sender=config)

    async with Mailer(config).connection() as connection:
        with pytest.raises(MailError) as caught:
            await connection.send(ghost)
        await connection.send(fine)

    assert caught.value.permanent
    assert caught.value.code == 550
    assert [m.rcpt_tos for m in server.messages] == [("bob@patients.test",)]
    assert server.connections == 1


async def test_a_deferred_recipient_is_temporary(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls", defer=["bob@patients.test"])
    config = server.config()

    with pytest.raises(MailError) as caught:
        await Mailer(config).send(build_email(EmailKind.REMINDER, appointment(), sender=config))

    assert not caught.value.permanent
    assert caught.value.code == 450


async def test_smtp_down_then_up(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    mailer = Mailer(config)
    message = build_email(EmailKind.REMINDER, appointment(), sender=config)
    await server.stop()

    with pytest.raises(MailError) as caught:
        async with mailer.connection() as connection:
            await connection.send(message)
    assert not caught.value.permanent
    assert caught.value.code is None

    await server.start()
    async with mailer.connection() as connection:
        await connection.send(message)
    assert len(server.messages) == 1


async def test_a_dropped_connection_is_reopened_once(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    message = build_email(EmailKind.REMINDER, appointment(), sender=config)

    async with Mailer(config).connection() as connection:
        await connection.send(message)
        await server.restart()  # the open connection is cut; the server is back at once
        await connection.send(message)
        await connection.send(message)

    assert len(server.messages) == 3
    assert server.connections == 2


@pytest.mark.parametrize("fault", ["drop", "421 4.7.0 Try again later, closing connection"])
async def test_a_connection_cut_during_a_send_is_retried_once(
    smtp_server: ServerFactory, fault: str
) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    message = build_email(EmailKind.REMINDER, appointment(), sender=config)

    async with Mailer(config).connection() as connection:
        server.mail_faults = [fault]
        await connection.send(message)  # cut at MAIL, reconnected, sent
        assert server.connections == 2
        server.mail_faults = [fault, fault]
        with pytest.raises(MailError) as caught:
            await connection.send(message)  # cut again after the one reconnection
        await connection.send(message)

    assert not caught.value.permanent
    assert len(server.messages) == 2
    assert server.connections == 4


async def test_smtp_down_mid_batch_then_up(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="ssl")
    config = server.config()
    message = build_email(EmailKind.REMINDER, appointment(), sender=config)

    async with Mailer(config).connection() as connection:
        await connection.send(message)
        await server.stop()
        with pytest.raises(MailError) as caught:
            await connection.send(message)
        assert not caught.value.permanent
        await server.start()
        await connection.send(message)

    assert len(server.messages) == 2


async def test_a_closed_connection_refuses_to_send(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    async with Mailer(config).connection() as connection:
        pass
    with pytest.raises(RuntimeError):
        await connection.send(build_email(EmailKind.BOOKED, appointment(), sender=config))


# --- What the email says -----------------------------------------------------------------------


async def test_hostile_names_are_escaped_in_html_and_raw_in_text(
    smtp_server: ServerFactory,
) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    appt = appointment(patient_name=HOSTILE, doctor_name=HOSTILE, specialty=HOSTILE)

    await Mailer(config).send(build_email(EmailKind.BOOKED, appt, sender=config))

    got = server.messages[0].message
    text, html_body, _ = parts(got)
    assert "<script>" not in html_body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bobby&quot;" in html_body
    assert html_body.count("&lt;script&gt;") == 3 + 1  # greeting, doctor, specialty, <title>
    assert f"Hello {HOSTILE}," in text
    assert f"Doctor: Dr. {HOSTILE}" in text
    assert f"Specialty: {HOSTILE}" in text
    for entity in ("&lt;", "&gt;", "&amp;", "&quot;", "&#"):
        assert entity not in text
    [patient] = got["To"].addresses
    assert patient.display_name == HOSTILE
    assert str(got["Subject"]) == (
        f"Sol Clinic: Appointment confirmed: Dr. {HOSTILE} on Tue 1 Dec 2026 at 10:30 "
        "(Europe/Madrid)"
    )


def test_line_breaks_in_names_cannot_add_headers() -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw")
    appt = appointment(patient_name="Bob\r\nBcc: evil@attacker.test", doctor_name="Ana\nX-Evil: 1")
    got = roundtrip(build_email(EmailKind.BOOKED, appt, sender=config))
    assert got["Bcc"] is None
    assert got["X-Evil"] is None
    assert got["To"].addresses[0].display_name == "Bob Bcc: evil@attacker.test"
    assert "\n" not in str(got["Subject"])


@pytest.mark.parametrize(
    ("kind", "language", "lead", "subject"),
    [
        (
            EmailKind.REMINDER,
            "en",
            timedelta(hours=24),
            "Sol Clinic: "
            "Reminder: your appointment with Dr. Ana López in 24 hours, "
            "on Tue 1 Dec 2026 at 10:30 (Europe/Madrid)",
        ),
        (
            EmailKind.REMINDER,
            "es",
            timedelta(hours=1),
            "Sol Clinic: "
            "Recordatorio: su cita con Ana López dentro de 1 hora, "
            "el mar 1 dic 2026 a las 10:30 (Europe/Madrid)",
        ),
        (
            EmailKind.REMINDER,
            "en",
            None,
            "Sol Clinic: "
            "Reminder: your appointment with Dr. Ana López on Tue 1 Dec 2026 at 10:30 "
            "(Europe/Madrid)",
        ),
        (
            EmailKind.REMINDER,
            "es",
            timedelta(minutes=90),
            "Sol Clinic: "
            "Recordatorio: su cita con Ana López dentro de 1 hora y 30 minutos, "
            "el mar 1 dic 2026 a las 10:30 (Europe/Madrid)",
        ),
        (
            EmailKind.BOOKED,
            "es",
            None,
            "Sol Clinic: Cita confirmada: Ana López el mar 1 dic 2026 a las 10:30 (Europe/Madrid)",
        ),
        (
            EmailKind.RESCHEDULED,
            "en",
            None,
            "Sol Clinic: "
            "Appointment moved: Dr. Ana López, now on Tue 1 Dec 2026 at 10:30 (Europe/Madrid)",
        ),
        (
            EmailKind.CANCELLED,
            "es-ES",
            timedelta(hours=24),  # a lead only matters for reminders
            "Sol Clinic: Cita cancelada: Ana López el mar 1 dic 2026 a las 10:30 (Europe/Madrid)",
        ),
    ],
)
def test_subjects_are_localized(
    kind: EmailKind, language: str, lead: timedelta | None, subject: str
) -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw")
    got = roundtrip(build_email(kind, appointment(language=language), sender=config, lead=lead))
    assert str(got["Subject"]) == subject


async def test_spanish_email_end_to_end(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config(from_name="Clínica Sol")
    appt = appointment(language="es", specialty="Cardiología", patient_name="Íñigo")

    await Mailer(config).send(
        build_email(EmailKind.REMINDER, appt, sender=config, lead=timedelta(hours=24))
    )

    got = server.messages[0].message
    assert str(got["Subject"]).startswith(
        "Sol Clinic: Recordatorio: su cita con Ana López dentro de 24 horas"
    )
    assert got["From"].addresses[0].display_name == "Clínica Sol"
    assert got["Content-Language"] == "es"
    text, html_body, attachment = parts(got)
    assert "Hola, Íñigo:" in text
    assert "Cuándo: martes 1 de diciembre de 2026, 10:30–11:00 (Europe/Madrid, UTC+01:00)" in text
    assert "Especialidad: Cardiología" in text
    assert '<html lang="es">' in html_body
    event = calendar_of(attachment).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Cita con Ana López (Cardiología)"


def test_display_name_with_quotes_is_encoded() -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw", from_name='The "Sol" Clinic')
    message = build_email(EmailKind.BOOKED, appointment(), sender=config)
    assert b'From: "The \\"Sol\\" Clinic" <clinic@clinic.test>' in message.as_bytes()
    assert roundtrip(message)["From"].addresses[0].display_name == 'The "Sol" Clinic'


async def test_structure_and_calendar_request(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    appt = appointment()

    await Mailer(config).send(
        build_email(EmailKind.REMINDER, appt, sender=config, lead=timedelta(hours=1), now=NOW)
    )

    got = server.messages[0].message
    assert got.get_content_type() == "multipart/mixed"
    alternative = next(got.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    text, _, attachment = parts(got)
    assert "Your appointment at Sol Clinic is in 1 hour." in text
    assert "When: Tuesday 1 December 2026, 10:30–11:00 (Europe/Madrid, UTC+01:00)" in text
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content_charset() == "utf-8"

    calendar = calendar_of(attachment)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID")
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "appointment-42@clinic.test"
    assert event.decoded("SEQUENCE") == 0
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Appointment with Dr. Ana López (Cardiology)"
    assert "Sol Clinic" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:clinic@clinic.test"
    assert event["ORGANIZER"].params["CN"] == "Sol Clinic"  # the clinic, not the mailbox
    assert str(event["LOCATION"]) == "Sol Clinic"
    assert str(event["ATTENDEE"]) == "mailto:bob@patients.test"
    assert event["ATTENDEE"].params["CN"] == "Bob Patient"
    raw_ics = attachment.get_content()
    assert "DTSTART:20261201T093000Z" in raw_ics
    assert "DTEND:20261201T100000Z" in raw_ics


async def test_reschedule_and_cancel_keep_the_uid(smtp_server: ServerFactory) -> None:
    server = await started(smtp_server, security="starttls")
    config = server.config()
    booked = appointment()
    moved = replace(
        booked,
        sequence=booked.sequence + 1,
        starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=MADRID),
        ends_at=datetime(2026, 12, 3, 16, 45, tzinfo=MADRID),
    )

    async with Mailer(config).connection() as connection:
        await connection.send(build_email(EmailKind.BOOKED, booked, sender=config))
        await connection.send(build_email(EmailKind.RESCHEDULED, moved, sender=config))
        await connection.send(build_email(EmailKind.CANCELLED, moved, sender=config))

    calendars = [calendar_of(parts(m.message)[2]) for m in server.messages]
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert {str(e["UID"]) for e in events} == {"appointment-42@clinic.test"}
    assert [e.decoded("SEQUENCE") for e in events] == [0, 1, 2]
    assert [str(c["METHOD"]) for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    assert events[1].decoded("DTSTART") == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert str(events[2]["STATUS"]) == "CANCELLED"
    cancel_attachment = parts(server.messages[2].message)[2]
    assert cancel_attachment.get_param("method") == "CANCEL"
    cancel_text = parts(server.messages[2].message)[0]
    assert "has been cancelled" in cancel_text
    assert "removes the appointment from your calendar" in cancel_text


@pytest.mark.parametrize(
    ("local", "utc", "shown"),
    [
        # 25 Oct 2026: Madrid goes back from UTC+02:00 to UTC+01:00 at 03:00 local.
        (datetime(2026, 10, 25, 10, 0), datetime(2026, 10, 25, 9, 0), "10:00–10:30"),
        (datetime(2026, 10, 25, 1, 30), datetime(2026, 10, 24, 23, 30), "01:30–02:00"),
        # 29 Mar 2026: forward from UTC+01:00 to UTC+02:00 at 02:00 local.
        (datetime(2026, 3, 29, 9, 15), datetime(2026, 3, 29, 7, 15), "09:15–09:45"),
    ],
)
def test_dst_transition_days(local: datetime, utc: datetime, shown: str) -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw")
    starts_at = local.replace(tzinfo=MADRID)
    appt = appointment(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30))

    got = roundtrip(build_email(EmailKind.REMINDER, appt, sender=config))
    text, html_body, attachment = parts(got)
    offset = local.replace(tzinfo=MADRID).strftime("%z")
    assert f"{shown} (Europe/Madrid, UTC{offset[:3]}:{offset[3:]})" in text
    assert shown in html_body
    assert f"at {local:%H:%M} (Europe/Madrid)" in str(got["Subject"])
    event = calendar_of(attachment).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == utc.replace(tzinfo=UTC)
    assert event.decoded("DTEND") == (utc + timedelta(minutes=30)).replace(tzinfo=UTC)


def test_dst_day_sample_from_the_brief() -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw")
    starts_at = datetime(2026, 10, 25, 10, 0, tzinfo=MADRID)
    appt = appointment(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    text, _, attachment = parts(roundtrip(build_email(EmailKind.BOOKED, appt, sender=config)))
    assert "When: Sunday 25 October 2026, 10:00–11:00 (Europe/Madrid, UTC+01:00)" in text
    assert "DTSTART:20261025T090000Z" in attachment.get_content()


def test_uid_domain_falls_back() -> None:
    ics = build_ics(appointment(), cancelled=False, organizer=SENDER, uid_domain="")
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["UID"]) == "appointment-42@clinic-bot.local"


def test_config_hides_the_password_and_defaults_the_sender() -> None:
    config = SmtpConfig("smtp.gmail.com", 587, "starttls", "me@gmail.com", "s3cret-app-pass")
    assert "s3cret-app-pass" not in repr(config)
    assert config.from_address == "me@gmail.com"
    assert config.uid_domain == "gmail.com"
    with pytest.raises(ValueError, match="security"):
        SmtpConfig("smtp.gmail.com", 587, "tls", "me@gmail.com", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sender"):
        SmtpConfig("relay", 25, "none", "", "")


def test_invalid_input_is_refused() -> None:
    config = SmtpConfig("smtp.test", 587, "starttls", SENDER, "pw")
    with pytest.raises(ValueError, match="email address"):
        build_email(EmailKind.BOOKED, appointment(patient_email="not an address"), sender=config)
    with pytest.raises(ValueError, match="aware"):
        appointment(starts_at=datetime(2026, 12, 1, 10, 30))
    with pytest.raises(ValueError, match="lead"):
        build_email(EmailKind.REMINDER, appointment(), sender=config, lead=timedelta(seconds=5))
