"""/me: who is logged in to this chat."""

from __future__ import annotations

from telegram import Update

from bot.context import ClinicContext
from bot.formatting import phone_text
from bot.routes import SIGNED_IN, Command, Routes
from bot.texts import Raw


async def show_me(update: Update, context: ClinicContext) -> None:
    """Show the account logged in here (read with the session: no other query)."""
    me = context.me
    tz = context.settings.timezone
    unconfirmed = not me.email_verified and context.services.mailer is not None
    context.reply(
        "me.card",
        name=me.name,
        email=me.email,
        unconfirmed=Raw(context.t("me.unconfirmed")) if unconfirmed else "",
        role=context.t(f"role.{me.role.value}"),
        phone=phone_text(context.settings, me.phone) or context.t("me.no_phone"),
        language=context.t(f"language.{context.lang}"),
        until=(me.stays_until or me.expires_at).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        zone=tz.key,
    )


ROUTES = Routes(commands=[Command("me", show_me, roles=SIGNED_IN)])
