"""Accounts created directly through the use cases, for tests that start past registration."""

from __future__ import annotations

from bot.context import Services
from db.models import Role, User
from db.passwords import hash_password

PASSWORD = "correct horse battery"


async def make_user(
    services: Services,
    email: str,
    *,
    name: str = "Test User",
    role: Role = Role.PATIENT,
    password: str = PASSWORD,
    active: bool = True,
    phone: str | None = None,
    language: str | None = None,
) -> User:
    async with services.transaction() as s:
        user = User(
            email=email,
            name=name,
            role=role.value,
            password_hash=await hash_password(password),
            active=active,
            phone=phone,
            language=language,
        )
        s.add(user)
        await s.flush()
    return user
