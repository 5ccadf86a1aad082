"""A month's appointments as a CSV file (admins and the front desk), from the /stats chart.

Its button opens a month picker: this month and the eleven before it as buttons, or any month
up to this one typed ("november 2026", "noviembre de 2026", "nov", "11/2026", "2026-11"). The
file lists every appointment starting that month, in every status, one row each: date and
time in the clinic's zone, doctor, specialty, patient, status, who booked it (the patient, the
front desk or an admin), from one query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from telegram import Update

from bot.callbacks import StatsClose, StatsExport, StatsMonth
from bot.choices import NO, Choice, Screen, normalise, rows_of
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.admin.stats import CLINIC_STAFF
from bot.routes import Button, Routes
from bot.spreadsheet import csv_file
from bot.texts import LANGUAGES, Raw, t
from db.stats import AppointmentLine, month_appointments

MONTHS_SHOWN = 12
MONTHS_PER_ROW = 3
EARLIEST_YEAR = 2000
_YEAR = re.compile(r"^\d{4}$")


class ExportState(StrEnum):
    MONTH = "month"


@dataclass
class ExportDraft:
    """The picker needs nothing kept between its steps."""


Result = ExportState | Ended | None


# --- months -------------------------------------------------------------------------------------


def _this_month(context: ClinicContext) -> date:
    today = context.now.astimezone(context.settings.timezone).date()
    return today.replace(day=1)


def _months_back(month: date, count: int) -> list[date]:
    """``month`` and the ``count - 1`` months before it, newest first."""
    found = []
    year, number = month.year, month.month
    for _ in range(count):
        found.append(date(year, number, 1))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return found


def month_label(lang: str, month: date) -> str:
    """``November 2026`` / ``noviembre de 2026``."""
    name = t(lang, f"date.month.{month.month}")
    return t(lang, "stats.month.label", month=name, year=month.year)


def _month_keys(month: date) -> tuple[str, ...]:
    """What one might type for ``month``, in every language."""
    keys = [f"{month.year}-{month.month:02d}", f"{month.month}/{month.year}"]
    for lang in LANGUAGES:
        for kind in ("month", "month_short"):
            name = t(lang, f"date.{kind}.{month.month}")
            keys += [f"{name} {month.year}", f"{name} de {month.year}", name]
    return tuple(keys)


def _month_names() -> dict[str, int]:
    """Every month's names, full and short, in every language (normalised) → its number."""
    names = {}
    for number in range(1, 13):
        for lang in LANGUAGES:
            for kind in ("month", "month_short"):
                names[normalise(t(lang, f"date.{kind}.{number}"))] = number
    return names


_NAMES = _month_names()


def parse_month(text: str) -> date | None:
    """The month a typed text names with its year ("november 2026", "11/2026", "2026-11",
    "noviembre de 2026"), or ``None``."""
    words = [word for word in normalise(text).split() if word != "de"]
    if len(words) != 2:
        return None
    years = [word for word in words if _YEAR.match(word)]
    if len(years) != 1:
        return None
    other = words[1] if words[0] == years[0] else words[0]
    number = _NAMES.get(other) or (int(other) if other.isdigit() else 0)
    year = int(years[0])
    if not 1 <= number <= 12 or year < EARLIEST_YEAR:
        return None
    return date(year, number, 1)


# --- the picker ---------------------------------------------------------------------------------


async def month_screen(update: Update, context: ClinicContext, draft: ExportDraft) -> Screen:
    flow = context.turn.flow
    months = _months_back(_this_month(context), MONTHS_SHOWN)
    choices = [
        Choice(
            month_label(context.lang, month),
            StatsMonth(flow=flow, month=month),
            _month_keys(month),
        )
        for month in months
    ]
    rows = rows_of(choices, MONTHS_PER_ROW)
    rows.append([Choice(context.t("stats.month.close_button"), StatsClose(flow=flow), NO)])
    example = month_label(context.lang, months[1])
    return Screen(context.t("stats.month.ask", example=example), rows)


async def ask_month(update: Update, context: ClinicContext) -> ExportState:
    """The CSV button under the chart: ask which month."""
    context.begin(ExportDraft())
    return ExportState.MONTH


def _rows(context: ClinicContext, lines: list[AppointmentLine]) -> list[list[str]]:
    tz = context.settings.timezone
    rows = []
    for line in lines:
        local = line.starts_at.astimezone(tz)
        rows.append(
            [
                local.date().isoformat(),
                local.strftime("%H:%M"),
                line.doctor,
                line.specialty,
                line.patient,
                context.t(f"stats.status.{line.status}"),
                context.t(f"stats.booked_by.{line.booked_by.value}"),
            ]
        )
    return rows


def _header(context: ClinicContext) -> list[str]:
    zone = Raw(context.settings.timezone.key)
    return [
        context.t("stats.csv.date"),
        context.t("stats.csv.time", zone=zone),
        *(
            context.t(f"stats.csv.{column}")
            for column in ("doctor", "specialty", "patient", "status", "booked_by")
        ),
    ]


async def _send_month(context: ClinicContext, month: date) -> Result:
    """Send the month's appointments as a CSV file; a month to come or without appointments
    is answered on the picker."""
    label = month_label(context.lang, month)
    if month > _this_month(context):
        context.note("stats.month.future", month=label)
        return ExportState.MONTH
    tz = context.settings.timezone
    lines = await month_appointments(context.db, year=month.year, month=month.month, tz=tz)
    if not lines:
        context.note("stats.csv.empty", month=label)
        return ExportState.MONTH
    data = csv_file(_header(context), _rows(context, lines))
    filename = context.t("stats.csv.filename", year=month.year, month=f"{month.month:02d}")
    context.show_text("stats.csv.sent", month=label, count=len(lines))
    caption = context.t("stats.csv.caption", month=label, count=len(lines), zone=tz.key)
    context.send_document(data, filename, caption)
    return END


async def choose_month(update: Update, context: ClinicContext, draft: ExportDraft) -> Result:
    """A month picked (pressed or typed): its appointments as a CSV file."""
    chosen = context.payload(StatsMonth).month
    return await _send_month(context, chosen.replace(day=1))


async def type_month(update: Update, context: ClinicContext, draft: ExportDraft) -> Result:
    """A month typed that is not among the buttons (an older one): its file, if it is one."""
    month = parse_month(context.text or "")
    if month is None:
        example = month_label(context.lang, _months_back(_this_month(context), 2)[1])
        context.note("stats.month.unknown", example=example)
        return ExportState.MONTH
    return await _send_month(context, month)


async def close_picker(update: Update, context: ClinicContext, draft: ExportDraft) -> Result:
    """Close the picker without a file."""
    context.show_text("stats.month.closed")
    return END


EXPORT = Conversation(
    "stats_csv",
    ExportState,
    ExportDraft,
    {
        ExportState.MONTH: Step(
            month_screen, {StatsMonth: choose_month, StatsClose: close_picker}, text=type_month
        )
    },
    roles=CLINIC_STAFF,
)

ROUTES = Routes(
    buttons=[Button(StatsExport, ask_month, roles=CLINIC_STAFF)],
    conversations=[EXPORT],
)
