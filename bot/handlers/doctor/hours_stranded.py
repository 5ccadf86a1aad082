"""/hours, visits a change of hours left outside them: keep them, or cancel them and tell the
patients, one by one or all at once.

Clearing a weekday, or typing its hours anew, can leave upcoming visits on that weekday outside
the doctor's hours. They stay booked until the doctor decides: the list shows them, a page at a
time, each with **Keep** and **Cancel and tell the patient**, and **Keep all** / **Cancel all**
below. A cancellation goes through the use case (the patient is told through the outbox, once
committed); the draft holds the ids still to decide, and only those can be cancelled here.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import HoursDone, StrandedAll, StrandedCancel, StrandedKeep, StrandedPage
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import policy_of, when_short
from bot.handlers.doctor.shared import (
    HoursDraft,
    HoursState,
    Result,
    finish_change,
    lead,
    weekday_name,
)
from bot.handlers.pickers.dates import EARLIER_KEYS, LATER_KEYS, label
from bot.texts import Raw
from db.booking import (
    Actor,
    AppointmentView,
    DayHours,
    NotChangeable,
    appointment_views,
    cancel,
    cancel_all,
)
from db.errors import NotFound

PER_PAGE = 5
# Why these visits were cancelled (``appointments.cancel_reason``).
REASON = "hours"
KEEP_ALL_KEYS = ("keep all", "keep them", "mantener todas", "mantenerlas")
CANCEL_ALL_KEYS = ("cancel all", "cancel them", "cancelar todas", "cancelarlas")


def strand(context: ClinicContext, draft: HoursDraft, done: str, changed: DayHours) -> Result:
    """After a change of the draft's weekday: ``done`` (HTML) above the list of the visits it
    left outside the hours, to decide on; or above the day, with a note of those kept before."""
    draft.stranded, draft.stranded_page = [a.id for a in changed.stranded], 0
    if changed.stranded:
        lead(context, done)
        return HoursState.STRANDED
    if changed.outside:
        name = weekday_name(context, changed.weekday)
        lead(context, done, context.t("hours.outside_note", count=changed.outside, weekday=name))
    else:
        lead(context, done)
    return HoursState.DAY


async def _undecided(context: ClinicContext, draft: HoursDraft) -> list[AppointmentView]:
    """The visits of the list still booked and not started, by start (a patient may have
    cancelled one meanwhile)."""
    found = await appointment_views(context.db, draft.stranded)
    return sorted(
        (
            a
            for a in found.values()
            if a.status == "booked"
            and a.starts_at > context.now
            and a.doctor_id == context.me.user_id
        ),
        key=lambda a: (a.starts_at, a.id),
    )


def _what(context: ClinicContext, appointment: AppointmentView) -> str:
    when = when_short(context.lang, appointment.starts_at, context.settings.timezone)
    return f"{when} — {appointment.patient_name}"


# --- the screen ---------------------------------------------------------------------------------


async def stranded_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    """The visits left outside the hours, numbered, a page at a time, each with Keep and
    Cancel; Keep all and Cancel all below."""
    flow, zone = context.turn.flow, context.settings.timezone.key
    undecided = await _undecided(context, draft)
    if not undecided:
        done = Choice(context.t("hours.done"), HoursDone(flow=flow), ("done", "hecho", "listo"))
        return Screen(context.t("hours.stranded_none"), [[done]])
    pages = -(-len(undecided) // PER_PAGE)
    page = min(max(draft.stranded_page, 0), pages - 1)
    first = page * PER_PAGE
    shown = list(enumerate(undecided[first : first + PER_PAGE], start=first + 1))
    lines = [
        context.t("hours.stranded_line", number=number, what=_what(context, appointment))
        for number, appointment in shown
    ]
    rows = [
        [
            Choice(
                label(context, "hours.keep_one", number=number),
                StrandedKeep(flow=flow, appointment=appointment.id),
            ),
            Choice(
                label(context, "hours.cancel_one", number=number),
                StrandedCancel(flow=flow, appointment=appointment.id),
            ),
        ]
        for number, appointment in shown
    ]
    paging = []
    if page > 0:
        earlier = StrandedPage(flow=flow, page=page - 1)
        paging.append(Choice(context.t("off.earlier"), earlier, EARLIER_KEYS))
    if page < pages - 1:
        later = StrandedPage(flow=flow, page=page + 1)
        paging.append(Choice(context.t("off.later"), later, LATER_KEYS))
    if paging:
        rows.append(paging)
    if len(undecided) > 1:
        keep_all = StrandedAll(flow=flow, action="k")
        cancel_all_ = StrandedAll(flow=flow, action="c")
        count = len(undecided)
        rows.append([Choice(context.t("hours.keep_all"), keep_all, KEEP_ALL_KEYS)])
        rows.append(
            [Choice(label(context, "hours.cancel_all", count=count), cancel_all_, CANCEL_ALL_KEYS)]
        )
    text = context.t(
        "hours.stranded",
        count=len(undecided),
        weekday=weekday_name(context, draft.weekday or 0),
        zone=zone,
        lines=Raw("\n".join(lines)),
    )
    if pages > 1:
        text += "\n" + context.t("doctor.page", page=page + 1, pages=pages)
    return Screen(text, rows)


# --- deciding -----------------------------------------------------------------------------------


async def _next(context: ClinicContext, draft: HoursDraft) -> Result:
    """The list again while visits are left to decide on, else the day."""
    draft.stranded = [a.id for a in await _undecided(context, draft)]
    return HoursState.STRANDED if draft.stranded else HoursState.DAY


async def keep_one(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Keep: the visit stays booked, outside the hours."""
    appointment_id = context.payload(StrandedKeep).appointment
    if appointment_id not in draft.stranded:
        context.alert("common.stale_button")
        return None
    found = (await appointment_views(context.db, [appointment_id])).get(appointment_id)
    draft.stranded.remove(appointment_id)
    if found is not None:
        lead(context, context.t("hours.kept_one", what=_what(context, found)))
    return await _next(context, draft)


async def cancel_one(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Cancel and tell the patient: the visit is cancelled; the patient is told once
    committed."""
    appointment_id = context.payload(StrandedCancel).appointment
    if appointment_id not in draft.stranded:
        context.alert("common.stale_button")
        return None
    draft.stranded.remove(appointment_id)
    me = context.me
    try:
        cancelled = await cancel(
            context.db,
            appointment_id=appointment_id,
            actor=Actor(me.user_id, me.role),
            policy=policy_of(context.settings),
            now=context.now,
            reason=REASON,
        )
    except (NotFound, NotChangeable):
        lead(context, context.t("hours.stranded_gone"))
        return await _next(context, draft)
    lead(context, context.t("hours.cancelled_one", what=_what(context, cancelled)))
    return await _next(context, draft)


async def decide_all(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Keep all, or Cancel all and tell the patients: every visit still on the list."""
    undecided = await _undecided(context, draft)
    draft.stranded, draft.stranded_page = [], 0
    if context.payload(StrandedAll).action == "k":
        lead(context, context.t("hours.kept_all", count=len(undecided)))
        return HoursState.DAY
    me = context.me
    cancelled = await cancel_all(
        context.db,
        appointment_ids=[a.id for a in undecided],
        actor=Actor(me.user_id, me.role),
        policy=policy_of(context.settings),
        now=context.now,
        reason=REASON,
    )
    lead(context, context.t("hours.cancelled_all", count=len(cancelled)))
    return HoursState.DAY


async def turn_page(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """◀ Earlier / Later ▶ in the list."""
    draft.stranded_page = context.payload(StrandedPage).page
    return HoursState.STRANDED


STEPS: dict[HoursState, Step[HoursDraft]] = {
    HoursState.STRANDED: Step(
        stranded_screen,
        {
            StrandedKeep: keep_one,
            StrandedCancel: cancel_one,
            StrandedAll: decide_all,
            StrandedPage: turn_page,
            HoursDone: finish_change,
        },
    ),
}
