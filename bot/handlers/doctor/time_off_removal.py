"""/hours, removing time off: one button per entry not yet over, a page at a time.

Whether an entry is this doctor's and not yet over is checked by the use case that removes it,
in the same statement, whatever the button says.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import HoursDone, OffRemove, OffRemovePage
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import policy_of
from bot.handlers.doctor.shared import HoursDraft, HoursState, Result, finish_change, leave_change
from bot.handlers.pickers import spans
from bot.handlers.pickers.dates import describe_span
from db.doctors import remove_time_off, upcoming_time_off
from db.errors import NotFound
from db.waitlist import on_freed


async def remove_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    """One button per time off not yet over, a page at a time."""
    flow = context.turn.flow
    return spans.removal_screen(
        context,
        await upcoming_time_off(context.db, doctor_id=context.me.user_id, now=context.now),
        draft.remove_page,
        remove=lambda entry: OffRemove(flow=flow, time_off=entry),
        turn_page=lambda page: OffRemovePage(flow=flow, page=page),
        done=HoursDone(flow=flow),
        none_key="off.none_to_remove",
        pick_key="off.pick_remove",
    )


async def start_removing(context: ClinicContext) -> HoursState | None:
    """Remove time off: begin a change at the list of entries, if there are any."""
    if not await upcoming_time_off(context.db, doctor_id=context.me.user_id, now=context.now):
        await leave_change(context, context.t("off.none_to_remove"))
        return None
    context.begin(HoursDraft())
    return HoursState.OFF_REMOVE


async def turn_remove_page(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """◀ Earlier / Later ▶ in the list of time off to remove."""
    draft.remove_page = context.payload(OffRemovePage).page
    return HoursState.OFF_REMOVE


async def remove_entry(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """One time off: removed, if it is this doctor's and not over."""
    try:
        removed = await remove_time_off(
            context.db,
            doctor_id=context.me.user_id,
            time_off_id=context.payload(OffRemove).time_off,
            now=context.now,
        )
    except NotFound:
        context.alert("off.not_found")
        return None
    await on_freed(
        context.db,
        doctor_id=context.me.user_id,
        start=removed.starts_at,
        end=removed.ends_at,
        policy=policy_of(context.settings),
        now=context.now,
    )
    what = describe_span(context, removed.starts_at, removed.ends_at, removed.whole_days)
    return await leave_change(context, context.t("off.removed", what=what))


STEPS: dict[HoursState, Step[HoursDraft]] = {
    HoursState.OFF_REMOVE: Step(
        remove_screen,
        {OffRemove: remove_entry, OffRemovePage: turn_remove_page, HoursDone: finish_change},
    ),
}
