"""Conversation states and scratch answers kept in PostgreSQL, so a restart loses nothing."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import BasePersistence, BaseUpdateProcessor, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.context import BotData, ChatData, UserData
from db.models import ConversationState, ScratchData


def _key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


class PostgresPersistence(BasePersistence[UserData, ChatData, BotData]):
    """PTB persistence for conversations, ``user_data`` and ``chat_data`` (not ``bot_data``)."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], update_interval: float = 1.0
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._sessions = session_factory

    async def _scratch(self, kind: str) -> dict[int, dict[str, Any]]:
        async with self._sessions() as s:
            rows = await s.execute(
                select(ScratchData.owner_id, ScratchData.data).where(ScratchData.kind == kind)
            )
            return defaultdict(dict, {owner: dict(data) for owner, data in rows.all()})

    async def _put_scratch(self, kind: str, owner: int, data: dict[str, Any]) -> None:
        async with self._sessions() as s, s.begin():
            if data:
                stmt = insert(ScratchData).values(kind=kind, owner_id=owner, data=data)
                await s.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[ScratchData.kind, ScratchData.owner_id],
                        set_={"data": stmt.excluded.data},
                    )
                )
            else:
                await s.execute(
                    delete(ScratchData).where(
                        ScratchData.kind == kind, ScratchData.owner_id == owner
                    )
                )

    async def get_user_data(self) -> dict[int, UserData]:
        return await self._scratch("user")

    async def get_chat_data(self) -> dict[int, ChatData]:
        return await self._scratch("chat")

    async def get_bot_data(self) -> BotData:
        return BotData()

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._sessions() as s:
            rows = await s.execute(
                select(ConversationState.key, ConversationState.state).where(
                    ConversationState.name == name
                )
            )
            return {tuple(json.loads(key)): state for key, state in rows.all()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        async with self._sessions() as s, s.begin():
            if new_state is None:
                await s.execute(
                    delete(ConversationState).where(
                        ConversationState.name == name, ConversationState.key == _key(key)
                    )
                )
                return
            stmt = insert(ConversationState).values(name=name, key=_key(key), state=new_state)
            await s.execute(
                stmt.on_conflict_do_update(
                    index_elements=[ConversationState.name, ConversationState.key],
                    set_={"state": stmt.excluded.state},
                )
            )

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        await self._put_scratch("user", user_id, data)

    async def update_chat_data(self, chat_id: int, data: ChatData) -> None:
        await self._put_scratch("chat", chat_id, data)

    async def update_bot_data(self, data: BotData) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._put_scratch("chat", chat_id, {})

    async def drop_user_data(self, user_id: int) -> None:
        await self._put_scratch("user", user_id, {})

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: ChatData) -> None:
        return None

    async def refresh_bot_data(self, bot_data: BotData) -> None:
        return None

    async def flush(self) -> None:
        return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one after another; different chats run concurrently.

    Conversations stay consistent (a chat never races itself) while one slow chat (password
    hashing, a busy database) does not hold up the others.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = defaultdict(int)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:
                del self._waiting[chat.id]
                self._locks.pop(chat.id, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
