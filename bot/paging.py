"""Lists a page at a time, so that every screen stays within Telegram's limits.

Telegram refuses a message over 4096 characters and a keyboard over 100 buttons (8 a row), so
no screen shows a whole list that can grow: doctors, specialties, patients, appointments and
time off are shown a page at a time, each page small enough whatever the names in it (names
are up to 120 characters, specialties 80), with ◀ / ▶ to move between pages. A typed answer
still names any item of the list, not only those on the page shown (:func:`match_any`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, TypeVar

from telegram import Update

from bot.callbacks import CallbackData, StepData
from bot.choices import Choice, match
from bot.conversation import Ended
from bot.outbox import ELLIPSIS, clip, visible_length

if TYPE_CHECKING:
    from bot.context import ClinicContext

T = TypeVar("T")

# A page's text stays under this (Telegram's limit is 4096), leaving room for a note above it.
TEXT_BUDGET = 3500
# Button labels longer than this are shortened (the full name is in the text above them).
LABEL_LENGTH = 48
# A typed answer naming several items is told at most this many of them.
NAMED_AT_MOST = 5
EARLIER_KEYS = ("previous", "earlier", "back", "anterior", "anteriores", "antes")
LATER_KEYS = ("next", "more", "later", "siguiente", "siguientes", "mas", "despues")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0), how many pages, the list's size."""

    items: list[T]
    page: int
    pages: int
    first: int  # the position of items[0] in the whole list (from 0)
    total: int

    @property
    def numbered(self) -> list[tuple[int, T]]:
        """The page's items with their number in the whole list (from 1)."""
        return list(enumerate(self.items, start=self.first + 1))


def page_of(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """Page ``page`` of ``items`` (a page past either end is the nearest one that exists)."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(page, 0), pages - 1)
    first = page * per_page
    return Page(list(items[first : first + per_page]), page, pages, first, len(items))


def page_at(items: Sequence[T], index: int, per_page: int) -> Page[T]:
    """The page that shows ``items[index]``."""
    return page_of(items, max(index, 0) // per_page, per_page)


def paging_row(
    context: ClinicContext, page: Page[T], data: Callable[[int], CallbackData]
) -> list[Choice]:
    """◀ Previous / Next ▶ (typed: "previous", "next"…) for a list of several pages; no row
    for a list of one page."""
    row = []
    if page.page > 0:
        row.append(Choice(context.t("page.previous"), data(page.page - 1), EARLIER_KEYS))
    if page.page < page.pages - 1:
        row.append(Choice(context.t("page.next"), data(page.page + 1), LATER_KEYS))
    return row


def page_line(context: ClinicContext, page: Page[T]) -> str:
    """ "Page 2 of 5." for a list of several pages, else nothing."""
    if page.pages < 2:
        return ""
    return context.t("page.of", page=page.page + 1, pages=page.pages)


def short(label: str, length: int = LABEL_LENGTH) -> str:
    """A button label no longer than ``length``."""
    return clip(label, length)


def lines_in_pages(lines: Sequence[str], budget: int = TEXT_BUDGET) -> list[list[str]]:
    """``lines`` (HTML) cut into pages of whole lines, each within ``budget`` as Telegram
    counts it; a single line over the budget is a page of its own (callers keep lines short)."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        size = visible_length(line) + 1
        if pages[-1] and used + size > budget:
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += size
    return pages


def match_any(choices: Sequence[Choice], typed: str) -> tuple[Choice | None, list[str]]:
    """The one choice of a whole list (every page) that ``typed`` names; else ``None`` and the
    labels of the ones it could mean (at most :data:`NAMED_AT_MOST`, then "…")."""
    found = match(choices, typed)
    if found.choice is not None:
        return found.choice, []
    labels = [choice.label for choice in found.candidates[:NAMED_AT_MOST]]
    if len(found.candidates) > NAMED_AT_MOST:
        labels.append(ELLIPSIS)
    return None, labels


async def pick_typed(
    update: Update, context: ClinicContext, draft: object, every: Sequence[Choice]
) -> StrEnum | Ended | None:
    """A typed answer that names one item of a whole list (``every``, all its pages): as if
    its button had been pressed. Naming several, or none, the step is shown again with a note.
    For a step's ``text`` handler."""
    turn = context.turn
    found, candidates = match_any(every, context.text or "")
    data = found.data if found is not None else None
    if isinstance(data, StepData) and turn.conversation is not None and turn.state is not None:
        handler = turn.conversation.handler_for(turn.state, type(data))
        if handler is not None:
            context.button = data
            return await handler(update, context, draft)
    if candidates:
        context.note("page.which_one", choices=", ".join(candidates))
    else:
        context.note("common.pick_one")
    return turn.state
