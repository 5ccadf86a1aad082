"""The typed context every handler and job receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from db.accounts import Principal
from db.clock import Clock

if TYPE_CHECKING:
    from bot.mailer import Mailer


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
    """``application.bot_data``: holds the services (not persisted)."""

    __slots__ = ("_services",)

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not attached to the application")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


UserData = dict[str, Any]
ChatData = dict[str, Any]


class ClinicContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    """Handler context with the clinic's services and the verified principal of this update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.principal: Principal | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def user_data(self) -> UserData:
        """The user's scratch data (every update the bot handles has a user)."""
        data = super().user_data
        if data is None:
            raise RuntimeError("this update has no user")
        return data

    @user_data.setter
    def user_data(self, value: object) -> None:
        raise AttributeError("user_data cannot be replaced")

    @property
    def settings(self) -> Settings:
        return self.bot_data.services.settings
