"""The route table: every command, button family and conversation, declared once.

Each journey module exports ``ROUTES``: its commands (name, who may run it, its handler, whose
menu lists it), its buttons (a callback family, who may press it, its handler) and its
conversations. :class:`RouteTable` merges them, refuses duplicates, and derives from them the
dispatcher's look-ups, the per-role command menus and ``/help``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal

from telegram import Update

from bot.callbacks import CallbackData, StepData, families
from bot.conversation import Conversation, Ended
from db.models import Role

if TYPE_CHECKING:
    from bot.context import ClinicContext

Handler = Callable[[Update, "ClinicContext"], Awaitable[StrEnum | Ended | None]]
GUEST: Final = "guest"
Audience = Role | Literal["guest"]
AUDIENCES: Final[tuple[Audience, ...]] = (GUEST, *Role)
# Who may run a route: ``None`` for anyone (logged in or not), else these roles.
Roles = frozenset[Role] | None
SIGNED_IN: Final[frozenset[Role]] = frozenset(Role)


def roles(*allowed: Role) -> frozenset[Role]:
    return frozenset(allowed)


@dataclass(frozen=True)
class Command:
    """``/name``: who may run it, its handler, and whose menu (and /help) lists it.

    ``menu`` defaults to everyone who may run it (guests too when anyone may). With ``payload``,
    the route is ``/name <payload…>`` (a deep link), tried before the plain command.
    """

    name: str
    handler: Handler
    roles: Roles = None
    menu: tuple[Audience, ...] | None = None
    help: bool = True
    payload: str | None = None

    def audiences(self) -> tuple[Audience, ...]:
        if self.payload is not None:
            return ()
        if self.menu is not None:
            return self.menu
        return AUDIENCES if self.roles is None else tuple(self.roles)

    @property
    def specific(self) -> bool:
        """Whether only some roles may run it (listed before the commands everyone has)."""
        return self.roles is not None and self.roles != SIGNED_IN


@dataclass(frozen=True)
class Button:
    """A family of buttons valid wherever they are shown (not a conversation's step)."""

    data: type[CallbackData]
    handler: Handler
    roles: Roles = None


@dataclass(frozen=True)
class Routes:
    """What one journey module declares."""

    commands: Sequence[Command] = ()
    buttons: Sequence[Button] = ()
    conversations: Sequence[Conversation[Any, Any]] = ()


class RouteTable:
    """Every route of the bot, checked for clashes."""

    def __init__(self, *parts: Routes) -> None:
        self.commands: list[Command] = []
        self._plain: dict[str, Command] = {}
        self._deep: dict[str, list[Command]] = {}
        self._buttons: dict[type[CallbackData], Button] = {}
        self._conversations: dict[str, Conversation[Any, Any]] = {}
        self._by_states: dict[type[StrEnum], Conversation[Any, Any]] = {}
        self._by_draft: dict[type[Any], Conversation[Any, Any]] = {}
        self._step_owner: dict[type[StepData], Conversation[Any, Any]] = {}
        for part in parts:
            for command in part.commands:
                self._add_command(command)
            for button in part.buttons:
                self._add_button(button)
            for conversation in part.conversations:
                self._add_conversation(conversation)

    def _add_command(self, command: Command) -> None:
        if command.payload is None:
            if command.name in self._plain:
                raise ValueError(f"/{command.name} is declared twice")
            self._plain[command.name] = command
        else:
            self._deep.setdefault(command.name, []).append(command)
        self.commands.append(command)

    def _add_button(self, button: Button) -> None:
        if issubclass(button.data, StepData):
            raise ValueError(f"{button.data.__name__} is a step's button: declare it in a Step")
        if button.data in self._buttons:
            raise ValueError(f"{button.data.__name__} has two routes")
        self._buttons[button.data] = button

    def _add_conversation(self, conversation: Conversation[Any, Any]) -> None:
        if conversation.name in self._conversations:
            raise ValueError(f"conversation {conversation.name} is declared twice")
        for registry, key in (
            (self._by_states, conversation.states),
            (self._by_draft, conversation.draft_type),
        ):
            if key in registry:
                raise ValueError(f"{key.__name__} belongs to two conversations")
            registry[key] = conversation
        self._conversations[conversation.name] = conversation
        owned = set(conversation.anywhere)
        for step in conversation.steps.values():
            owned |= set(step.buttons)
        for family in owned:
            other = self._step_owner.get(family)
            if other is not None and other is not conversation:
                raise ValueError(f"{family.__name__} is a step of {other.name} and {conversation}")
            self._step_owner[family] = conversation

    # --- look-ups -------------------------------------------------------------------------------

    def command(self, name: str, args: Sequence[str]) -> Command | None:
        """The route of ``/name args``: a deep link whose payload matches, else the command."""
        if args:
            for command in self._deep.get(name, ()):
                assert command.payload is not None
                if args[0].startswith(command.payload):
                    return command
        return self._plain.get(name)

    def button(self, family: type[CallbackData]) -> Button | None:
        return self._buttons.get(family)

    def conversation(self, name: str) -> Conversation[Any, Any] | None:
        return self._conversations.get(name)

    def conversation_of_step(self, family: type[StepData]) -> Conversation[Any, Any] | None:
        return self._step_owner.get(family)

    def conversation_of_state(self, state: StrEnum) -> Conversation[Any, Any] | None:
        return self._by_states.get(type(state))

    def conversation_of_draft(self, draft: object) -> Conversation[Any, Any]:
        conversation = self._by_draft.get(type(draft))
        if conversation is None:
            raise LookupError(f"no conversation has a {type(draft).__name__} draft")
        return conversation

    @property
    def conversations(self) -> list[Conversation[Any, Any]]:
        return list(self._conversations.values())

    # --- menus and help -------------------------------------------------------------------------

    def menu(self, audience: Audience) -> list[Command]:
        """The commands in ``audience``'s menu: their own first, then everyone's."""
        listed = [c for c in self.commands if audience in c.audiences()]
        return sorted(listed, key=lambda c: not c.specific)

    def help(self, audience: Audience) -> list[Command]:
        """The commands ``/help`` lists for ``audience``."""
        return [c for c in self.menu(audience) if c.help]

    def check(self, texts: Iterable[str]) -> list[str]:
        """Problems with the table against the catalog keys ``texts`` (menus need a text)."""
        keys = set(texts)
        problems = []
        for command in self.commands:
            if command.audiences() and f"menu.{command.name}" not in keys:
                problems.append(f"/{command.name} has no menu.{command.name} text")
            if command.help and command.audiences() and f"help.line.{command.name}" not in keys:
                problems.append(f"/{command.name} has no help.line.{command.name} text")
        for prefix, family in families().items():
            if issubclass(family, StepData):
                if family not in self._step_owner:
                    problems.append(f"step button {prefix} is in no conversation")
            elif family not in self._buttons:
                problems.append(f"button {prefix} has no route")
        return problems
