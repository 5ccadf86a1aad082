"""Doctors in chat: /schedule (any doctor's, for admins), attendance, /hours and time off.

Schedule and attendance buttons are views, valid whenever pressed: each press re-checks the
session and that the doctor (or appointment) in its data belongs to the presser, or that the
presser is an admin. Changing hours and time off is a conversation whose buttons belong to the
message it runs in; once it has ended they fall through to the stale-button answer.

Callback data:
    ``sc:<doctor>:<yyyymmdd>:<1|7>``  a day, or 7 days from it, of a doctor's schedule
    ``sd``                           an admin's list of doctors
    ``at:<appointment>:<a|n>``       mark attended / no-show
    ``ho:<e|a|r>``                   /hours: edit a day, add time off, remove time off
    ``hw:<0-6>`` ``hx`` ``hn`` ``hq``  weekday; clear it; add a range; back to /hours
    ``hth:<0-24>`` ``htm:<minute>`` ``htb``  time picker: hour, minute of the day, back
    ``hod:<yyyymmdd>`` ``hop:<yyyymmdd>`` ``hok:<w|p>`` ``hob``  time off: day, page, kind, back
    ``hoc:<y|n>`` ``hor:<id>``       block and cancel / back; remove one time off
"""

from __future__ import annotations

import html
import warnings
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)
from telegram.warnings import PTBUserWarning

from bot.context import ClinicContext
from bot.formatting import (
    clock,
    day_key,
    day_label,
    long_date,
    parse_day_key,
    policy_of,
    when_short,
)
from bot.guard import answer, edit_or_say, lang, refuse, requires, say
from bot.handlers.common import conversation_fallbacks, expects_button
from bot.jobs import kick_deliveries
from bot.notify import tell_patient
from bot.texts import Raw, t
from db.booking import (
    Actor,
    AppointmentView,
    NotChangeable,
    NotStartedYet,
    block_time,
    mark_attendance,
    schedule,
    upcoming_outside_hours,
)
from db.doctors import (
    DoctorView,
    InvalidHours,
    add_hours,
    day_bounds,
    get_doctor,
    list_doctors,
    remove_time_off,
    replace_hours,
    upcoming_time_off,
    weekly_hours,
)
from db.errors import NotFound
from db.models import AppointmentStatus, Role, TimeOff
from db.slots import WeeklyRange

END = ConversationHandler.END

# Ids in callback data: at most 9 digits, so they always fit the database's integer.
SCHEDULE_CALLBACK = r"^sc:(\d{1,9}):(\d{8}):([17])$"
DOCTORS_CALLBACK = r"^sd$"
ATTENDANCE_CALLBACK = r"^at:(\d{1,9}):([an])$"

# How far from today a schedule can be paged, either way.
SCHEDULE_REACH = timedelta(days=366)
# How far ahead time off can be set.
TIME_OFF_REACH = timedelta(days=365)
# Telegram shows up to 4096 characters; views stay within this budget.
TEXT_BUDGET = 3500
# At most this many appointments carry attendance buttons in one view.
ATTENDANCE_ROWS = 40
# At most this many appointments are listed when asking to block time.
CONFLICT_LINES = 25
QUARTERS = (0, 15, 30, 45)
MIDNIGHT = 24 * 60

ATTENDED = AppointmentStatus.ATTENDED.value
NO_SHOW = AppointmentStatus.NO_SHOW.value
BOOKED = AppointmentStatus.BOOKED.value

# /hours conversation states
(
    HOURS_WEEKDAY,
    HOURS_DAY,
    PICK_HOUR,
    PICK_MINUTE,
    OFF_FIRST,
    OFF_KIND,
    OFF_LAST,
    OFF_CONFIRM,
    OFF_REMOVE,
) = range(40, 49)

_DRAFT = "draft_hours"


# --- small helpers ------------------------------------------------------------------------------


def _hm(minute: int) -> str:
    """``09:30``; 1440 is ``24:00`` (the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _label(language: str, key: str, /, **values: object) -> str:
    """A button label from the catalog (button labels are plain text, never HTML)."""
    return html.unescape(t(language, key, **values))


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _tz(context: ClinicContext) -> ZoneInfo:
    return context.settings.timezone


def _now(context: ClinicContext) -> datetime:
    return context.services.clock.now()


def _today(context: ClinicContext) -> date:
    return _now(context).astimezone(_tz(context)).date()


def _principal_id(context: ClinicContext) -> int:
    principal = context.principal
    assert principal is not None
    return principal.user_id


def _match(context: ClinicContext, group: int) -> str:
    match = context.match
    assert match is not None
    return match[group]


def _date_label(language: str, day: date, today: date) -> str:
    """``Tue 8 Dec``, with the year when it is not this year's."""
    label = day_label(language, day)
    return label if day.year == today.year else f"{label} {day.year}"


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The instant of wall-clock ``minute`` (0..1440) of local ``day``."""
    if minute >= MIDNIGHT:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def _fit(parts: list[tuple[str, bool]], budget: int = TEXT_BUDGET) -> tuple[list[str], int]:
    """The lines that fit the budget, and how many counted lines (appointments) did not."""
    shown: list[str] = []
    used = 0
    for index, (line, _) in enumerate(parts):
        if used + len(line) + 1 > budget:
            return shown, sum(1 for _, counted in parts[index:] if counted)
        shown.append(line)
        used += len(line) + 1
    return shown, 0


# --- /schedule ----------------------------------------------------------------------------------


def _schedule_data(doctor_id: int, day: date, days: int) -> str:
    return f"sc:{doctor_id}:{day_key(day)}:{days}"


def _appointment_line(language: str, appt: AppointmentView, tz: ZoneInfo) -> str:
    return t(
        language,
        "schedule.line",
        start=clock(appt.starts_at, tz),
        end=clock(appt.ends_at, tz),
        patient=appt.patient_name,
        phone=appt.patient_phone or t(language, "schedule.no_phone"),
        status=Raw(t(language, f"schedule.status.{appt.status}")),
    )


def _attendance_rows(
    language: str, appts: list[AppointmentView], tz: ZoneInfo, now: datetime
) -> list[list[InlineKeyboardButton]]:
    """✔/✖ for each appointment that has started: both while booked, the other one once marked
    (to correct it). When there are too many, the unmarked and the latest come first."""
    started = [a for a in appts if a.starts_at <= now]
    if len(started) > ATTENDANCE_ROWS:
        started = sorted(started, key=lambda a: (a.status != BOOKED, -a.starts_at.timestamp()))
        started = sorted(started[:ATTENDANCE_ROWS], key=lambda a: a.starts_at)
    rows = []
    for appt in started:
        at = clock(appt.starts_at, tz)
        row = []
        if appt.status != ATTENDED:
            row.append(
                _button(_label(language, "attend.mark_attended", time=at), f"at:{appt.id}:a")
            )
        if appt.status != NO_SHOW:
            row.append(
                _button(_label(language, "attend.mark_no_show", time=at), f"at:{appt.id}:n")
            )
        rows.append(row)
    return rows


def _day_view(
    language: str,
    doctor: DoctorView,
    day: date,
    appts: list[AppointmentView],
    *,
    tz: ZoneInfo,
    now: datetime,
    admin: bool,
) -> tuple[dict[str, object], InlineKeyboardMarkup]:
    today = now.astimezone(tz).date()
    lines, hidden = _fit([(_appointment_line(language, a, tz), True) for a in appts])
    if hidden:
        lines.append(t(language, "schedule.more", count=hidden))
    body = "\n".join(lines) if appts else t(language, "schedule.day_empty")
    rows = _attendance_rows(language, appts, tz, now)
    previous, following = day - timedelta(days=1), day + timedelta(days=1)
    rows.append(
        [
            _button(
                _label(language, "schedule.previous", day=day_label(language, previous)),
                _schedule_data(doctor.user_id, previous, 1),
            ),
            _button(
                _label(language, "schedule.next", day=day_label(language, following)),
                _schedule_data(doctor.user_id, following, 1),
            ),
        ]
    )
    jump = []
    if day != today:
        jump.append(
            _button(t(language, "schedule.today"), _schedule_data(doctor.user_id, today, 1))
        )
    tomorrow = today + timedelta(days=1)
    if day != tomorrow:
        jump.append(
            _button(t(language, "schedule.tomorrow"), _schedule_data(doctor.user_id, tomorrow, 1))
        )
    jump.append(_button(t(language, "schedule.next_7"), _schedule_data(doctor.user_id, today, 7)))
    rows.append(jump)
    if admin:
        rows.append([_button(t(language, "schedule.back_to_doctors"), "sd")])
    values: dict[str, object] = {
        "doctor": doctor.name,
        "date": long_date(language, day),
        "zone": tz.key,
        "body": Raw(body),
    }
    return values, InlineKeyboardMarkup(rows)


def _week_view(
    language: str,
    doctor: DoctorView,
    first: date,
    appts: list[AppointmentView],
    *,
    tz: ZoneInfo,
    now: datetime,
    admin: bool,
) -> tuple[dict[str, object], InlineKeyboardMarkup]:
    today = now.astimezone(tz).date()
    days = [first + timedelta(days=i) for i in range(7)]
    by_day: dict[date, list[AppointmentView]] = {}
    for appt in appts:
        by_day.setdefault(appt.starts_at.astimezone(tz).date(), []).append(appt)
    parts: list[tuple[str, bool]] = []
    for day in days:
        if parts:
            parts.append(("", False))
        parts.append((t(language, "schedule.week_day", date=day_label(language, day)), False))
        items = by_day.get(day, [])
        if not items:
            parts.append((t(language, "schedule.week_day_empty"), False))
        parts.extend((_appointment_line(language, a, tz), True) for a in items)
    lines, hidden = _fit(parts)
    if hidden:
        lines.append(t(language, "schedule.week_more", count=hidden))
    rows = _rows(
        [
            _button(day_label(language, day), _schedule_data(doctor.user_id, day, 1))
            for day in days
        ],
        4,
    )
    rows.append(
        [
            _button(
                t(language, "schedule.previous_week"),
                _schedule_data(doctor.user_id, first - timedelta(days=7), 7),
            ),
            _button(
                t(language, "schedule.next_week"),
                _schedule_data(doctor.user_id, first + timedelta(days=7), 7),
            ),
        ]
    )
    jump = [
        _button(t(language, "schedule.today"), _schedule_data(doctor.user_id, today, 1)),
        _button(
            t(language, "schedule.tomorrow"),
            _schedule_data(doctor.user_id, today + timedelta(days=1), 1),
        ),
    ]
    if first != today:
        jump.append(
            _button(t(language, "schedule.next_7"), _schedule_data(doctor.user_id, today, 7))
        )
    rows.append(jump)
    if admin:
        rows.append([_button(t(language, "schedule.back_to_doctors"), "sd")])
    values: dict[str, object] = {
        "doctor": doctor.name,
        "first": long_date(language, days[0]),
        "last": long_date(language, days[-1]),
        "zone": tz.key,
        "body": Raw("\n".join(lines)),
    }
    return values, InlineKeyboardMarkup(rows)


async def _show_schedule(
    update: Update, context: ClinicContext, doctor_id: int, first: date, days: int
) -> None:
    """Show ``days`` (1 or 7) of the doctor's schedule from ``first``; :class:`NotFound` when
    there is no such doctor."""
    principal = context.principal
    assert principal is not None
    tz, now, language = _tz(context), _now(context), lang(update, context)
    start, end = day_bounds(first, first + timedelta(days=days - 1), tz)
    async with context.services.transaction() as s:
        doctor = await get_doctor(s, doctor_id)
        appts = await schedule(s, doctor_id=doctor_id, start=start, end=end)
    admin = principal.role is Role.ADMIN
    if days == 1:
        values, markup = _day_view(language, doctor, first, appts, tz=tz, now=now, admin=admin)
        await edit_or_say(update, context, "schedule.day", markup, **values)
    else:
        values, markup = _week_view(language, doctor, first, appts, tz=tz, now=now, admin=admin)
        await edit_or_say(update, context, "schedule.week", markup, **values)


async def _show_doctor_list(update: Update, context: ClinicContext) -> None:
    language = lang(update, context)
    today = _today(context)
    async with context.services.transaction() as s:
        doctors = await list_doctors(s)
    if not doctors:
        await edit_or_say(update, context, "schedule.no_doctors")
        return
    inactive = t(language, "schedule.inactive")
    rows = [
        [
            _button(
                f"{d.name} · {d.specialty}" + ("" if d.active else f" {inactive}"),
                _schedule_data(d.user_id, today, 1),
            )
        ]
        for d in doctors
    ]
    await edit_or_say(update, context, "schedule.pick_doctor", InlineKeyboardMarkup(rows))


@requires(Role.DOCTOR, Role.ADMIN)
async def show_schedule(update: Update, context: ClinicContext) -> None:
    """/schedule: today's appointments for a doctor; for an admin, first the list of doctors."""
    principal = context.principal
    assert principal is not None
    if principal.role is Role.ADMIN:
        await _show_doctor_list(update, context)
        return
    try:
        await _show_schedule(update, context, principal.user_id, _today(context), 1)
    except NotFound:
        await say(update, context, "schedule.no_profile")


@requires(Role.DOCTOR, Role.ADMIN)
async def open_schedule(update: Update, context: ClinicContext) -> None:
    """A schedule button: the day or week it names, for a doctor the presser may see."""
    principal = context.principal
    assert principal is not None
    doctor_id = int(_match(context, 1))
    if principal.role is Role.DOCTOR and doctor_id != principal.user_id:
        await refuse(update, context, "schedule.not_yours")
        return
    try:
        day = parse_day_key(_match(context, 2))
    except ValueError:
        await refuse(update, context, "schedule.day_out_of_range")
        return
    if abs(day - _today(context)) > SCHEDULE_REACH:
        await refuse(update, context, "schedule.day_out_of_range")
        return
    try:
        await _show_schedule(update, context, doctor_id, day, int(_match(context, 3)))
    except NotFound:
        await refuse(update, context, "schedule.doctor_not_found")
        return
    await answer(update, context)


@requires(Role.ADMIN)
async def list_schedule_doctors(update: Update, context: ClinicContext) -> None:
    """« Doctors: back to the doctors whose schedule an admin can open."""
    await _show_doctor_list(update, context)
    await answer(update, context)


@requires(Role.DOCTOR, Role.ADMIN)
async def mark_appointment(update: Update, context: ClinicContext) -> None:
    """✔ / ✖ under an appointment that has started: attended or no-show; the day is redrawn."""
    principal = context.principal
    assert principal is not None
    appointment_id = int(_match(context, 1))
    attended = _match(context, 2) == "a"
    try:
        async with context.services.transaction() as s:
            appt = await mark_attendance(
                s,
                appointment_id=appointment_id,
                actor=Actor(principal.user_id, principal.role),
                attended=attended,
                now=_now(context),
            )
    except NotFound:
        await refuse(update, context, "attend.not_found")
        return
    except NotStartedYet:
        await refuse(update, context, "attend.not_started")
        return
    except NotChangeable:
        await refuse(update, context, "attend.cancelled")
        return
    day = appt.starts_at.astimezone(_tz(context)).date()
    await _show_schedule(update, context, appt.doctor_id, day, 1)
    await answer(update, context)


# --- /hours: the overview -----------------------------------------------------------------------


def _ranges_text(language: str, ranges: list[WeeklyRange]) -> str:
    if not ranges:
        return t(language, "hours.no_ranges")
    return ", ".join(f"{_hm(r.start_minute)}–{_hm(r.end_minute)}" for r in ranges)


def _describe_off(
    language: str,
    starts_at: datetime,
    ends_at: datetime,
    whole_days: bool,
    tz: ZoneInfo,
    today: date,
) -> str:
    """``Tue 8 Dec – Wed 9 Dec (whole days)``, ``Thu 10 Dec, 09:00–12:00`` (plain text)."""
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if whole_days:
        first, last = start.date(), (end - timedelta(days=1)).date()
        if first == last:
            return _label(language, "off.whole_day", date=_date_label(language, first, today))
        return _label(
            language,
            "off.whole_days",
            first=_date_label(language, first, today),
            last=_date_label(language, last, today),
        )
    end_minute = end.hour * 60 + end.minute
    end_day = end.date()
    if end_minute == 0 and end_day > start.date():
        end_minute, end_day = MIDNIGHT, end_day - timedelta(days=1)
    start_text = _hm(start.hour * 60 + start.minute)
    if end_day == start.date():
        return _label(
            language,
            "off.same_day",
            date=_date_label(language, start.date(), today),
            start=start_text,
            end=_hm(end_minute),
        )
    return _label(
        language,
        "off.span",
        first=_date_label(language, start.date(), today),
        start=start_text,
        last=_date_label(language, end_day, today),
        end=_hm(end_minute),
    )


def _describe_row(language: str, row: TimeOff, tz: ZoneInfo, today: date) -> str:
    return _describe_off(language, row.starts_at, row.ends_at, row.whole_days, tz, today)


async def _hours_overview(update: Update, context: ClinicContext, note: str | None = None) -> None:
    """The weekly hours and upcoming time off, with the buttons that start a change."""
    doctor_id = _principal_id(context)
    tz, language, today = _tz(context), lang(update, context), _today(context)
    async with context.services.transaction() as s:
        hours = await weekly_hours(s, doctor_id)
        time_off = await upcoming_time_off(s, doctor_id=doctor_id, now=_now(context))
    hours_lines = [
        t(
            language,
            "hours.weekday_line",
            weekday=t(language, f"date.weekday_short.{weekday}"),
            ranges=_ranges_text(language, [r for r in hours if r.weekday == weekday]),
        )
        for weekday in range(7)
    ]
    off_lines = [
        t(language, "hours.time_off_line", what=_describe_row(language, row, tz, today))
        for row in time_off
    ] or [t(language, "hours.no_time_off")]
    rows = [
        [
            _button(t(language, "hours.edit_day"), "ho:e"),
            _button(t(language, "hours.add_time_off"), "ho:a"),
        ]
    ]
    if time_off:
        rows.append([_button(t(language, "hours.remove_time_off"), "ho:r")])
    values: dict[str, object] = {
        "zone": tz.key,
        "hours": Raw("\n".join(hours_lines)),
        "time_off": Raw("\n".join(off_lines)),
    }
    if note:
        await edit_or_say(
            update,
            context,
            "hours.overview_with_note",
            InlineKeyboardMarkup(rows),
            note=Raw(note),
            **values,
        )
    else:
        await edit_or_say(update, context, "hours.overview", InlineKeyboardMarkup(rows), **values)


async def _end_flow(update: Update, context: ClinicContext, note: str | None = None) -> int:
    """Leave the change: drop the draft and show the overview again (with ``note``)."""
    context.user_data.pop(_DRAFT, None)
    await _hours_overview(update, context, note)
    await answer(update, context)
    return END


@requires(Role.DOCTOR)
async def show_hours(update: Update, context: ClinicContext) -> int:
    """/hours: the weekly hours and upcoming time off, with buttons to change them."""
    context.user_data.pop(_DRAFT, None)
    try:
        async with context.services.transaction() as s:
            await get_doctor(s, _principal_id(context))
    except NotFound:
        await say(update, context, "hours.no_profile")
        return END
    await _hours_overview(update, context)
    return END


async def _begin(update: Update, context: ClinicContext) -> dict[str, Any] | None:
    """Start a change in the message whose button was pressed; its draft, or ``None`` when the
    account has no doctor profile."""
    query = update.callback_query
    assert query is not None and query.message is not None
    try:
        async with context.services.transaction() as s:
            await get_doctor(s, _principal_id(context))
    except NotFound:
        await refuse(update, context, "hours.no_profile")
        return None
    draft: dict[str, Any] = {"message": query.message.message_id}
    context.user_data[_DRAFT] = draft
    return draft


async def _flow(update: Update, context: ClinicContext) -> dict[str, Any] | None:
    """The draft of the change running in the pressed message; ``None`` (and the press answered
    as stale) for a button of another message."""
    draft = context.user_data.get(_DRAFT)
    query = update.callback_query
    if (
        not isinstance(draft, dict)
        or query is None
        or query.message is None
        or draft.get("message") != query.message.message_id
    ):
        await answer(update, context, "common.stale_button")
        return None
    return draft


@requires(Role.DOCTOR)
async def back_to_hours(update: Update, context: ClinicContext) -> int | None:
    """« Back / Done: leave the change and show the hours again."""
    if await _flow(update, context) is None:
        return None
    return await _end_flow(update, context)


# --- /hours: editing a weekday ------------------------------------------------------------------


def _weekday_name(language: str, weekday: int) -> str:
    return t(language, f"date.weekday.{weekday}")


def _change_note(language: str, done: str, outside: int, weekday: int) -> str:
    if not outside:
        return done
    more = t(
        language,
        "hours.outside_note",
        count=outside,
        weekday=_weekday_name(language, weekday),
    )
    return f"{done}\n{more}"


async def _show_day(
    update: Update, context: ClinicContext, weekday: int, note: str | None = None
) -> None:
    language = lang(update, context)
    async with context.services.transaction() as s:
        hours = await weekly_hours(s, _principal_id(context))
    ranges = [r for r in hours if r.weekday == weekday]
    first_row = [_button(t(language, "hours.add_range"), "hn")]
    if ranges:
        first_row.append(_button(t(language, "hours.clear_day"), "hx"))
    markup = InlineKeyboardMarkup([first_row, [_button(t(language, "hours.done"), "hq")]])
    values: dict[str, object] = {
        "weekday": _weekday_name(language, weekday),
        "zone": _tz(context).key,
        "ranges": _ranges_text(language, ranges) if ranges else t(language, "hours.day_off"),
    }
    if note:
        await edit_or_say(update, context, "hours.day_with_note", markup, note=Raw(note), **values)
    else:
        await edit_or_say(update, context, "hours.day", markup, **values)


@requires(Role.DOCTOR)
async def edit_hours_start(update: Update, context: ClinicContext) -> int:
    """Edit a day: offer the days of the week."""
    if await _begin(update, context) is None:
        return END
    language = lang(update, context)
    rows = _rows([_button(_weekday_name(language, day), f"hw:{day}") for day in range(7)], 3)
    rows.append([_button(t(language, "hours.back"), "hq")])
    await edit_or_say(update, context, "hours.pick_weekday", InlineKeyboardMarkup(rows))
    await answer(update, context)
    return HOURS_WEEKDAY


@requires(Role.DOCTOR)
async def pick_weekday(update: Update, context: ClinicContext) -> int | None:
    """A day of the week: show its ranges with Clear day / Add a range / Done."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    weekday = int(_match(context, 1))
    draft["weekday"] = weekday
    await _show_day(update, context, weekday)
    await answer(update, context)
    return HOURS_DAY


@requires(Role.DOCTOR)
async def clear_day(update: Update, context: ClinicContext) -> int | None:
    """Clear day: the weekday has no hours any more (its appointments stay booked)."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    weekday = int(draft["weekday"])
    language = lang(update, context)
    doctor_id = _principal_id(context)
    async with context.services.transaction() as s:
        await replace_hours(s, doctor_id=doctor_id, ranges=[], weekday=weekday)
        outside = await upcoming_outside_hours(
            s, doctor_id=doctor_id, weekday=weekday, tz=_tz(context), now=_now(context)
        )
    done = t(language, "hours.cleared", weekday=_weekday_name(language, weekday))
    await _show_day(update, context, weekday, _change_note(language, done, outside, weekday))
    await answer(update, context)
    return HOURS_DAY


@requires(Role.DOCTOR)
async def add_range_start(update: Update, context: ClinicContext) -> int | None:
    """Add a range: pick its start."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    draft.update(purpose="hours", picking="start", start=None, hour=None)
    await _show_hour_picker(update, context, draft)
    await answer(update, context)
    return PICK_HOUR


# --- the time picker (a range of hours, or part of a day off) ----------------------------------


def _bounds(draft: dict[str, Any], now_local: datetime) -> tuple[int, int]:
    """The earliest and latest minute of the day the picker offers now."""
    if draft["picking"] == "start":
        return 0, MIDNIGHT - 15
    lowest = int(draft["start"]) + 15
    if draft["purpose"] == "off" and draft.get("first") == day_key(now_local.date()):
        # Time off today must end in the future.
        lowest = max(lowest, (now_local.hour * 60 + now_local.minute) // 15 * 15 + 15)
    return lowest, MIDNIGHT


def _hours_offered(lowest: int, highest: int) -> list[int]:
    hours = [h for h in range(24) if any(lowest <= h * 60 + q <= highest for q in QUARTERS)]
    return [*hours, 24] if highest == MIDNIGHT else hours


def _minutes_offered(hour: int, lowest: int, highest: int) -> list[int]:
    return [hour * 60 + q for q in QUARTERS if lowest <= hour * 60 + q <= highest]


def _picker_title(language: str, draft: dict[str, Any], tz: ZoneInfo) -> str:
    if draft["purpose"] == "hours":
        return t(
            language,
            "pick.range_title",
            weekday=_weekday_name(language, int(draft["weekday"])),
            zone=tz.key,
        )
    return t(
        language,
        "pick.off_title",
        date=long_date(language, parse_day_key(draft["first"])),
        zone=tz.key,
    )


async def _show_hour_picker(update: Update, context: ClinicContext, draft: dict[str, Any]) -> None:
    language, tz = lang(update, context), _tz(context)
    lowest, highest = _bounds(draft, _now(context).astimezone(tz))
    buttons = [
        _button(_hm(MIDNIGHT) if hour == 24 else f"{hour:02d}", f"hth:{hour}")
        for hour in _hours_offered(lowest, highest)
    ]
    rows = _rows(buttons, 6)
    rows.append([_button(t(language, "hours.back"), "htb")])
    title = Raw(_picker_title(language, draft, tz))
    if draft["picking"] == "start":
        await edit_or_say(
            update, context, "pick.start_hour", InlineKeyboardMarkup(rows), title=title
        )
    else:
        await edit_or_say(
            update,
            context,
            "pick.end_hour",
            InlineKeyboardMarkup(rows),
            title=title,
            start=_hm(int(draft["start"])),
        )


async def _show_minute_picker(
    update: Update, context: ClinicContext, draft: dict[str, Any]
) -> None:
    language, tz = lang(update, context), _tz(context)
    lowest, highest = _bounds(draft, _now(context).astimezone(tz))
    hour = int(draft["hour"])
    buttons = [
        _button(_hm(minute), f"htm:{minute}") for minute in _minutes_offered(hour, lowest, highest)
    ]
    markup = InlineKeyboardMarkup([buttons, [_button(t(language, "hours.back"), "htb")]])
    title = Raw(_picker_title(language, draft, tz))
    if draft["picking"] == "start":
        await edit_or_say(
            update, context, "pick.start_minute", markup, title=title, hour=f"{hour:02d}"
        )
    else:
        await edit_or_say(
            update,
            context,
            "pick.end_minute",
            markup,
            title=title,
            start=_hm(int(draft["start"])),
            hour=f"{hour:02d}",
        )


@requires(Role.DOCTOR)
async def pick_hour(update: Update, context: ClinicContext) -> int | None:
    """An hour of the picker (or 24:00 for an end): offer its minutes."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    hour = int(_match(context, 1))
    lowest, highest = _bounds(draft, _now(context).astimezone(_tz(context)))
    if hour not in _hours_offered(lowest, highest):
        await answer(update, context, "common.stale_button")
        return None
    if hour == 24:
        return await _time_picked(update, context, draft, MIDNIGHT)
    draft["hour"] = hour
    await _show_minute_picker(update, context, draft)
    await answer(update, context)
    return PICK_MINUTE


@requires(Role.DOCTOR)
async def pick_minute(update: Update, context: ClinicContext) -> int | None:
    """A time of the picker: the start (then pick the end) or the end (then save)."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    minute = int(_match(context, 1))
    lowest, highest = _bounds(draft, _now(context).astimezone(_tz(context)))
    if draft.get("hour") is None or minute not in _minutes_offered(
        int(draft["hour"]), lowest, highest
    ):
        await answer(update, context, "common.stale_button")
        return None
    return await _time_picked(update, context, draft, minute)


async def _time_picked(
    update: Update, context: ClinicContext, draft: dict[str, Any], minute: int
) -> int:
    if draft["picking"] == "start":
        draft.update(picking="end", start=minute, hour=None)
        await _show_hour_picker(update, context, draft)
        await answer(update, context)
        return PICK_HOUR
    start, end = int(draft["start"]), minute
    if draft["purpose"] == "off":
        day, tz = parse_day_key(draft["first"]), _tz(context)
        draft.update(
            starts_at=_local(day, start, tz).isoformat(),
            ends_at=_local(day, end, tz).isoformat(),
            whole=False,
            shown=[],
        )
        return await _block(update, context, draft)
    language = lang(update, context)
    weekday = int(draft["weekday"])
    doctor_id = _principal_id(context)
    try:
        async with context.services.transaction() as s:
            await add_hours(s, doctor_id=doctor_id, add=WeeklyRange(weekday, start, end))
            outside = await upcoming_outside_hours(
                s, doctor_id=doctor_id, weekday=weekday, tz=_tz(context), now=_now(context)
            )
    except InvalidHours:
        note = t(language, "hours.invalid")
    else:
        done = t(language, "hours.range_added", start=_hm(start), end=_hm(end))
        note = _change_note(language, done, outside, weekday)
    draft.update(picking=None, start=None, hour=None)
    await _show_day(update, context, weekday, note)
    await answer(update, context)
    return HOURS_DAY


@requires(Role.DOCTOR)
async def minute_back(update: Update, context: ClinicContext) -> int | None:
    """« Back from the minutes: the hours again."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    draft["hour"] = None
    await _show_hour_picker(update, context, draft)
    await answer(update, context)
    return PICK_HOUR


@requires(Role.DOCTOR)
async def hour_back(update: Update, context: ClinicContext) -> int | None:
    """« Back from the hours: from the end to the start, from the start to the step before."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    if draft["picking"] == "end":
        draft.update(picking="start", start=None, hour=None)
        await _show_hour_picker(update, context, draft)
        await answer(update, context)
        return PICK_HOUR
    await answer(update, context)
    if draft["purpose"] == "hours":
        await _show_day(update, context, int(draft["weekday"]))
        return HOURS_DAY
    await _show_kind(update, context, draft)
    return OFF_KIND


# --- /hours: adding time off --------------------------------------------------------------------


def _off_window(context: ClinicContext, draft: dict[str, Any]) -> tuple[date, date]:
    """The days the current date picker may offer."""
    today = _today(context)
    lowest = parse_day_key(draft["first"]) if draft.get("step") == "last" else today
    return lowest, today + TIME_OFF_REACH


async def _show_days(update: Update, context: ClinicContext, draft: dict[str, Any]) -> None:
    """Seven days from the draft's page, with paging by week."""
    language, tz, today = lang(update, context), _tz(context), _today(context)
    lowest, highest = _off_window(context, draft)
    page = parse_day_key(draft["page"])
    days = [page + timedelta(days=i) for i in range(7) if page + timedelta(days=i) <= highest]
    rows = _rows(
        [_button(_date_label(language, day, today), f"hod:{day_key(day)}") for day in days], 4
    )
    paging = []
    if page > lowest:
        earlier = max(lowest, page - timedelta(days=7))
        paging.append(_button(t(language, "off.earlier"), f"hop:{day_key(earlier)}"))
    if page + timedelta(days=7) <= highest:
        paging.append(
            _button(t(language, "off.later"), f"hop:{day_key(page + timedelta(days=7))}")
        )
    if paging:
        rows.append(paging)
    if draft.get("step") == "last":
        rows.append([_button(t(language, "hours.back"), "hob")])
        first = parse_day_key(draft["first"])
        await edit_or_say(
            update,
            context,
            "off.pick_last",
            InlineKeyboardMarkup(rows),
            date=long_date(language, first),
            zone=tz.key,
        )
    else:
        rows.append([_button(t(language, "hours.back"), "hq")])
        await edit_or_say(
            update, context, "off.pick_first", InlineKeyboardMarkup(rows), zone=tz.key
        )


async def _show_kind(update: Update, context: ClinicContext, draft: dict[str, Any]) -> None:
    language = lang(update, context)
    markup = InlineKeyboardMarkup(
        [
            [
                _button(t(language, "off.whole"), "hok:w"),
                _button(t(language, "off.part"), "hok:p"),
            ],
            [_button(t(language, "hours.back"), "hob")],
        ]
    )
    await edit_or_say(
        update,
        context,
        "off.pick_kind",
        markup,
        date=long_date(language, parse_day_key(draft["first"])),
        zone=_tz(context).key,
    )


def _picked_day(context: ClinicContext, draft: dict[str, Any]) -> date | None:
    """The day in the pressed button, if the current picker offers it."""
    try:
        day = parse_day_key(_match(context, 1))
    except ValueError:
        return None
    lowest, highest = _off_window(context, draft)
    return day if lowest <= day <= highest else None


@requires(Role.DOCTOR)
async def time_off_start(update: Update, context: ClinicContext) -> int:
    """Add time off: pick the first day."""
    draft = await _begin(update, context)
    if draft is None:
        return END
    draft.update(step="first", page=day_key(_today(context)))
    await _show_days(update, context, draft)
    await answer(update, context)
    return OFF_FIRST


@requires(Role.DOCTOR)
async def page_days(update: Update, context: ClinicContext) -> int | None:
    """◀ Earlier / Later ▶ in a date picker."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    page = _picked_day(context, draft)
    if page is None:
        await answer(update, context, "off.day_out_of_range")
        return None
    draft["page"] = day_key(page)
    await _show_days(update, context, draft)
    await answer(update, context)
    return OFF_LAST if draft.get("step") == "last" else OFF_FIRST


@requires(Role.DOCTOR)
async def pick_first_day(update: Update, context: ClinicContext) -> int | None:
    """The first day off: whole day(s) or part of it?"""
    draft = await _flow(update, context)
    if draft is None:
        return None
    day = _picked_day(context, draft)
    if day is None:
        await answer(update, context, "off.day_out_of_range")
        return None
    draft["first"] = day_key(day)
    await _show_kind(update, context, draft)
    await answer(update, context)
    return OFF_KIND


@requires(Role.DOCTOR)
async def choose_kind(update: Update, context: ClinicContext) -> int | None:
    """Whole day(s): pick the last day. Part of the day: pick the start and end times."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    if _match(context, 1) == "w":
        draft.update(step="last", page=draft["first"])
        await _show_days(update, context, draft)
        await answer(update, context)
        return OFF_LAST
    draft.update(purpose="off", picking="start", start=None, hour=None)
    await _show_hour_picker(update, context, draft)
    await answer(update, context)
    return PICK_HOUR


@requires(Role.DOCTOR)
async def kind_back(update: Update, context: ClinicContext) -> int | None:
    """« Back from whole/part: pick the first day again."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    draft["step"] = "first"
    await _show_days(update, context, draft)
    await answer(update, context)
    return OFF_FIRST


@requires(Role.DOCTOR)
async def last_day_back(update: Update, context: ClinicContext) -> int | None:
    """« Back from the last day: whole/part again."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    draft["step"] = "first"
    await _show_kind(update, context, draft)
    await answer(update, context)
    return OFF_KIND


@requires(Role.DOCTOR)
async def pick_last_day(update: Update, context: ClinicContext) -> int | None:
    """The last whole day off: block the days, or ask first if appointments are in them."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    last = _picked_day(context, draft)
    if last is None:
        await answer(update, context, "off.day_out_of_range")
        return None
    starts_at, ends_at = day_bounds(parse_day_key(draft["first"]), last, _tz(context))
    draft.update(
        starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat(), whole=True, shown=[]
    )
    return await _block(update, context, draft)


async def _block(update: Update, context: ClinicContext, draft: dict[str, Any]) -> int:
    """Block the draft's time if every live appointment in it has been shown to the doctor
    (cancelling those, in the same transaction, and telling the patients); otherwise show them
    and ask."""
    services = context.services
    language, tz, now, today = (
        lang(update, context),
        _tz(context),
        _now(context),
        _today(context),
    )
    doctor_id = _principal_id(context)
    starts_at = datetime.fromisoformat(draft["starts_at"])
    ends_at = datetime.fromisoformat(draft["ends_at"])
    whole = bool(draft["whole"])
    shown = {int(i) for i in draft.get("shown", [])}
    what = _describe_off(language, starts_at, ends_at, whole, tz, today)
    try:
        async with services.transaction() as s:
            outcome = await block_time(
                s,
                doctor_id=doctor_id,
                starts_at=starts_at,
                ends_at=ends_at,
                whole_days=whole,
                shown=shown,
                actor=Actor(doctor_id, Role.DOCTOR),
                policy=policy_of(services.settings),
                now=now,
            )
    except InvalidHours:
        return await _end_flow(update, context, t(language, "off.invalid"))
    if outcome.unseen:
        await _ask_to_cancel(update, context, draft, outcome.unseen, what, again=bool(shown))
        return OFF_CONFIRM
    cancelled = outcome.cancelled
    if cancelled:
        note = t(language, "off.added_cancelled", what=what, count=len(cancelled))
    else:
        note = t(language, "off.added", what=what)
    result = await _end_flow(update, context, note)
    for appt in cancelled:
        await tell_patient(context.bot, services, appt, "cancelled")
    if cancelled:
        kick_deliveries(context)
    return result


async def _ask_to_cancel(
    update: Update,
    context: ClinicContext,
    draft: dict[str, Any],
    live: list[AppointmentView],
    what: str,
    *,
    again: bool,
) -> None:
    language, tz = lang(update, context), _tz(context)
    draft["shown"] = [a.id for a in live]
    lines = [
        t(
            language,
            "off.conflict_line",
            when=when_short(language, a.starts_at, tz),
            patient=a.patient_name,
        )
        for a in live[:CONFLICT_LINES]
    ]
    if len(live) > CONFLICT_LINES:
        lines.append(t(language, "off.more", count=len(live) - CONFLICT_LINES))
    values: dict[str, object] = {
        "count": len(live),
        "what": what,
        "zone": tz.key,
        "lines": Raw("\n".join(lines)),
    }
    markup = InlineKeyboardMarkup(
        [
            [_button(_label(language, "off.confirm", count=len(live)), "hoc:y")],
            [_button(t(language, "hours.back"), "hoc:n")],
        ]
    )
    if again:
        rest = Raw(t(language, "off.conflicts", **values))
        await edit_or_say(update, context, "off.conflicts_changed", markup, rest=rest)
    else:
        await edit_or_say(update, context, "off.conflicts", markup, **values)
    await answer(update, context)


@requires(Role.DOCTOR)
async def confirm_block(update: Update, context: ClinicContext) -> int | None:
    """Block and cancel: add the time off and cancel the appointments shown, in one go."""
    draft = await _flow(update, context)
    if draft is None:
        return None
    return await _block(update, context, draft)


@requires(Role.DOCTOR)
async def decline_block(update: Update, context: ClinicContext) -> int | None:
    """« Back from blocking: nothing is changed."""
    if await _flow(update, context) is None:
        return None
    return await _end_flow(update, context, t(lang(update, context), "off.nothing_changed"))


# --- /hours: removing time off ------------------------------------------------------------------


@requires(Role.DOCTOR)
async def remove_time_off_start(update: Update, context: ClinicContext) -> int:
    """Remove time off: one button per upcoming entry."""
    draft = await _begin(update, context)
    if draft is None:
        return END
    language, tz, today = lang(update, context), _tz(context), _today(context)
    async with context.services.transaction() as s:
        entries = await upcoming_time_off(s, doctor_id=_principal_id(context), now=_now(context))
    if not entries:
        return await _end_flow(update, context, t(language, "off.none_to_remove"))
    rows = [[_button(_describe_row(language, row, tz, today), f"hor:{row.id}")] for row in entries]
    rows.append([_button(t(language, "hours.back"), "hq")])
    await edit_or_say(update, context, "off.pick_remove", InlineKeyboardMarkup(rows), zone=tz.key)
    await answer(update, context)
    return OFF_REMOVE


@requires(Role.DOCTOR)
async def remove_time_off_entry(update: Update, context: ClinicContext) -> int | None:
    """One time off entry: removed, if it is this doctor's and not over."""
    if await _flow(update, context) is None:
        return None
    language, tz, today = lang(update, context), _tz(context), _today(context)
    doctor_id = _principal_id(context)
    time_off_id = int(_match(context, 1))
    try:
        async with context.services.transaction() as s:
            entries = await upcoming_time_off(s, doctor_id=doctor_id, now=_now(context))
            entry = next((row for row in entries if row.id == time_off_id), None)
            if entry is None:
                raise NotFound("time off")
            what = _describe_row(language, entry, tz, today)
            await remove_time_off(s, doctor_id=doctor_id, time_off_id=time_off_id)
    except NotFound:
        await refuse(update, context, "off.not_found")
        return None
    return await _end_flow(update, context, t(language, "off.removed", what=what))


# --- wiring -------------------------------------------------------------------------------------


def _hours_conversation() -> ConversationHandler[ClinicContext]:
    fallbacks = conversation_fallbacks(expects_button)
    with warnings.catch_warnings():
        # Button presses are tracked per chat and user on purpose; each draft remembers the
        # message it runs in, so presses on other messages are told they are stale.
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("hours", show_hours),
                CallbackQueryHandler(edit_hours_start, pattern=r"^ho:e$"),
                CallbackQueryHandler(time_off_start, pattern=r"^ho:a$"),
                CallbackQueryHandler(remove_time_off_start, pattern=r"^ho:r$"),
            ],
            states={
                HOURS_WEEKDAY: [
                    CallbackQueryHandler(pick_weekday, pattern=r"^hw:([0-6])$"),
                    CallbackQueryHandler(back_to_hours, pattern=r"^hq$"),
                ],
                HOURS_DAY: [
                    CallbackQueryHandler(clear_day, pattern=r"^hx$"),
                    CallbackQueryHandler(add_range_start, pattern=r"^hn$"),
                    CallbackQueryHandler(back_to_hours, pattern=r"^hq$"),
                ],
                PICK_HOUR: [
                    CallbackQueryHandler(pick_hour, pattern=r"^hth:(\d{1,2})$"),
                    CallbackQueryHandler(hour_back, pattern=r"^htb$"),
                ],
                PICK_MINUTE: [
                    CallbackQueryHandler(pick_minute, pattern=r"^htm:(\d{1,4})$"),
                    CallbackQueryHandler(minute_back, pattern=r"^htb$"),
                ],
                OFF_FIRST: [
                    CallbackQueryHandler(pick_first_day, pattern=r"^hod:(\d{8})$"),
                    CallbackQueryHandler(page_days, pattern=r"^hop:(\d{8})$"),
                    CallbackQueryHandler(back_to_hours, pattern=r"^hq$"),
                ],
                OFF_KIND: [
                    CallbackQueryHandler(choose_kind, pattern=r"^hok:([wp])$"),
                    CallbackQueryHandler(kind_back, pattern=r"^hob$"),
                ],
                OFF_LAST: [
                    CallbackQueryHandler(pick_last_day, pattern=r"^hod:(\d{8})$"),
                    CallbackQueryHandler(page_days, pattern=r"^hop:(\d{8})$"),
                    CallbackQueryHandler(last_day_back, pattern=r"^hob$"),
                ],
                OFF_CONFIRM: [
                    CallbackQueryHandler(confirm_block, pattern=r"^hoc:y$"),
                    CallbackQueryHandler(decline_block, pattern=r"^hoc:n$"),
                ],
                OFF_REMOVE: [
                    CallbackQueryHandler(remove_time_off_entry, pattern=r"^hor:(\d{1,9})$"),
                    CallbackQueryHandler(back_to_hours, pattern=r"^hq$"),
                ],
            },
            fallbacks=fallbacks,
            name="doctor_hours",
            persistent=True,
            allow_reentry=True,
        )


def handlers() -> list[BaseHandler[Update, ClinicContext, Any]]:
    """This feature's handlers, in registration order."""
    return [
        _hours_conversation(),
        CommandHandler("schedule", show_schedule),
        CallbackQueryHandler(open_schedule, pattern=SCHEDULE_CALLBACK),
        CallbackQueryHandler(list_schedule_doctors, pattern=DOCTORS_CALLBACK),
        CallbackQueryHandler(mark_appointment, pattern=ATTENDANCE_CALLBACK),
    ]
