"""The clinic bot's Telegram face."""

import os

# Durations from python-telegram-bot (e.g. RetryAfter.retry_after) as timedelta, as they will
# be in its next major version.
os.environ.setdefault("PTB_TIMEDELTA", "1")
