"""The typed context every handler and job receives.

For an update, the dispatcher fills it with the update's database session (one transaction),
the chat's turn (its open conversation), the verified principal, and an outbox: handlers queue
what to say, and it is sent once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackContext, ExtBot

from bot.callbacks import CallbackData
from bot.choices import ReplyMarkup, Screen
from bot.outbox import (
    Delete,
    Document,
    Menu,
    Outbox,
    Photo,
    Send,
    Show,
    StripButtons,
    menu_entries,
)
from bot.settings import Settings
from bot.texts import Raw, language_of, t
from db.accounts import Principal, SessionProblem
from db.clock import Clock
from db.models import Role

if TYPE_CHECKING:
    from bot.mailer import Mailer
    from bot.routes import RouteTable
    from bot.turn import Turn

C = TypeVar("C", bound=CallbackData)
T = TypeVar("T")


@dataclass
class Services:
    """What the bot's handlers and jobs depend on; built once by the CLI or a test."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    mailer: Mailer | None = None

    async def close(self) -> None:
        """Release the database connections."""
        bind = self.session_factory.kw.get("bind")
        if isinstance(bind, AsyncEngine):
            await bind.dispose()

    @property
    def jwt_secret(self) -> str:
        return self.settings.require_jwt_secret().get()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session and transaction, committed on success and rolled back on error."""
        async with self.session_factory() as s, s.begin():
            yield s


class BotData:
    """``application.bot_data``: the services and the route table (never persisted)."""

    __slots__ = ("_routes", "_services")

    def __init__(self) -> None:
        self._services: Services | None = None
        self._routes: RouteTable | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not attached to the application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value

    @property
    def routes(self) -> RouteTable:
        if self._routes is None:
            raise RuntimeError("routes are not attached to the application")
        return self._routes

    @routes.setter
    def routes(self, value: RouteTable) -> None:
        self._routes = value


UserData = dict[str, Any]
ChatData = dict[str, Any]


class ClinicContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """Handler context: services, and for an update its session, turn, principal and outbox."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.principal: Principal | None = None
        self.problem: SessionProblem = SessionProblem.NONE
        self.out = Outbox()
        self.button: CallbackData | None = None  # the button pressed, or the choice typed
        self.text: str | None = None  # the text of a typed answer
        self.telegram_language: str | None = None
        self.lead: str | None = None  # a line above the next screen shown (see ``note``)
        self.now: datetime = datetime.min
        self._db: AsyncSession | None = None
        self._turn: Turn | None = None
        self._memo: dict[Hashable, Any] = {}

    # --- services -------------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def settings(self) -> Settings:
        return self.bot_data.services.settings

    @property
    def routes(self) -> RouteTable:
        return self.bot_data.routes

    # --- the update's session, turn and principal -----------------------------------------------

    @property
    def db(self) -> AsyncSession:
        """The update's session: one transaction, committed before anything is sent."""
        if self._db is None:
            raise RuntimeError("no database session outside an update's turn")
        return self._db

    @property
    def turn(self) -> Turn:
        if self._turn is None:
            raise RuntimeError("no turn outside an update")
        return self._turn

    def bind(self, db: AsyncSession | None, turn: Turn | None) -> None:
        self._db, self._turn = db, turn
        self._memo.clear()

    async def once(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """``compute()``'s result, read once per update for ``key``: a look-up that a step
        and the screen it leads to both need costs one statement, not two."""
        if key not in self._memo:
            self._memo[key] = await compute()
        value: T = self._memo[key]
        return value

    @property
    def me(self) -> Principal:
        """The verified principal (routes that require a role always have one)."""
        if self.principal is None:
            raise RuntimeError("this route has no verified principal")
        return self.principal

    @property
    def lang(self) -> str:
        """The language to answer in: the account's, else the chat's choice, else Telegram's."""
        if self.principal is not None and self.principal.language:
            return self.principal.language
        if self._turn is not None and self._turn.language:
            return self._turn.language
        return language_of(self.telegram_language)

    def payload(self, kind: type[C]) -> C:
        """The pressed (or typed) button as ``kind``."""
        if not isinstance(self.button, kind):
            raise RuntimeError(f"expected a {kind.__name__} button, got {self.button!r}")
        return self.button

    def begin(self, draft: object) -> None:
        """Start the conversation whose draft type is ``draft``'s (an open one is replaced);
        the handler then returns its first state."""
        self.turn.begin(draft)

    # --- what to say (sent after the transaction commits) ---------------------------------------

    def t(self, key: str, /, **values: object) -> str:
        return t(self.lang, key, **values)

    def reply(self, key: str, /, markup: ReplyMarkup | None = None, **values: object) -> None:
        """Send the text ``key`` as a new message."""
        self.out.actions.append(Send(self.t(key, **values), markup))

    def note(self, key: str, /, **values: object) -> None:
        """A line shown above the screen of the state the handler returns."""
        self.lead = self.t(key, **values)

    def send(self, text: str, markup: ReplyMarkup | None = None) -> None:
        """Send ``text`` (already rendered HTML) as a new message."""
        self.out.actions.append(Send(text, markup))

    def show(self, screen: Screen) -> None:
        """Show ``screen``: in place of the pressed button's message, else as a new message."""
        markup = screen.markup()
        if isinstance(markup, InlineKeyboardMarkup) or markup is None:
            self.out.actions.append(Show(screen.text, markup))
        else:
            self.out.actions.append(Send(screen.text, markup))

    def send_photo(
        self, data: bytes, caption: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Send a picture (PNG bytes) with ``caption`` (already rendered HTML)."""
        self.out.actions.append(Photo(data, caption, markup))

    def show_photo(
        self, data: bytes, caption: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Show a picture in place of the pressed button's picture, else as a new message."""
        self.out.actions.append(Photo(data, caption, markup, replace=True))

    def send_document(
        self,
        data: bytes,
        filename: str,
        caption: str = "",
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Send a file named ``filename`` with ``caption`` (already rendered HTML)."""
        self.out.actions.append(Document(data, filename, caption, markup))

    def show_text(self, key: str, /, **values: object) -> None:
        """Show the text ``key`` without buttons, in place of the pressed button's message."""
        self.out.actions.append(Show(self.t(key, **values)))

    def alert(self, key: str, /, **values: object) -> None:
        """A short notice: a pop-up on the pressed button, else a message. Plain text."""
        text = self.t(key, **{k: _plain(v) for k, v in values.items()})
        if self.update_is_callback:
            self.out.answer_text, self.out.answer_alert = text, True
        else:
            self.out.actions.append(Send(text))

    def toast(self, key: str, /, **values: object) -> None:
        """A brief notice on the pressed button (no pop-up to dismiss)."""
        text = self.t(key, **{k: _plain(v) for k, v in values.items()})
        if self.update_is_callback:
            self.out.answer_text, self.out.answer_alert = text, False
        else:
            self.out.actions.append(Send(text))

    def delete_message(self, message_id: int, *, secret: bool = True) -> None:
        self.out.actions.append(Delete(message_id, secret))

    def strip_buttons(self) -> None:
        self.out.actions.append(StripButtons())

    def set_menu(self, role: Role | None, language: str | None = None) -> None:
        """Make this chat's command menu the one of ``role`` (``None``: logged out)."""
        if role is None:
            self.out.actions.append(Menu(None))
            return
        names = [command.name for command in self.routes.menu(role)]
        self.out.actions.append(Menu(menu_entries(names, language or self.lang)))

    def after_commit(self, hook: Callable[[], Awaitable[None] | None]) -> None:
        """Run ``hook`` once the update's changes are stored and its replies sent."""
        self.out.after_commit.append(hook)

    update_is_callback: bool = False


def _plain(value: object) -> object:
    """Values for a plain-text surface go in as typed (the catalog escapes others for HTML)."""
    return value if isinstance(value, Raw) else Raw(str(value))
