"""Texts of the booking commands."""

TEXTS: dict[str, tuple[str, str]] = {}
