"""/reminders (admins): how reminder delivery is going."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import ClinicContext
from bot.guard import lang, requires, say
from bot.texts import Raw, t
from db.deliveries import stats
from db.models import Channel, Role

_STATUSES = ("pending", "sent", "failed", "skipped")


def _counts(language: str, counts: dict[tuple[str, str], int]) -> str:
    lines = []
    for channel in Channel:
        per_status = {status: counts.get((channel.value, status), 0) for status in _STATUSES}
        lines.append(
            t(
                language,
                "deliveries.counts",
                channel=t(language, f"channel.{channel.value}"),
                **per_status,
            )
        )
    return "\n".join(lines)


@requires(Role.ADMIN)
async def show_deliveries(update: Update, context: ClinicContext) -> None:
    """Counts by status for the next and last 24 h, and the latest failures with their errors."""
    language = lang(update, context)
    async with context.services.transaction() as s:
        report = await stats(s, now=context.services.clock.now())
    failures = "\n".join(
        t(
            language,
            "deliveries.failure",
            id=d.id,
            channel=t(language, f"channel.{d.channel}"),
            appointment=d.appointment_id,
            attempts=d.attempts,
            status=t(language, f"status.{d.status}"),
            error=d.last_error or "",
        )
        for d in report.failures
    ) or t(language, "deliveries.none")
    email_off = t(language, "deliveries.email_off") if context.services.mailer is None else ""
    await say(
        update,
        context,
        "deliveries.report",
        next=Raw(_counts(language, report.next_day)),
        last=Raw(_counts(language, report.last_day)),
        failures=Raw(failures),
        email_off=Raw(email_off),
    )


def handlers() -> list[BaseHandler[Update, ClinicContext, Any]]:
    """The admin's delivery report."""
    return [CommandHandler("reminders", show_deliveries)]
