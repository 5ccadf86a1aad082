"""The clinic bot's Telegram face."""
