"""Texts of how far off a reminded appointment is."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- how far off a reminded appointment is ("in 24 hours"), in chat and email alike --------
    "lead.minute": ("1 minute", "1 minuto"),
    "lead.minutes": ("{n} minutes", "{n} minutos"),
    "lead.hour": ("1 hour", "1 hora"),
    "lead.hours": ("{n} hours", "{n} horas"),
    "lead.day": ("1 day", "1 día"),
    "lead.days": ("{n} days", "{n} días"),
    "lead.and": ("{first} and {second}", "{first} y {second}"),
}
