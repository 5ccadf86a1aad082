"""/stats (admins and the front desk): the last 8 weeks at a glance.

A chart (a picture) with one panel per doctor: each week's appointments stacked by status —
booked (still to come, or not marked yet), attended, no-show, cancelled — and the same figures,
totalled over the weeks, in its caption. Six doctors to a page, with Previous / Next buttons
that replace the picture in place, and a button for a month's appointments as a CSV file
(:mod:`bot.handlers.admin.stats_export`). Each page is one aggregate query; the picture is
drawn in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import StatsExport, StatsPage
from bot.chart import Panel, WeeksChart, render_weeks
from bot.choices import Choice
from bot.context import ClinicContext
from bot.routes import Button, Command, Routes, roles
from bot.texts import Raw, t
from db.models import Role
from db.stats import DoctorWeeks, StatusCounts, WeeklyStats, weekly_stats

CLINIC_STAFF = roles(Role.ADMIN, Role.STAFF)
PAGE_SIZE = 6
# Names in the caption are cut to this length, so six doctors always fit in its 1024 characters
# (Telegram's caption limit).
CAPTION_NAME = 32
STATUSES = ("booked", "attended", "no_show", "cancelled")


def _units(text: str) -> int:
    """The length Telegram counts (UTF-16 code units: an emoji may be two)."""
    return len(text.encode("utf-16-le")) // 2


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` units, with an ellipsis when it was cut."""
    if _units(text) <= limit:
        return text
    while _units(text) > limit - 1:
        text = text[:-1]
    return text.rstrip() + "…"


def _figures(lang: str, counts: StatusCounts) -> str:
    return t(
        lang,
        "stats.caption.figures",
        booked=counts.booked,
        attended=counts.attended,
        no_show=counts.no_show,
        cancelled=counts.cancelled,
    )


def _day(lang: str, day: date, *, year: bool = False) -> str:
    """``12 Oct`` (``6 Dec 2026``)."""
    text = f"{day.day} {t(lang, f'date.month_short.{day.month}')}"
    return f"{text} {day.year}" if year else text


def _period(lang: str, stats: WeeklyStats) -> dict[str, str]:
    """The first Monday and the last Sunday of the report."""
    last = stats.weeks[-1] + timedelta(days=6)
    return {"first": _day(lang, stats.weeks[0]), "last": _day(lang, last, year=True)}


def stats_caption(
    lang: str, stats: WeeklyStats, shown: Sequence[DoctorWeeks], first: int, tz: ZoneInfo
) -> str:
    """The caption of one page: the period, each shown doctor's totals, the clinic's totals.
    Within Telegram's 1024 characters for any names and figures (names are shortened)."""
    lines = [
        t(
            lang,
            "stats.caption.title",
            weeks=len(stats.weeks),
            zone=tz.key,
            **_period(lang, stats),
        )
    ]
    if len(shown) < len(stats.doctors):
        lines.append(
            t(
                lang,
                "stats.caption.paged",
                first=first + 1,
                last=first + len(shown),
                count=len(stats.doctors),
            )
        )
    lines.append("")
    for doctor in shown:
        inactive = "" if doctor.active else t(lang, "stats.caption.inactive")
        lines.append(
            t(
                lang,
                "stats.caption.doctor",
                name=_short(doctor.name, CAPTION_NAME),
                inactive=inactive,
                figures=Raw(_figures(lang, doctor.total)),
            )
        )
    lines.append("")
    lines.append(t(lang, "stats.caption.total", figures=Raw(_figures(lang, stats.total))))
    lines.append(t(lang, "stats.caption.booked_note"))
    return "\n".join(lines)


def stats_chart(
    lang: str, stats: WeeklyStats, shown: Sequence[DoctorWeeks], tz: ZoneInfo
) -> WeeksChart:
    """What the page's picture shows: a panel per shown doctor, texts in ``lang``."""
    panels = []
    for doctor in shown:
        title = t(
            lang, "stats.chart.doctor", name=Raw(doctor.name), specialty=Raw(doctor.specialty)
        )
        suffix = "" if doctor.active else t(lang, "stats.chart.inactive")
        values = tuple(
            tuple(getattr(week, status) for week in doctor.weeks) for status in STATUSES
        )
        panels.append(Panel(title, values, suffix))
    return WeeksChart(
        title=t(
            lang,
            "stats.chart.title",
            zone=tz.key,
            **_period(lang, stats),
        ),
        weeks=tuple(_day(lang, monday) for monday in stats.weeks),
        series=tuple(t(lang, f"stats.legend.{status}") for status in STATUSES),
        panels=tuple(panels),
    )


def _buttons(context: ClinicContext, page: int, pages: int) -> InlineKeyboardMarkup:
    """Previous / Next when there are several pages; the CSV file's button."""
    paging = []
    if page > 0:
        paging.append(Choice(context.t("stats.previous_button"), StatsPage(page=page - 1)))
    if page < pages - 1:
        paging.append(Choice(context.t("stats.next_button"), StatsPage(page=page + 1)))
    rows = [paging] if paging else []
    rows.append([Choice(context.t("stats.csv_button"), StatsExport())])
    return InlineKeyboardMarkup([[choice.button() for choice in row] for row in rows])


async def _page(context: ClinicContext, page: int, *, replace: bool) -> None:
    tz = context.settings.timezone
    stats = await weekly_stats(context.db, tz=tz, now=context.now)
    if not stats.doctors:
        if replace:
            context.alert("stats.gone")
        else:
            context.reply("stats.no_doctors")
        return
    pages = -(-len(stats.doctors) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = stats.doctors[first : first + PAGE_SIZE]
    chart = stats_chart(context.lang, stats, shown, tz)
    picture = await asyncio.to_thread(render_weeks, chart)
    caption = stats_caption(context.lang, stats, shown, first, tz)
    markup = _buttons(context, page, pages)
    if replace:
        context.show_photo(picture, caption, markup)
    else:
        context.send_photo(picture, caption, markup)


async def show_stats(update: Update, context: ClinicContext) -> None:
    """/stats: the last 8 weeks per doctor as a chart, with the figures in its caption."""
    await _page(context, 0, replace=False)


async def show_stats_page(update: Update, context: ClinicContext) -> None:
    """Another page of doctors, in place of the chart whose button was pressed."""
    await _page(context, context.payload(StatsPage).page, replace=True)


ROUTES = Routes(
    commands=[Command("stats", show_stats, roles=CLINIC_STAFF)],
    buttons=[Button(StatsPage, show_stats_page, roles=CLINIC_STAFF)],
)
