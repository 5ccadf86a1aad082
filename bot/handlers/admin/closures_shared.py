"""What the /closures journeys share: the conversation's states and draft, and the overview of
upcoming closures every change returns to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from telegram import Update

from bot.callbacks import ClosuresAction
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.conversation import END, Ended, StepResult
from bot.handlers.pickers.dates import describe_span
from bot.handlers.pickers.span_picker import SpanDraft
from bot.routes import roles
from bot.texts import Raw
from db.closures import upcoming_closures
from db.models import Role

ADMINS = roles(Role.ADMIN)
# The overview lists at most this many closures (Remove a closure pages through all).
OVERVIEW_CLOSURES = 15


class ClosureState(StrEnum):
    """The steps of adding or removing a clinic closure."""

    FIRST = "first"  # the first day
    KIND = "kind"  # whole day(s) or part of the day
    LAST = "last"  # the last whole day
    HOUR = "hour"  # the time picker: an hour
    MINUTE = "minute"  # the time picker: its minutes
    NAME = "name"  # what it is for (optional)
    CONFIRM = "confirm"  # close, cancelling the appointments in it?
    REMOVE = "remove"  # which closure to remove


@dataclass
class ClosureDraft(SpanDraft):
    """A closure being added (the span's pickers' fields), or the page of those to remove."""

    remove_page: int = 0
    # What the closure is for, once asked (None: skipped).
    name: str | None = None
    name_asked: bool = False


Result = StepResult


class _Named(Protocol):
    @property
    def whole_days(self) -> bool: ...
    @property
    def name(self) -> str | None: ...


def closure_text(context: ClinicContext, start: datetime, end: datetime, closure: _Named) -> str:
    """``Thu 24 Dec – Fri 25 Dec (whole days) — Christmas`` (plain text)."""
    what = describe_span(context, start, end, closure.whole_days)
    return f"{what} — {closure.name}" if closure.name else what


async def overview_screen(context: ClinicContext) -> Screen:
    """The upcoming closures, with the buttons that add or remove one."""
    found = await upcoming_closures(context.db, now=context.now)
    lines = [
        context.t("closures.line", what=closure_text(context, c.starts_at, c.ends_at, c))
        for c in found[:OVERVIEW_CLOSURES]
    ] or [context.t("closures.none")]
    if len(found) > OVERVIEW_CLOSURES:
        lines.append(context.t("closures.more", count=len(found) - OVERVIEW_CLOSURES))
    buttons = [Choice(context.t("closures.add"), ClosuresAction(action="a"))]
    if found:
        buttons.append(Choice(context.t("closures.remove"), ClosuresAction(action="r")))
    text = context.t(
        "closures.overview", zone=context.settings.timezone.key, lines=Raw("\n".join(lines))
    )
    return Screen(text, [buttons])


async def leave(context: ClinicContext, note: str | None = None) -> Ended:
    """End the change and show the closures again, with ``note`` (HTML) above them."""
    screen = await overview_screen(context)
    context.show(screen.with_lead(note) if note else screen)
    return END


async def finish(update: Update, context: ClinicContext, draft: ClosureDraft) -> Ended:
    """« Back: leave the change and show the closures again."""
    return await leave(context)
