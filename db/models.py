"""Typed SQLAlchemy models. Every time is ``timestamptz``; every rule that must hold under
concurrency is a database constraint."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class Role(enum.StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"


def _values(kind: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in kind)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(btrim(email))", name="email_normalised"),
        CheckConstraint(f"role IN ({_values(Role)})", name="role_known"),
        CheckConstraint("language IS NULL OR language IN ('en', 'es')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default=Role.PATIENT.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # NULL until an invited doctor sets a password; such an account cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))
    last_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ChatSession(Base):
    """A chat's login: the signed token and what is needed to revoke it."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        CheckConstraint("expires_at > issued_at", name="expires_after_issue"),
        Index(
            "ix_chat_sessions_chat_live",
            "chat_id",
            "issued_at",
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index(
            "ix_chat_sessions_user_live", "user_id", postgresql_where=text("revoked_at IS NULL")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed login, counted per chat and per email to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_chat_at", "chat_id", "at"),
        Index("ix_login_failures_email_at", "email", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime]


class ConversationState(Base):
    """The Telegram conversations' states, so a restart mid-conversation loses nothing."""

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSONB)


class ScratchData(Base):
    """Per-user and per-chat scratch answers of unfinished conversations (JSON)."""

    __tablename__ = "scratch_data"
    __table_args__ = (CheckConstraint("kind IN ('user', 'chat')", name="kind_known"),)

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[Any] = mapped_column(JSONB)
