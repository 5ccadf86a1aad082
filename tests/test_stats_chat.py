"""/stats end to end: the admins and the front desk get the last 8 weeks per doctor as a real
PNG chart with the figures in its caption, paged in place, and a month's appointments as a CSV
file a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.chart import render_weeks
from bot.handlers.admin.stats import PAGE_SIZE, stats_caption, stats_chart
from db.booking import Actor
from db.models import AppointmentStatus, Role
from db.stats import DoctorWeeks, StatusCounts, WeeklyStats
from tests.conftest import Harness
from tests.factories import book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser, Message
from tests.test_stats_db import _appointment

MADRID = ZoneInfo("Europe/Madrid")
CSV_BUTTON = "📄 A month's appointments (CSV)"
STATUS = AppointmentStatus


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID).astimezone(UTC)


async def _signed_in(h: Harness, role: Role, language: str = "en") -> ChatUser:
    user = await make_user(
        h.services, f"{role.value}@clinic.example", name="Desk", role=role, language=language
    )
    chat = h.user("Desk", language=language)
    await log_in_chat(chat, user.email)
    return chat


def _png_size(picture: bytes) -> tuple[int, int]:
    """A real PNG's size: its signature and header checked, and the whole image decoded."""
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG"
        image.load()
        return image.size


def _csv(message: Message) -> tuple[bytes, list[list[str]]]:
    document = message.document
    assert document is not None, message.text
    raw = document.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


async def _clinic(h: Harness) -> dict[str, Any]:
    """Two doctors with appointments in the report's weeks (the clock is 1 Dec 2026)."""
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    bea = await make_doctor(
        h.services, "bea@clinic.example", name="Dr. Bea Soto", specialty="Neurology"
    )
    names = ["Eva Díaz", 'Tom "Tommy" Lee, Jr.', '=HYPERLINK("http://x")', "@admin", "Luis"]
    patients = [
        (await make_user(h.services, f"p{i}@example.com", name=name)).id
        for i, name in enumerate(names)
    ]
    await _appointment(h, ana.user_id, patients[0], _local(2026, 11, 2, 9), STATUS.ATTENDED)
    await _appointment(h, ana.user_id, patients[1], _local(2026, 11, 2, 10), STATUS.NO_SHOW)
    await _appointment(h, ana.user_id, patients[2], _local(2026, 11, 3, 9), STATUS.CANCELLED)
    await _appointment(h, bea.user_id, patients[3], _local(2026, 11, 24, 16, 30), STATUS.ATTENDED)
    await _appointment(h, bea.user_id, patients[4], _local(2026, 12, 3, 11), STATUS.BOOKED)
    return {"ana": ana, "bea": bea}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
async def test_the_chart_is_a_real_png_with_the_figures_in_its_caption(
    harness: Harness, role: Role
) -> None:
    await _clinic(harness)
    desk = await _signed_in(harness, role)
    (chart,) = await desk.send("/stats")
    assert chart.photo is not None
    width, height = _png_size(chart.photo)
    assert width >= 800 and height >= 300
    assert len(chart.photo) > 10_000
    assert chart.caption.splitlines()[:2] == [
        "📊 Appointments in the last 8 weeks",
        "12 Oct – 6 Dec 2026 (Europe/Madrid)",
    ]
    assert (
        "Dr. Ana Ruiz: 0 booked · 1 attended · 1 no-show · 1 cancelled"
        in chart.caption.splitlines()
    )
    assert "Dr. Bea Soto: 1 booked · 1 attended · 0 no-show · 0 cancelled" in chart.caption
    assert "All doctors: 1 booked · 2 attended · 1 no-show · 1 cancelled" in chart.caption
    assert chart.button_texts == [CSV_BUTTON]  # two doctors: one page


@pytest.mark.parametrize("role", [Role.PATIENT, Role.DOCTOR])
async def test_patients_and_doctors_get_no_figures(harness: Harness, role: Role) -> None:
    await _clinic(harness)
    chat = await _signed_in(harness, role)
    replies = await chat.send("/stats")
    assert [m.photo for m in replies] == [None]
    assert "not available" in replies[0].text.lower() or "no está" in replies[0].text.lower()


async def test_a_clinic_without_doctors_is_told_how_to_start(harness: Harness) -> None:
    admin = await _signed_in(harness, Role.ADMIN)
    (reply,) = await admin.send("/stats")
    assert reply.photo is None
    assert "/adddoctor" in reply.text


async def test_many_doctors_are_paged_in_place(harness: Harness) -> None:
    for number in range(PAGE_SIZE + 2):
        await make_doctor(
            harness.services, f"d{number}@clinic.example", name=f"Dr. Ann Lee {number:02d}"
        )
    admin = await _signed_in(harness, Role.ADMIN, language="es")
    (chart,) = await admin.send("/stats")
    first_picture = chart.photo
    assert first_picture is not None
    lines = chart.caption.splitlines()
    assert "Médicos 1–6 de 8" in lines
    assert [line.split(":")[0] for line in lines if line.startswith("Dr. ")] == [
        f"Dr. Ann Lee {n:02d}" for n in range(6)
    ]
    assert chart.button_texts == ["Siguientes ▶️", "📄 Citas de un mes (CSV)"]

    assert await admin.press("Siguientes ▶️") == []  # the chart is replaced, nothing is added
    assert chart.edits == 1
    assert chart.photo is not None and chart.photo != first_picture
    _png_size(chart.photo)
    assert "Médicos 7–8 de 8" in chart.caption
    assert [line.split(":")[0] for line in chart.caption.splitlines() if "Dr. " in line] == [
        "Dr. Ann Lee 06",
        "Dr. Ann Lee 07",
    ]
    assert "Todos los médicos: 0 reservadas" in chart.caption
    assert chart.button_texts == ["◀️ Anteriores", "📄 Citas de un mes (CSV)"]


async def test_a_months_appointments_as_a_safe_csv_file(harness: Harness) -> None:
    await _clinic(harness)
    admin = await _signed_in(harness, Role.ADMIN)
    (chart,) = await admin.send("/stats")
    (picker,) = await admin.press(CSV_BUTTON)
    # The picker is a message of its own: the chart stays as it was.
    assert chart.photo is not None and chart.edits == 0
    assert picker.text.startswith("📄 Which month's appointments")
    months = picker.button_texts[:-1]
    assert months[:3] == ["December 2026", "November 2026", "October 2026"]
    assert (len(months), months[-1], picker.button_texts[-1]) == (12, "January 2026", "✖️ Close")

    (document,) = await admin.press("November 2026")
    assert picker.text == "📄 The appointments of November 2026 (4) are in the file below."
    assert picker.buttons == []
    assert document.document is not None
    assert document.document.filename == "appointments-2026-11.csv"
    assert document.caption == "Appointments of November 2026: 4. Times in Europe/Madrid."
    raw, rows = _csv(document)
    assert rows == [
        ["Date", "Time (Europe/Madrid)", "Doctor", "Specialty", "Patient", "Status", "Booked by"],
        ["2026-11-02", "09:00", "Dr. Ana Ruiz", "Cardiology", "Eva Díaz", "Attended", "Patient"],
        [
            "2026-11-02",
            "10:00",
            "Dr. Ana Ruiz",
            "Cardiology",
            'Tom "Tommy" Lee, Jr.',
            "No-show",
            "Patient",
        ],
        [
            "2026-11-03",
            "09:00",
            "Dr. Ana Ruiz",
            "Cardiology",
            '\'=HYPERLINK("http://x")',
            "Cancelled",
            "Patient",
        ],
        ["2026-11-24", "16:30", "Dr. Bea Soto", "Neurology", "'@admin", "Attended", "Patient"],
    ]
    # RFC 4180: CRLF after every row; a field with a comma or quotes is quoted, quotes doubled.
    text = raw.decode("utf-8-sig")
    assert (
        text.count("\r\n") == 5 and text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    )
    assert ',"Tom ""Tommy"" Lee, Jr.",' in text
    assert ',"\'=HYPERLINK(""http://x"")",' in text
    # The conversation is over: typing a month now answers nothing about files.
    assert [m.document for m in await admin.send("november 2026")] == [None]


@pytest.mark.parametrize(
    ("language", "month", "header", "booked", "patient", "front_desk", "admin"),
    [
        ("en", "December 2026", "Booked by", "Booked", "Patient", "Front desk", "Admin"),
        (
            "es",
            "diciembre de 2026",
            "Reservada por",
            "Reservada",
            "Paciente",
            "Recepción",
            "Administrador",
        ),
    ],
)
async def test_the_csv_says_whether_the_patient_the_front_desk_or_an_admin_booked(
    harness: Harness,
    language: str,
    month: str,
    header: str,
    booked: str,
    patient: str,
    front_desk: str,
    admin: str,
) -> None:
    h = harness
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    desk = await make_user(h.services, "desk@clinic.example", name="Front", role=Role.STAFF)
    boss = await make_user(h.services, "boss@clinic.example", name="Boss", role=Role.ADMIN)
    eva = await make_user(h.services, "eva@example.com", name="Eva Díaz")
    tom = await make_user(h.services, "tom@example.com", name="Tom Lee")
    # Eva books in chat; the front desk books Tom; an admin books Eva's second visit.
    for who, actor, hour in [
        (eva, None, 9),
        (tom, Actor(desk.id, Role.STAFF), 10),
        (eva, Actor(boss.id, Role.ADMIN), 11),
    ]:
        await book_directly(
            h.services,
            patient_id=who.id,
            doctor_id=ana.user_id,
            starts_at=_local(2026, 12, 2, hour),
            actor=actor,
        )
    chat = h.user("Boss", language=language)
    await log_in_chat(chat, boss.email)
    (chart,) = await chat.send("/stats")
    await chat.press(chart.button_texts[-1])
    replies = await chat.press(month)
    _, rows = _csv(replies[-1])
    assert rows[0][-1] == header
    assert rows[1:] == [
        ["2026-12-02", "09:00", "Dr. Ana Ruiz", "Cardiology", "Eva Díaz", booked, patient],
        ["2026-12-02", "10:00", "Dr. Ana Ruiz", "Cardiology", "Tom Lee", booked, front_desk],
        ["2026-12-02", "11:00", "Dr. Ana Ruiz", "Cardiology", "Eva Díaz", booked, admin],
    ]


@pytest.mark.parametrize(
    ("typed", "month", "rows"),
    [
        ("november 2026", "November 2026", 4),
        ("noviembre de 2026", "November 2026", 4),
        ("nov", "November 2026", 4),
        ("11/2026", "November 2026", 4),
        ("2026-12", "December 2026", 1),
    ],
)
async def test_a_month_can_be_typed(harness: Harness, typed: str, month: str, rows: int) -> None:
    await _clinic(harness)
    admin = await _signed_in(harness, Role.ADMIN)
    await admin.send("/stats")
    await admin.press(CSV_BUTTON)
    replies = await admin.send(typed)
    assert replies[0].text.startswith(f"📄 The appointments of {month} ({rows})")
    _, table = _csv(replies[-1])
    assert len(table) == rows + 1


async def test_an_older_month_typed_an_empty_one_and_one_to_come_are_answered_on_the_picker(
    harness: Harness,
) -> None:
    h = harness
    ana = await make_doctor(h.services, "ana@clinic.example", name="Dr. Ana Ruiz")
    patient = await make_user(h.services, "old@example.com", name="Old Timer")
    await _appointment(h, ana.user_id, patient.id, _local(2024, 3, 5, 9), STATUS.ATTENDED)
    admin = await _signed_in(harness, Role.ADMIN, language="es")
    await admin.send("/stats")
    await admin.press("📄 Citas de un mes (CSV)")

    (picker,) = await admin.send("octubre 2026")
    assert picker.text.startswith("No hay citas en octubre de 2026. Elige otro mes:")
    assert "noviembre de 2026" in picker.button_texts
    (picker,) = await admin.send("enero 2027")
    assert picker.text.startswith("enero de 2027 aún no ha empezado")
    (picker,) = await admin.send("el mes pasado")
    assert picker.text.startswith("No reconozco ese mes.")

    replies = await admin.send("marzo de 2024")  # not among the buttons: typed, it counts
    assert replies[0].text.startswith("📄 Las citas de marzo de 2024 (1)")
    document = replies[-1].document
    assert document is not None and document.filename == "citas-2024-03.csv"
    _, rows = _csv(replies[-1])
    assert rows == [
        ["Fecha", "Hora (Europe/Madrid)", "Médico", "Especialidad", "Paciente", "Estado",
         "Reservada por"],
        ["2024-03-05", "09:00", "Dr. Ana Ruiz", "Cardiology", "Old Timer", "Atendida",
         "Paciente"],
    ]  # fmt: skip


async def test_the_picker_closes_without_a_file(harness: Harness) -> None:
    await _clinic(harness)
    admin = await _signed_in(harness, Role.ADMIN)
    await admin.send("/stats")
    (picker,) = await admin.press(CSV_BUTTON)
    assert await admin.press("✖️ Close") == []
    assert picker.text == "Closed: no file was sent."
    assert all(m.document is None for m in harness.telegram.bot_messages(admin.chat_id))


# --- the caption's and the chart's limits --------------------------------------------------------


def _worst_case(active: bool, letter: str = "Ñ") -> WeeklyStats:
    mondays = tuple(date(2026, 10, 12) + timedelta(weeks=i) for i in range(8))
    busy = StatusCounts(booked=9999, attended=9999, no_show=9999, cancelled=9999)
    doctors = tuple(
        DoctorWeeks(
            doctor_id=number,
            name="Dr. " + letter * 112 + f"{number:04d}",
            specialty="E" * 80,
            active=active,
            weeks=(busy,) * 8,
        )
        for number in range(PAGE_SIZE * 1000)
    )
    start = datetime(2026, 10, 11, 22, tzinfo=UTC)
    return WeeklyStats(mondays, start, start + timedelta(weeks=8), doctors)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("active", [True, False])
@pytest.mark.parametrize("letter", ["Ñ", "😀"])
def test_a_full_page_of_the_longest_names_and_figures_fits_the_caption(
    language: str, active: bool, letter: str
) -> None:
    from tests.fake_telegram import visible_text

    stats = _worst_case(active, letter)
    zone = ZoneInfo("America/Argentina/ComodRivadavia")
    caption = stats_caption(language, stats, stats.doctors[:PAGE_SIZE], 0, zone)
    shown = visible_text(caption, "HTML")
    # Telegram counts UTF-16 code units.
    assert len(shown.encode("utf-16-le")) // 2 <= 1024, len(shown)
    assert shown.count("79992") == PAGE_SIZE * 4  # every figure of every shown doctor
    assert not shown.endswith("…")  # nothing was cut at the end


def test_the_longest_names_still_draw_a_real_png() -> None:
    stats = _worst_case(active=False)
    picture = render_weeks(stats_chart("es", stats, stats.doctors[:PAGE_SIZE], MADRID))
    width, height = _png_size(picture)
    assert width + height <= 10_000 and max(width, height) <= 20 * min(width, height)


# --- what a request costs the database -----------------------------------------------------------


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(" ".join(statement.split()))

    event.listen(connection.sync_connection, "before_cursor_execute", before)
    yield sent
    event.remove(connection.sync_connection, "before_cursor_execute", before)


async def test_a_chart_page_is_one_aggregate_query(
    harness: Harness, statements: list[str]
) -> None:
    await _clinic(harness)
    admin = await _signed_in(harness, Role.ADMIN)
    statements.clear()
    await admin.send("/stats")
    # The chat's conversation, session and user in one; the chart's figures in the other.
    assert len(statements) == 2, statements
    assert "count(appointments.id) FILTER" in statements[1]
    assert not any(s.upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in statements)
