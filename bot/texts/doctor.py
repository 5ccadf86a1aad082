"""Texts of the doctor commands."""

TEXTS: dict[str, tuple[str, str]] = {}
