"""Texts of the admin commands."""

TEXTS: dict[str, tuple[str, str]] = {}
