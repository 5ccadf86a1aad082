"""/closures, removing a closure: one button per closure not yet over, a page at a time.

Whether a closure is not yet over is checked by the use case that removes it, in the same
statement, whatever the button says. Its time is bookable again; the appointments it cancelled
stay cancelled.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import ClosureDone, ClosureRemove, ClosureRemovePage
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import policy_of
from bot.handlers.admin.closures_shared import (
    ClosureDraft,
    ClosureState,
    Result,
    closure_text,
    finish,
    leave,
)
from bot.handlers.pickers import spans
from db.closures import remove_closure, upcoming_closures
from db.errors import NotFound
from db.waitlist import on_freed_everywhere


async def remove_screen(update: Update, context: ClinicContext, draft: ClosureDraft) -> Screen:
    """One button per closure not yet over, a page at a time."""
    flow = context.turn.flow
    return spans.removal_screen(
        context,
        await upcoming_closures(context.db, now=context.now),
        draft.remove_page,
        remove=lambda closure: ClosureRemove(flow=flow, closure=closure),
        turn_page=lambda page: ClosureRemovePage(flow=flow, page=page),
        done=ClosureDone(flow=flow),
        none_key="closures.none_to_remove",
        pick_key="closures.pick_remove",
        describe=lambda closure: closure_text(
            context, closure.starts_at, closure.ends_at, closure
        ),
    )


async def start_removing(context: ClinicContext) -> ClosureState | None:
    """Remove a closure: begin a change at the list of closures, if there are any."""
    if not await upcoming_closures(context.db, now=context.now):
        await leave(context, context.t("closures.none_to_remove"))
        return None
    context.begin(ClosureDraft())
    return ClosureState.REMOVE


async def turn_remove_page(update: Update, context: ClinicContext, draft: ClosureDraft) -> Result:
    """◀ Earlier / Later ▶ in the list of closures to remove."""
    draft.remove_page = context.payload(ClosureRemovePage).page
    return ClosureState.REMOVE


async def remove_entry(update: Update, context: ClinicContext, draft: ClosureDraft) -> Result:
    """One closure: removed, if it is not over."""
    try:
        removed = await remove_closure(
            context.db, closure_id=context.payload(ClosureRemove).closure, now=context.now
        )
    except NotFound:
        context.alert("closures.not_found")
        return None
    await on_freed_everywhere(
        context.db,
        start=removed.starts_at,
        end=removed.ends_at,
        policy=policy_of(context.settings),
        now=context.now,
    )
    what = closure_text(context, removed.starts_at, removed.ends_at, removed)
    return await leave(context, context.t("closures.removed", what=what))


STEPS: dict[ClosureState, Step[ClosureDraft]] = {
    ClosureState.REMOVE: Step(
        remove_screen,
        {
            ClosureRemove: remove_entry,
            ClosureRemovePage: turn_remove_page,
            ClosureDone: finish,
        },
    ),
}
