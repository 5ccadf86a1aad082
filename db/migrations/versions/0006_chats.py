"""one row per chat for its conversation, read with the session in one statement

Conversations were kept by the Telegram library's persistence in two tables, loaded whole into
memory at start and flushed on a timer after each reply. They now live in ``chats``: a chat's
open conversation (a named state and a draft) is read with its session at the start of every
update and written before the reply is sent.

Conversations in progress are carried over: each old numbered state becomes its named state
and each old draft its new shape, so a conversation open during the upgrade resumes at the
same step. A doctor's invite token, which the old draft kept in clear, is kept only as its
hash. A guest's chosen language moves to the chat.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:00:00.000000
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A carried-over conversation gets this long to be answered after the upgrade.
RESUME_WITHIN = timedelta(minutes=30)

Converted = tuple[str, dict[str, Any]] | None
Converter = Callable[[int, dict[str, Any], sa.Connection], Converted]


def _iso(seconds: object) -> str | None:
    if not isinstance(seconds, int):
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _register(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    names = {0: "name", 1: "email", 2: "password", 3: "phone"}
    scratch = data.get("register") or {}
    draft = {key: str(scratch.get(key, "")) for key in ("name", "email", "password_hash")}
    return (names[state], draft) if state in names else None


def _login(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    names = {10: "email", 11: "password"}
    return (
        (names[state], {"email": str(data.get("login_email") or "")}) if state in names else None
    )


def _booking(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    names = {20: "specialty", 21: "doctor", 22: "day", 23: "time", 24: "confirm"}
    old = data.get("draft_booking")
    if state not in names or not isinstance(old, dict):
        return None
    day = old.get("day")
    draft = {
        "mode": "move" if old.get("mode") == "move" else "book",
        "specialty": old.get("specialty"),
        "doctor": old.get("doctor"),
        "page": int(old.get("page") or 0),
        "day": date(int(day[:4]), int(day[4:6]), int(day[6:])).isoformat()
        if isinstance(day, str) and len(day) == 8 and day.isdigit()
        else None,
        "start": _iso(old.get("start")),
        "taken": None,
        "appointment": old.get("appointment"),
        "current_start": _iso(old.get("from")),
        "current_end": _iso(old.get("until")),
    }
    return names[state], draft


def _invite(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    old = data.get("draft_invite")
    token = old.get("token") if isinstance(old, dict) else None
    if state != 30 or not isinstance(token, str):
        return None
    # The token was kept in clear: only its hash is carried over.
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    row = bind.execute(
        sa.text(
            "SELECT d.display_name, s.name, u.email FROM invites i "
            "JOIN users u ON u.id = i.user_id JOIN doctors d ON d.user_id = u.id "
            "JOIN specialties s ON s.id = d.specialty_id WHERE i.token_hash = :hash"
        ),
        {"hash": token_hash},
    ).first()
    if row is None:
        return None
    draft = {"token_hash": token_hash, "name": row[0], "specialty": row[1], "email": row[2]}
    return "password", draft


def _adddoctor(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    names = {20: "name", 21: "specialty", 22: "new_specialty", 23: "email", 24: "slot"}
    names[25] = "confirm"
    old = data.get("draft_doctor")
    if state not in names or not isinstance(old, dict):
        return None
    specialty_id = old.get("specialty_id")
    draft = {
        "name": str(old.get("name") or ""),
        "specialty_id": specialty_id if isinstance(specialty_id, int) else None,
        "specialty": str(old.get("specialty") or ""),
        "email": str(old.get("email") or ""),
        "minutes": int(old.get("minutes") or 0),
        "email_taken": False,
    }
    return names[state], draft


def _day(raw: object) -> str | None:
    if isinstance(raw, str) and len(raw) == 8 and raw.isdigit():
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
    return None


def _int(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _hours(state: int, data: dict[str, Any], bind: sa.Connection) -> Converted:
    names = dict(
        enumerate(
            ("weekday", "day", "hour", "minute", "off_first", "off_kind", "off_last"),
            start=40,
        )
    )
    names.update({47: "off_confirm", 48: "off_remove"})
    old = data.get("draft_hours")
    if state not in names or not isinstance(old, dict):
        return None
    purpose = {"hours": "range", "off": "time_off"}.get(str(old.get("purpose")))
    shown = old.get("shown")
    draft = {
        "weekday": _int(old.get("weekday")),
        "first": _day(old.get("first")),
        "page": _day(old.get("page")),
        "purpose": purpose,
        # The old picker went back to the weekday's ranges, or to whole/part of a day off.
        "back_to": None if purpose is None else "day" if purpose == "range" else "off_kind",
        "edge": "end" if old.get("picking") == "end" else "start",
        "start": _int(old.get("start")),
        "hour": _int(old.get("hour")),
        "starts_at": old.get("starts_at") if isinstance(old.get("starts_at"), str) else None,
        "ends_at": old.get("ends_at") if isinstance(old.get("ends_at"), str) else None,
        "whole_days": bool(old.get("whole")),
        "shown": [int(i) for i in shown] if isinstance(shown, list) else [],
        "shown_changed": False,
        "remove_page": 0,
    }
    return names[state], draft


CONVERTERS: dict[str, Converter] = {
    "doctor_hours": _hours,
    "adddoctor": _adddoctor,
    "register": _register,
    "login": _login,
    "booking": _booking,
    "invite": _invite,
}


# Conversations whose name changed.
RENAMED = {"doctor_hours": "hours"}


def _carry_over(bind: sa.Connection) -> None:
    """Each chat's conversation (one per chat: private chats' key is [chat, user]) and a
    guest's chosen language, from the old tables into ``chats``."""
    now = bind.execute(sa.text("SELECT now()")).scalar_one()
    scratch = {
        owner: dict(data or {})
        for owner, data in bind.execute(
            sa.text("SELECT owner_id, data FROM scratch_data WHERE kind = 'user'")
        ).all()
    }
    rows: dict[int, dict[str, Any]] = {}
    for owner, data in scratch.items():
        language = data.get("lang")
        if language in ("en", "es"):
            rows[owner] = {"chat_id": owner, "language": language}
    states = bind.execute(sa.text("SELECT name, key, state FROM conversation_states")).all()
    for name, key, state in states:
        chat_id, user_id = json.loads(key)
        converter = CONVERTERS.get(name)
        if converter is None or not isinstance(state, int):
            continue
        converted = converter(state, scratch.get(user_id, {}), bind)
        if converted is None:
            continue
        row = rows.setdefault(chat_id, {"chat_id": chat_id, "language": None})
        row.update(
            conversation=RENAMED.get(name, name),
            state=converted[0],
            draft=json.dumps(converted[1]),
            expires_at=now + RESUME_WITHIN,
        )
    for row in rows.values():
        bind.execute(
            sa.text(
                "INSERT INTO chats (chat_id, language, conversation, state, draft, flow, "
                "expires_at, updated_at) VALUES (:chat_id, :language, :conversation, :state, "
                "CAST(:draft AS jsonb), :flow, :expires_at, :now)"
            ),
            {
                "conversation": None,
                "state": None,
                "draft": None,
                "expires_at": None,
                **row,
                "flow": 1 if row.get("conversation") else 0,
                "now": now,
            },
        )


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("conversation", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=48), nullable=True),
        sa.Column("draft", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("flow", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(conversation IS NULL) = (state IS NULL)",
            name=op.f("ck_chats_conversation_has_state"),
        ),
        sa.CheckConstraint(
            "language IS NULL OR language IN ('en', 'es')", name=op.f("ck_chats_language_known")
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chats")),
    )
    _carry_over(op.get_bind())
    op.drop_table("conversation_states")
    op.drop_table("scratch_data")


def downgrade() -> None:
    # Conversations open at a downgrade are not carried back: they end.
    op.create_table(
        "scratch_data",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint("kind IN ('user', 'chat')", name=op.f("ck_scratch_data_kind_known")),
        sa.PrimaryKeyConstraint("kind", "owner_id", name=op.f("pk_scratch_data")),
    )
    op.create_table(
        "conversation_states",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversation_states")),
    )
    op.drop_table("chats")
