"""/reminders (admins): how reminder delivery is going."""

from __future__ import annotations

from telegram import Update

from bot.context import ClinicContext
from bot.outbox import clip
from bot.routes import Command, Routes, roles
from bot.texts import Raw
from db.deliveries import stats
from db.models import Channel, DeliveryStatus, Role

ADMINS = roles(Role.ADMIN)
# Of each failure's error, at most this much is shown (the report stays one message).
ERROR_SHOWN = 300


def _counts(context: ClinicContext, counts: dict[tuple[str, str], int]) -> str:
    """One line per channel: how many deliveries are in each status."""
    lines = []
    for channel in Channel:
        per_status = {
            status.value: counts.get((channel.value, status.value), 0) for status in DeliveryStatus
        }
        lines.append(
            context.t(
                "deliveries.counts", channel=context.t(f"channel.{channel.value}"), **per_status
            )
        )
    return "\n".join(lines)


async def show_deliveries(update: Update, context: ClinicContext) -> None:
    """Counts by status for the next and last 24 h, and the latest failures with their errors."""
    report = await stats(context.db, now=context.now)
    failures = "\n".join(
        context.t(
            "deliveries.failure",
            id=failure.id,
            channel=context.t(f"channel.{failure.channel}"),
            kind=context.t(f"delivery_kind.{failure.kind}"),
            recipient=failure.recipient,
            attempts=failure.attempts,
            status=context.t(f"status.{failure.status}"),
            error=clip(failure.last_error or "", ERROR_SHOWN),
        )
        for failure in report.failures
    ) or context.t("deliveries.none")
    email_off = context.t("deliveries.email_off") if context.services.mailer is None else ""
    context.reply(
        "deliveries.report",
        next=Raw(_counts(context, report.next_day)),
        last=Raw(_counts(context, report.last_day)),
        failures=Raw(failures),
        email_off=Raw(email_off),
    )


ROUTES = Routes(commands=[Command("reminders", show_deliveries, roles=ADMINS)])
