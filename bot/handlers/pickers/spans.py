"""The two screens that a doctor's time off and a clinic closure share: the appointments a new
span would cancel, with Confirm and « Back; and the spans not yet over, one button each, a page
at a time, to remove one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.callbacks import CallbackData
from bot.choices import NO, YES, Choice, Screen, day_keys
from bot.context import ClinicContext
from bot.formatting import when_short
from bot.handlers.pickers.dates import (
    BACK_KEYS,
    EARLIER_KEYS,
    LATER_KEYS,
    back_choice,
    describe_span,
    label,
    today,
)
from bot.handlers.pickers.span_picker import SpanDraft
from bot.texts import Raw
from db.booking import AppointmentView, appointment_views

# At most this many appointments are listed when asking to close or block a span.
CONFLICT_LINES = 25
# Spans listed on one page of the removal screen.
REMOVE_PER_PAGE = 8


class Span(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def whole_days(self) -> bool: ...


S = TypeVar("S", bound=Span)


async def conflicts_screen(
    context: ClinicContext,
    draft: SpanDraft,
    *,
    line: Callable[[AppointmentView, str], str],
    text_key: str,
    confirm_key: str,
    confirm: CallbackData,
    back: CallbackData,
) -> Screen:
    """The appointments in the span chosen (those the user is shown, ``draft.shown``), one
    ``line`` each (given the appointment and its time in words), and Confirm / « Back."""
    assert draft.starts_at is not None and draft.ends_at is not None
    tz = context.settings.timezone
    found = await appointment_views(context.db, draft.shown)
    ordered = sorted(found.values(), key=lambda a: (a.starts_at, a.id))
    lines = [line(a, when_short(context.lang, a.starts_at, tz)) for a in ordered[:CONFLICT_LINES]]
    if len(ordered) > CONFLICT_LINES:
        lines.append(context.t("off.more", count=len(ordered) - CONFLICT_LINES))
    text = context.t(
        text_key,
        count=len(ordered),
        what=describe_span(context, draft.starts_at, draft.ends_at, draft.whole_days),
        zone=tz.key,
        lines=Raw("\n".join(lines)),
    )
    if draft.shown_changed:
        text = context.t("off.conflicts_changed", rest=Raw(text))
    rows = [
        [Choice(label(context, confirm_key, count=len(ordered)), confirm, YES)],
        [Choice(context.t("pick.back"), back, (*NO, *BACK_KEYS))],
    ]
    return Screen(text, rows)


def removal_screen(
    context: ClinicContext,
    spans: Sequence[S],
    page: int,
    *,
    remove: Callable[[int], CallbackData],
    turn_page: Callable[[int], CallbackData],
    done: CallbackData,
    none_key: str,
    pick_key: str,
    describe: Callable[[S], str] | None = None,
) -> Screen:
    """One button per span (``remove(its id)``, labelled by ``describe``, by default its time in
    words) on ``page``, ◀ Earlier / Later ▶ and « Back."""
    this_day, tz = today(context), context.settings.timezone
    pages = max(1, -(-len(spans) // REMOVE_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            Choice(
                describe(span)
                if describe is not None
                else describe_span(context, span.starts_at, span.ends_at, span.whole_days),
                remove(span.id),
                day_keys(span.starts_at.astimezone(tz).date(), this_day),
            )
        ]
        for span in spans[page * REMOVE_PER_PAGE : (page + 1) * REMOVE_PER_PAGE]
    ]
    paging = []
    if page > 0:
        paging.append(Choice(context.t("off.earlier"), turn_page(page - 1), EARLIER_KEYS))
    if page < pages - 1:
        paging.append(Choice(context.t("off.later"), turn_page(page + 1), LATER_KEYS))
    if paging:
        rows.append(paging)
    rows.append([back_choice(context, done)])
    if not spans:
        return Screen(context.t(none_key), rows)
    text = context.t(pick_key, zone=tz.key)
    if pages > 1:
        text += "\n" + context.t("doctor.page", page=page + 1, pages=pages)
    return Screen(text, rows)
