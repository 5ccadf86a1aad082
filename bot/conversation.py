"""Conversations: named states, typed drafts and the steps that move between them.

A conversation is declared once: its states (a ``StrEnum``, stored by value), its draft (a
dataclass stored as JSON in the chat's row) and, for each state, a :class:`Step`: the screen it
shows, the handlers of its buttons, and what a typed answer does. A handler returns the next
state (the engine then shows that state's screen), :data:`END`, or ``None`` to stay where it
is. The engine (:mod:`bot.dispatch`) checks that a button belongs to the open conversation and
its current step before any handler runs, so handlers never repeat that check.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, Union, get_args, get_origin

from telegram import Update

from bot.callbacks import StepData
from bot.choices import Screen
from db.models import Role

if TYPE_CHECKING:
    from bot.context import ClinicContext


class Ended:
    """The result that ends a conversation."""

    _instance: Ended | None = None

    def __new__(cls) -> Ended:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "END"


END: Final = Ended()

S = TypeVar("S", bound=StrEnum)
D = TypeVar("D")

StepResult = StrEnum | Ended | None
StepHandler = Callable[[Update, "ClinicContext", D], Awaitable[StepResult]]
ScreenBuilder = Callable[[Update, "ClinicContext", D], Awaitable[Screen]]


@dataclass(frozen=True)
class Step(Generic[D]):
    """One state of a conversation.

    ``screen`` builds what the step shows: its question and choices. A typed answer that names
    one of the choices runs that choice's button handler; other text goes to ``text`` (a text
    step's answer, or free text at a button step, e.g. a new specialty), and when there is no
    ``text`` handler the screen is shown again with its choices. At a ``secret`` step every
    message (commands included, but /cancel) is the answer and is deleted at once.
    """

    screen: ScreenBuilder[D]
    buttons: Mapping[type[StepData], StepHandler[D]] = field(default_factory=dict)
    text: StepHandler[D] | None = None
    contact: StepHandler[D] | None = None
    secret: bool = False


class Conversation(Generic[S, D]):
    """A conversation's declaration; see the module docstring."""

    def __init__(
        self,
        name: str,
        states: type[S],
        draft: type[D],
        steps: Mapping[S, Step[D]],
        *,
        roles: frozenset[Role] | None,
        anywhere: Mapping[type[StepData], StepHandler[D]] | None = None,
    ) -> None:
        missing = set(states) - set(steps)
        if missing:
            raise ValueError(f"conversation {name} has no step for {sorted(missing)}")
        if not dataclasses.is_dataclass(draft):
            raise TypeError(f"the draft of {name} must be a dataclass")
        self.name = name
        self.states = states
        self.draft_type = draft
        self.steps: dict[StrEnum, Step[D]] = {state: step for state, step in steps.items()}
        self.roles = roles
        self.anywhere: dict[type[StepData], StepHandler[D]] = dict(anywhere or {})

    def __repr__(self) -> str:
        return f"Conversation({self.name!r})"

    def state(self, value: str) -> S | None:
        """The state stored as ``value``, or ``None`` when this version has no such state."""
        try:
            return self.states(value)
        except ValueError:
            return None

    def handler_for(self, state: StrEnum, button: type[StepData]) -> StepHandler[D] | None:
        """The handler of ``button`` at ``state`` (or anywhere in the conversation)."""
        step = self.steps.get(state)
        if step is not None and button in step.buttons:
            return step.buttons[button]
        return self.anywhere.get(button)

    def dump(self, draft: D) -> dict[str, Any]:
        if not isinstance(draft, self.draft_type):
            raise TypeError(f"{self.name} expects a {self.draft_type.__name__} draft")
        return dump_draft(draft)

    def load(self, data: Mapping[str, Any]) -> D:
        """The draft stored as ``data``; ``ValueError`` when it does not fit this version."""
        return load_draft(self.draft_type, data)


# --- drafts as JSON -----------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("drafts keep aware datetimes only")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_dump(item) for item in items]
    raise TypeError(f"a draft cannot hold {type(value).__name__}")


def dump_draft(draft: Any) -> dict[str, Any]:
    """A draft dataclass as a JSON object."""
    return {f.name: _dump(getattr(draft, f.name)) for f in dataclasses.fields(draft)}


def _load(hint: Any, raw: Any) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if raw is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _load(option, raw)
            except (ValueError, TypeError) as exc:
                errors.append(exc)
        raise ValueError(f"{raw!r} fits none of {hint}")
    if origin in (list, tuple, frozenset, set):
        if not isinstance(raw, list):
            raise ValueError(f"expected a list, got {raw!r}")
        args = get_args(hint)
        item = args[0] if args else Any
        items = [_load(item, entry) for entry in raw]
        return origin(items) if origin is not list else items
    if hint is Any:
        return raw
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(raw)
    if hint is bool:
        if not isinstance(raw, bool):
            raise ValueError(f"expected a bool, got {raw!r}")
        return raw
    if hint is int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError(f"expected an int, got {raw!r}")
        return raw
    if hint is float:
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        return float(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise ValueError(f"expected a string, got {raw!r}")
        return raw
    if hint is datetime:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("naive datetime in a draft")
        return moment
    if hint is date:
        return date.fromisoformat(raw)
    raise TypeError(f"unsupported draft field type {hint!r}")


def load_draft(kind: type[D], data: Mapping[str, Any]) -> D:
    """The ``kind`` dataclass stored as ``data``; ``ValueError`` when it does not fit."""
    import typing

    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _load(hints[f.name], data[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"the draft has no {f.name}")
    return kind(**values)
