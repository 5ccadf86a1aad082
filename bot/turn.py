"""A chat's conversation for the length of one update: read at its start, saved at its end
(only when it changed), in the update's one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.conversation import Conversation, Step
from bot.routes import RouteTable
from db.chats import ChatRecord
from db.chats import Conversation as StoredConversation


class Turn:
    """The open conversation (its state and typed draft), the chat's language and its
    conversation counter, as this update sees and changes them."""

    def __init__(
        self, record: ChatRecord, routes: RouteTable, *, now: datetime, timeout: timedelta
    ) -> None:
        self.chat_id = record.chat_id
        self.language = record.language
        self.flow = record.flow
        self.conversation: Conversation[Any, Any] | None = None
        self.state: StrEnum | None = None
        self.draft: Any = None
        # What the update found: a conversation that lapsed unanswered, or one this version
        # of the bot cannot read back (both are closed, and the user told).
        self.expired: Conversation[Any, Any] | None = None
        self.lost = False
        # Set by begin(): the conversation a new command or button replaced.
        self.replaced: Conversation[Any, Any] | None = None
        self._routes = routes
        self._now = now
        self._timeout = timeout
        self._expires_at: datetime | None = None
        self._stored = record.stored
        self._saved = self._snapshot_of(record)
        stored = record.conversation
        if stored is None:
            return
        conversation = routes.conversation(stored.name)
        state = conversation.state(stored.state) if conversation else None
        try:
            draft = conversation.load(stored.draft) if conversation else None
        except (ValueError, TypeError):
            draft = None
        if conversation is None or state is None or draft is None:
            self.lost = True
            return
        if stored.expires_at is not None and stored.expires_at <= now:
            self.expired = conversation
            return
        self.conversation, self.state, self.draft = conversation, state, draft
        self._expires_at = stored.expires_at

    @staticmethod
    def _snapshot_of(record: ChatRecord) -> tuple[Any, ...]:
        c = record.conversation
        stored = (c.name, c.state, c.draft, c.expires_at) if c else None
        return (record.language, record.flow, stored)

    def _snapshot(self) -> tuple[Any, ...]:
        stored = self.stored_conversation()
        flat = (stored.name, stored.state, stored.draft, stored.expires_at) if stored else None
        return (self.language, self.flow, flat)

    # --- what steps see -------------------------------------------------------------------------

    @property
    def open(self) -> bool:
        return self.conversation is not None and self.state is not None

    @property
    def step(self) -> Step[Any] | None:
        if self.conversation is None or self.state is None:
            return None
        return self.conversation.steps[self.state]

    # --- changes --------------------------------------------------------------------------------

    def begin(self, draft: object) -> Conversation[Any, Any]:
        """Start the conversation whose draft is ``draft``; an open one is replaced."""
        conversation = self._routes.conversation_of_draft(draft)
        if self.open and self.conversation is not None:
            self.replaced = self.conversation
        self.flow += 1
        self.conversation, self.state, self.draft = conversation, None, draft
        return conversation

    def goto(self, state: StrEnum) -> Conversation[Any, Any]:
        """Move the open (or just begun) conversation to ``state``."""
        conversation = self.conversation
        if conversation is None or not isinstance(state, conversation.states):
            raise RuntimeError(f"{state!r} is not a state of the open conversation")
        self.state = state
        self._expires_at = self._now + self._timeout
        return conversation

    def end(self) -> None:
        self.conversation, self.state, self.draft = None, None, None
        self._expires_at = None

    def stored_conversation(self) -> StoredConversation | None:
        if self.conversation is None or self.state is None:
            return None
        return StoredConversation(
            name=self.conversation.name,
            state=self.state.value,
            draft=self.conversation.dump(self.draft),
            expires_at=self._expires_at,
        )

    def changed(self) -> bool:
        """Whether anything differs from what was read (a row to write)."""
        return self._snapshot() != self._saved
