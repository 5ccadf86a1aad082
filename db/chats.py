"""A chat's turn: its conversation, session and user read in one statement, and the
conversation written back (only when it changed) in one more.

Every function takes an open session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime

from db.accounts import Principal, SessionProblem, SessionRecord, UserRecord, verify_session


@dataclass(frozen=True)
class Conversation:
    """A chat's open conversation as stored: its name, state, draft and number."""

    name: str
    state: str
    draft: dict[str, Any]
    expires_at: datetime | None


@dataclass(frozen=True)
class ChatRecord:
    """What the database holds for a chat at the start of an update."""

    chat_id: int
    stored: bool  # whether the chat has a row yet
    language: str | None
    flow: int
    conversation: Conversation | None
    session: SessionRecord | None
    # The newest update whose change is stored, and when it was stored.
    last_update_id: int | None = None
    updated_at: datetime | None = None

    def handled(self, update_id: int, now: datetime) -> bool:
        """Whether the change of update ``update_id`` is already stored: Telegram sent it again
        (a process died before acknowledging it). Update numbers rise, except after a week
        without any: then Telegram may start again from any number, so only a recent mark
        counts."""
        if self.last_update_id is None or self.updated_at is None:
            return False
        return update_id <= self.last_update_id and now - self.updated_at < REDELIVERY_WINDOW


# How long Telegram may send an update again: while a process that died is replaced (seconds
# to minutes); well within the week after which its update numbers may start again.
REDELIVERY_WINDOW = timedelta(days=1)

_COLUMNS = """
    c.chat_id IS NOT NULL AS stored, c.language, c.conversation, c.state, c.draft, c.flow,
    c.expires_at, c.last_update_id, c.updated_at, s.id AS session_id, s.token, s.jti,
    s.user_id AS session_user,
    s.issued_at, s.expires_at AS session_expires, u.id AS user_id, u.name, u.email, u.role,
    u.active, u.language AS user_language, u.phone,
    u.email_verified_at IS NOT NULL AS email_verified
"""
_FROM = """
    LEFT JOIN chats AS c ON c.chat_id = k.chat_id
    LEFT JOIN LATERAL (
        SELECT id, token, jti, user_id, issued_at, expires_at FROM chat_sessions
        WHERE chat_id = k.chat_id AND revoked_at IS NULL
        ORDER BY issued_at DESC, id DESC LIMIT 1
    ) AS s ON true
    LEFT JOIN users AS u ON u.id = s.user_id
"""
# Built from constant fragments; the chat id is always a bound parameter.
_LOAD = text(
    f"SELECT {_COLUMNS} FROM (SELECT CAST(:chat_id AS bigint) AS chat_id) AS k {_FROM}"  # noqa: S608
).bindparams(bindparam("chat_id", type_=BigInteger))
# With several bot processes behind one webhook, a chat's updates are handled one at a time
# across them: the chat's advisory lock is taken, until the transaction ends, by a statement of
# its own *before* the read, so that the read sees what the previous holder committed (a
# statement sees the data as of its own start, which would be before a lock it waited for).
# Chat locks use the two-key form under their own namespace, apart from every other lock.
CHAT_LOCK_NAMESPACE = 0x43686174
_LOCK = text(
    f"SELECT pg_advisory_xact_lock({CHAT_LOCK_NAMESPACE}, hashtext(CAST(:chat_id AS text)))"
).bindparams(bindparam("chat_id", type_=BigInteger))

_SAVE = text(
    """
    INSERT INTO chats (chat_id, language, conversation, state, draft, flow, expires_at,
                       updated_at, last_update_id)
    VALUES (:chat_id, :language, :conversation, :state, :draft, :flow, :expires_at, :now,
            :update_id)
    ON CONFLICT (chat_id) DO UPDATE SET
        language = EXCLUDED.language, conversation = EXCLUDED.conversation,
        state = EXCLUDED.state, draft = EXCLUDED.draft, flow = EXCLUDED.flow,
        expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at,
        last_update_id = coalesce(EXCLUDED.last_update_id, chats.last_update_id)
    """
).bindparams(
    bindparam("chat_id", type_=BigInteger),
    bindparam("language", type_=String),
    bindparam("conversation", type_=String),
    bindparam("state", type_=String),
    bindparam("draft", type_=JSONB(none_as_null=True)),
    bindparam("flow", type_=Integer),
    bindparam("expires_at", type_=DateTime(timezone=True)),
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("update_id", type_=BigInteger),
)


async def load_chat(s: AsyncSession, chat_id: int, *, lock: bool = False) -> ChatRecord:
    """The chat's conversation, language and newest live session with its user, in one
    statement (with ``lock``, first the chat's advisory lock for this transaction, in one more
    statement)."""
    if lock:
        await s.execute(_LOCK, {"chat_id": chat_id})
    row = (await s.execute(_LOAD, {"chat_id": chat_id})).one()
    session = None
    if row.session_id is not None:
        user = None
        if row.user_id is not None:
            user = UserRecord(
                id=row.user_id,
                name=row.name,
                email=row.email,
                role=row.role,
                active=row.active,
                language=row.user_language,
                phone=row.phone,
                email_verified=bool(row.email_verified),
            )
        session = SessionRecord(
            id=row.session_id,
            token=row.token,
            jti=row.jti,
            user_id=row.session_user,
            issued_at=row.issued_at,
            expires_at=row.session_expires,
            user=user,
        )
    conversation = None
    if row.conversation is not None and row.state is not None:
        conversation = Conversation(
            name=row.conversation,
            state=row.state,
            draft=dict(row.draft or {}),
            expires_at=row.expires_at,
        )
    return ChatRecord(
        chat_id=chat_id,
        stored=bool(row.stored),
        language=row.language,
        flow=row.flow or 0,
        conversation=conversation,
        session=session,
        last_update_id=row.last_update_id,
        updated_at=row.updated_at,
    )


async def save_chat(
    s: AsyncSession,
    *,
    chat_id: int,
    language: str | None,
    flow: int,
    conversation: Conversation | None,
    now: datetime,
    update_id: int | None = None,
) -> None:
    """Store the chat's language and conversation (``None``: none is open), and the update
    whose change this is, in one statement."""
    await s.execute(
        _SAVE,
        {
            "chat_id": chat_id,
            "language": language,
            "conversation": conversation.name if conversation else None,
            "state": conversation.state if conversation else None,
            "draft": conversation.draft if conversation else None,
            "flow": flow,
            "expires_at": conversation.expires_at if conversation else None,
            "now": now,
            "update_id": update_id,
        },
    )


def principal_of(
    record: ChatRecord, *, secret: str, now: datetime, idle: timedelta = timedelta(days=30)
) -> Principal | SessionProblem:
    """The chat's verified principal from what :func:`load_chat` read."""
    if record.session is None:
        return SessionProblem.NONE
    return verify_session(record.session, secret=secret, now=now, idle=idle)
