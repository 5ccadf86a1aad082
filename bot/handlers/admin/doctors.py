"""(Being ported to the journey engine.)"""

from __future__ import annotations

from bot.routes import Routes

ROUTES = Routes()
