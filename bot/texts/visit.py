"""Texts of the clinic's identity and how far off a reminded appointment is."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- the clinic -----------------------------------------------------------------------------
    "clinic.address": ("📍 {address}", "📍 {address}"),
    "clinic.phone": ("📞 {phone}", "📞 {phone}"),
    "clinic.map": ('🗺 <a href="{url}">Map</a>', '🗺 <a href="{url}">Mapa</a>'),
    # Plain sentences: shown in pop-ups as well as in messages.
    "clinic.call": ("Please call {clinic}.", "Llama a {clinic}."),
    "clinic.call_phone": ("Please call {clinic} on {phone}.", "Llama a {clinic} al {phone}."),
    "clinic.to_change": ("To change it, call {clinic}.", "Para cambiarla, llama a {clinic}."),
    "clinic.to_change_phone": (
        "To change it, call {clinic} on {phone}.",
        "Para cambiarla, llama a {clinic} al {phone}.",
    ),
    # --- booking: a time inside the cancellation window --------------------------------------
    "book.window_warning": (
        "\n\n⚠️ It starts in less than {window}: once booked, you will not be able to cancel or "
        "move it in chat. {call}",
        "\n\n⚠️ Empieza dentro de menos de {window}: una vez reservada, no podrás cancelarla ni "
        "cambiarla por el chat. {call}",
    ),
    # --- how far off a reminded appointment is ("in 24 hours"), in chat and email alike --------
    "lead.minute": ("1 minute", "1 minuto"),
    "lead.minutes": ("{n} minutes", "{n} minutos"),
    "lead.hour": ("1 hour", "1 hora"),
    "lead.hours": ("{n} hours", "{n} horas"),
    "lead.day": ("1 day", "1 día"),
    "lead.days": ("{n} days", "{n} días"),
    "lead.and": ("{first} and {second}", "{first} y {second}"),
}
