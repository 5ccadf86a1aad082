"""/schedule: a doctor's day or week of appointments, with attended / no-show marking; admins
and the front desk pick any doctor from a paged list. A day with visits still to come offers
"✏️ Cancel or move a visit" (:mod:`bot.handlers.frontdesk.visits`).

Its buttons are views, valid whenever pressed: each press re-checks the session, and that the
doctor (or appointment) in its data is the presser's, unless the presser is an admin or the
front desk. Showing a day or a week reads the doctor and the appointments in one statement.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import accumulate

from telegram import Update

from bot.callbacks import (
    DayVisits,
    MarkAttendance,
    OpenSchedule,
    ScheduleDayPage,
    ScheduleDoctors,
    ScheduleDoctorsPage,
)
from bot.choices import Choice, Screen, rows_of
from bot.context import ClinicContext
from bot.formatting import clock, day_label, hhmm, long_date, phone_text
from bot.handlers.doctor.shared import label, today
from bot.paging import lines_in_pages, page_line, page_of, paging_row, short
from bot.routes import Button, Command, Routes, roles
from bot.texts import Raw
from db.booking import (
    Actor,
    AppointmentView,
    DoctorSchedule,
    NotChangeable,
    NotStartedYet,
    doctor_schedule,
    mark_attendance,
)
from db.doctors import day_bounds, doctors_page
from db.errors import NotFound
from db.models import AppointmentStatus, Role

DOCTORS_AND_ADMINS = roles(Role.DOCTOR, Role.ADMIN)
# Who sees any doctor's schedule.
CLINIC_WIDE = roles(Role.STAFF, Role.ADMIN)
VIEWERS = DOCTORS_AND_ADMINS | CLINIC_WIDE
# How far from today a schedule can be paged, either way.
SCHEDULE_REACH = timedelta(days=366)
# Telegram shows up to 4096 characters; views stay within this budget.
TEXT_BUDGET = 3500
# At most this many appointments carry attendance buttons in one view.
ATTENDANCE_ROWS = 40
DOCTORS_PER_PAGE = 10
DAYS_PER_ROW = 4

ATTENDED = AppointmentStatus.ATTENDED.value
NO_SHOW = AppointmentStatus.NO_SHOW.value
BOOKED = AppointmentStatus.BOOKED.value


def _open(doctor_id: int, day: date, days: int = 1) -> OpenSchedule:
    return OpenSchedule(doctor=doctor_id, day=day, days="7" if days == 7 else "1")


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


def _status(context: ClinicContext, appt: AppointmentView) -> str:
    """🕒 booked, ✅ confirmed (the patient will come), 📍 arrived 09:52, ✔ attended, ✖ no-show."""
    if appt.status == BOOKED and appt.arrived_at is not None:
        arrived = clock(appt.arrived_at, context.settings.timezone)
        return context.t("schedule.status.arrived", time=arrived)
    if appt.status == BOOKED and appt.confirmed_at is not None:
        return context.t("schedule.status.confirmed")
    return context.t(f"schedule.status.{appt.status}")


def _line(context: ClinicContext, appt: AppointmentView) -> str:
    tz = context.settings.timezone
    line = context.t(
        "schedule.line",
        start=clock(appt.starts_at, tz),
        end=clock(appt.ends_at, tz),
        patient=appt.patient_name,
        phone=phone_text(context.settings, appt.patient_phone) or context.t("schedule.no_phone"),
        status=Raw(_status(context, appt)),
    )
    if appt.booked_by_clinic:
        line += context.t("schedule.by_clinic")
    if appt.reason:
        line += context.t("arrival.reason_line", reason=appt.reason)
    return line


def _attendance_rows(context: ClinicContext, appts: list[AppointmentView]) -> list[list[Choice]]:
    """✔/✖ for each appointment that has started: both while booked, the other one once marked
    (to correct it). When there are too many, the unmarked and the latest come first."""
    started = [a for a in appts if a.starts_at <= context.now]
    if len(started) > ATTENDANCE_ROWS:
        started = sorted(started, key=lambda a: (a.status != BOOKED, -a.starts_at.timestamp()))
        started = sorted(started[:ATTENDANCE_ROWS], key=lambda a: a.starts_at)
    rows = []
    for appt in started:
        at = clock(appt.starts_at, context.settings.timezone)
        row = []
        if appt.status != ATTENDED:
            row.append(
                Choice(
                    label(context, "attend.mark_attended", time=at),
                    MarkAttendance(appointment=appt.id, mark="a"),
                )
            )
        if appt.status != NO_SHOW:
            row.append(
                Choice(
                    label(context, "attend.mark_no_show", time=at),
                    MarkAttendance(appointment=appt.id, mark="n"),
                )
            )
        rows.append(row)
    return rows


def _away_lines(context: ClinicContext, found: DoctorSchedule, day: date) -> list[str]:
    """The doctor's time off and the clinic's closures on ``day``: the whole day, or from when
    to when that day."""
    tz = context.settings.timezone
    start, end = day_bounds(day, day, tz)

    def minute(at: datetime) -> int:
        local = at.astimezone(tz)
        return 24 * 60 if at >= end else local.hour * 60 + local.minute

    lines = []
    for away in found.away:
        if away.starts_at >= end or away.ends_at <= start:
            continue
        since, until = max(away.starts_at, start), min(away.ends_at, end)
        if since == start and until == end:
            when = context.t("schedule.away_all_day")
        else:
            when = f"{hhmm(minute(since))}–{hhmm(minute(until))}"
        if away.closure and away.name:
            lines.append(context.t("schedule.away_closed_named", name=away.name, when=when))
        else:
            key = "schedule.away_closed" if away.closure else "schedule.away_off"
            lines.append(context.t(key, when=when))
    return lines


def _day_screen(
    context: ClinicContext,
    found: DoctorSchedule,
    day: date,
    page_number: int = 0,
    at_appointment: int | None = None,
) -> Screen:
    """The day's appointments; a day too long for one message is shown a page at a time (the
    page of ``at_appointment`` when given)."""
    language, doctor, appts = context.lang, found.doctor.user_id, found.appointments
    this_day = today(context)
    pages = lines_in_pages([_line(context, a) for a in appts], TEXT_BUDGET)
    ends = list(accumulate(len(part) for part in pages))  # one line per appointment
    if at_appointment is not None:
        index = next((i for i, a in enumerate(appts) if a.id == at_appointment), 0)
        page_number = next(n for n, end in enumerate(ends) if index < end or end == ends[-1])
    page = page_of(pages, page_number, 1)
    lines = page.items[0]
    first = ends[page.page] - len(lines)
    body = "\n".join(
        _away_lines(context, found, day) + (lines or [context.t("schedule.day_empty")])
    )
    marks = context.me.role in DOCTORS_AND_ADMINS
    rows = _attendance_rows(context, appts[first : first + len(lines)]) if marks else []
    paging = paging_row(context, page, lambda p: ScheduleDayPage(doctor=doctor, day=day, page=p))
    if paging:
        rows.append(paging)
    if any(a.status == BOOKED and a.starts_at > context.now for a in appts):
        change = Choice(context.t("schedule.change_visit"), DayVisits(doctor=doctor, day=day))
        rows.append([change])
    previous, following = day - timedelta(days=1), day + timedelta(days=1)
    rows.append(
        [
            Choice(
                label(context, "schedule.previous", day=day_label(language, previous)),
                _open(doctor, previous),
            ),
            Choice(
                label(context, "schedule.next", day=day_label(language, following)),
                _open(doctor, following),
            ),
        ]
    )
    jump = []
    if day != this_day:
        jump.append(Choice(context.t("schedule.today"), _open(doctor, this_day)))
    tomorrow = this_day + timedelta(days=1)
    if day != tomorrow:
        jump.append(Choice(context.t("schedule.tomorrow"), _open(doctor, tomorrow)))
    jump.append(Choice(context.t("schedule.next_7"), _open(doctor, this_day, 7)))
    rows.append(jump)
    if context.me.role in CLINIC_WIDE:
        rows.append([Choice(context.t("schedule.back_to_doctors"), ScheduleDoctors())])
    text = context.t(
        "schedule.day",
        doctor=found.doctor.name,
        date=long_date(language, day),
        zone=context.settings.timezone.key,
        body=Raw(body),
    )
    more = page_line(context, page)
    return Screen(f"{text}\n{more}" if more else text, rows)


def _week_screen(context: ClinicContext, found: DoctorSchedule, first: date) -> Screen:
    language, doctor, tz = context.lang, found.doctor.user_id, context.settings.timezone
    this_day = today(context)
    days = [first + timedelta(days=i) for i in range(7)]
    by_day: dict[date, list[AppointmentView]] = {}
    for appt in found.appointments:
        by_day.setdefault(appt.starts_at.astimezone(tz).date(), []).append(appt)
    parts: list[tuple[str, bool]] = []
    for day in days:
        if parts:
            parts.append(("", False))
        parts.append((context.t("schedule.week_day", date=day_label(language, day)), False))
        items, away = by_day.get(day, []), _away_lines(context, found, day)
        parts.extend((line, False) for line in away)
        if not items and not away:
            parts.append((context.t("schedule.week_day_empty"), False))
        parts.extend((_line(context, a), True) for a in items)
    lines, hidden = _fit(parts)
    if hidden:
        lines.append(context.t("schedule.week_more", count=hidden))
    rows = rows_of([Choice(day_label(language, day), _open(doctor, day)) for day in days], 4)
    rows.append(
        [
            Choice(context.t("schedule.previous_week"), _open(doctor, first - timedelta(7), 7)),
            Choice(context.t("schedule.next_week"), _open(doctor, first + timedelta(7), 7)),
        ]
    )
    jump = [
        Choice(context.t("schedule.today"), _open(doctor, this_day)),
        Choice(context.t("schedule.tomorrow"), _open(doctor, this_day + timedelta(days=1))),
    ]
    if first != this_day:
        jump.append(Choice(context.t("schedule.next_7"), _open(doctor, this_day, 7)))
    rows.append(jump)
    if context.me.role in CLINIC_WIDE:
        rows.append([Choice(context.t("schedule.back_to_doctors"), ScheduleDoctors())])
    text = context.t(
        "schedule.week",
        doctor=found.doctor.name,
        first=long_date(language, days[0]),
        last=long_date(language, days[-1]),
        zone=tz.key,
        body=Raw("\n".join(lines)),
    )
    return Screen(text, rows)


async def schedule_screen(
    context: ClinicContext,
    doctor_id: int,
    first: date,
    days: int,
    page: int = 0,
    at_appointment: int | None = None,
) -> Screen:
    """``days`` (1 or 7) of the doctor's schedule from ``first`` (a day at its ``page``, or
    the page of ``at_appointment``); :class:`NotFound` when there is no such doctor."""
    start, end = day_bounds(first, first + timedelta(days=days - 1), context.settings.timezone)
    found = await doctor_schedule(context.db, doctor_id=doctor_id, start=start, end=end)
    if days == 1:
        return _day_screen(context, found, first, page, at_appointment)
    return _week_screen(context, found, first)


async def doctors_screen(context: ClinicContext, page: int) -> Screen:
    """A page of the doctors whose schedule an admin can open."""
    found = await doctors_page(context.db, page=page, per_page=DOCTORS_PER_PAGE)
    if not found.doctors:
        return Screen(context.t("schedule.no_doctors"))
    this_day, inactive = today(context), context.t("schedule.inactive")
    rows = [
        [
            Choice(
                short(f"{d.name} · {d.specialty}") + ("" if d.active else f" {inactive}"),
                _open(d.user_id, this_day),
            )
        ]
        for d in found.doctors
    ]
    paging = []
    if found.page > 0:
        paging.append(
            Choice(context.t("schedule.prev_page"), ScheduleDoctorsPage(page=found.page - 1))
        )
    if found.page < found.pages - 1:
        paging.append(
            Choice(context.t("schedule.next_page"), ScheduleDoctorsPage(page=found.page + 1))
        )
    if paging:
        rows.append(paging)
    text = context.t("schedule.pick_doctor")
    if found.pages > 1:
        text += "\n" + context.t("doctor.page", page=found.page + 1, pages=found.pages)
    return Screen(text, rows)


# --- handlers -----------------------------------------------------------------------------------


async def show_schedule(update: Update, context: ClinicContext) -> None:
    """/schedule: today's appointments for a doctor; for an admin or the front desk, first the
    list of doctors."""
    if context.me.role in CLINIC_WIDE:
        context.show(await doctors_screen(context, 0))
        return
    try:
        screen = await schedule_screen(context, context.me.user_id, today(context), 1)
    except NotFound:
        context.reply("schedule.no_profile")
        return
    context.show(screen)


def _may_see(context: ClinicContext, doctor_id: int, day: date) -> bool:
    """Whether the presser may see that doctor's day (their own, or any for an admin) and
    the day is within reach; if not, they are told."""
    me = context.me
    if me.role not in CLINIC_WIDE and doctor_id != me.user_id:
        context.alert("schedule.not_yours")
        return False
    if abs(day - today(context)) > SCHEDULE_REACH:
        context.alert("schedule.day_out_of_range")
        return False
    return True


async def _open_schedule(
    context: ClinicContext, doctor_id: int, day: date, days: int, page: int = 0
) -> None:
    if not _may_see(context, doctor_id, day):
        return
    try:
        screen = await schedule_screen(context, doctor_id, day, days, page)
    except NotFound:
        context.alert("schedule.doctor_not_found")
        return
    context.show(screen)


async def open_schedule(update: Update, context: ClinicContext) -> None:
    """A schedule button: the day or week it names, of a doctor the presser may see."""
    wanted = context.payload(OpenSchedule)
    await _open_schedule(context, wanted.doctor, wanted.day, int(wanted.days))


async def open_day_page(update: Update, context: ClinicContext) -> None:
    """◀ / ▶ in a day too long for one message."""
    wanted = context.payload(ScheduleDayPage)
    await _open_schedule(context, wanted.doctor, wanted.day, 1, wanted.page)


async def list_doctors(update: Update, context: ClinicContext) -> None:
    """« Doctors: back to the first page of doctors whose schedule an admin can open."""
    context.show(await doctors_screen(context, 0))


async def page_doctors(update: Update, context: ClinicContext) -> None:
    """◀ / ▶ in the list of doctors."""
    context.show(await doctors_screen(context, context.payload(ScheduleDoctorsPage).page))


async def mark_appointment(update: Update, context: ClinicContext) -> None:
    """✔ / ✖ under an appointment that has started: attended or no-show; the day is redrawn."""
    pressed = context.payload(MarkAttendance)
    me = context.me
    try:
        appt = await mark_attendance(
            context.db,
            appointment_id=pressed.appointment,
            actor=Actor(me.user_id, me.role),
            attended=pressed.mark == "a",
            now=context.now,
        )
    except NotFound:
        context.alert("attend.not_found")
        return
    except NotStartedYet:
        context.alert("attend.not_started")
        return
    except NotChangeable:
        context.alert("attend.cancelled")
        return
    day = appt.starts_at.astimezone(context.settings.timezone).date()
    context.show(await schedule_screen(context, appt.doctor_id, day, 1, at_appointment=appt.id))


ROUTES = Routes(
    commands=[Command("schedule", show_schedule, roles=VIEWERS)],
    buttons=[
        Button(OpenSchedule, open_schedule, roles=VIEWERS),
        Button(ScheduleDayPage, open_day_page, roles=VIEWERS),
        Button(ScheduleDoctors, list_doctors, roles=CLINIC_WIDE),
        Button(ScheduleDoctorsPage, page_doctors, roles=CLINIC_WIDE),
        Button(MarkAttendance, mark_appointment, roles=DOCTORS_AND_ADMINS),
    ],
)
