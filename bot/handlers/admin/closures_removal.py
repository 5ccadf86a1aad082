"""/closures, removing a closure: one button per closure not yet over, a page at a time.

Whether a closure is not yet over is checked by the use case that removes it, in the same
statement, whatever the button says. Its time is bookable again; the appointments it cancelled
stay cancelled.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import ClosureDone, ClosureRemove, ClosureRemovePage
from bot.choices import Choice, Screen, day_keys
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import policy_of
from bot.handlers.admin.closures_shared import (
    ClosureDraft,
    ClosureState,
    Result,
    finish,
    leave,
)
from bot.handlers.pickers.dates import (
    EARLIER_KEYS,
    LATER_KEYS,
    back_choice,
    describe_span,
    today,
)
from db.closures import remove_closure, upcoming_closures
from db.errors import NotFound
from db.waitlist import on_freed_everywhere

REMOVE_PER_PAGE = 8


async def remove_screen(update: Update, context: ClinicContext, draft: ClosureDraft) -> Screen:
    """One button per closure not yet over, a page at a time."""
    flow, this_day, tz = context.turn.flow, today(context), context.settings.timezone
    found = await upcoming_closures(context.db, now=context.now)
    pages = max(1, -(-len(found) // REMOVE_PER_PAGE))
    page = min(max(draft.remove_page, 0), pages - 1)
    rows = [
        [
            Choice(
                describe_span(context, closure.starts_at, closure.ends_at, closure.whole_days),
                ClosureRemove(flow=flow, closure=closure.id),
                day_keys(closure.starts_at.astimezone(tz).date(), this_day),
            )
        ]
        for closure in found[page * REMOVE_PER_PAGE : (page + 1) * REMOVE_PER_PAGE]
    ]
    paging = []
    if page > 0:
        earlier = ClosureRemovePage(flow=flow, page=page - 1)
        paging.append(Choice(context.t("off.earlier"), earlier, EARLIER_KEYS))
    if page < pages - 1:
        later = ClosureRemovePage(flow=flow, page=page + 1)
        paging.append(Choice(context.t("off.later"), later, LATER_KEYS))
    if paging:
        rows.append(paging)
    rows.append([back_choice(context, ClosureDone(flow=flow))])
    if not found:
        return Screen(context.t("closures.none_to_remove"), rows)
    text = context.t("closures.pick_remove", zone=tz.key)
    if pages > 1:
        text += "\n" + context.t("doctor.page", page=page + 1, pages=pages)
    return Screen(text, rows)


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
    what = describe_span(context, removed.starts_at, removed.ends_at, removed.whole_days)
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
