"""Placeholder until the feature lands: no handlers yet."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import ClinicContext


def handlers() -> list[BaseHandler[Update, ClinicContext, Any]]:
    """This feature's handlers, in registration order."""
    return []
