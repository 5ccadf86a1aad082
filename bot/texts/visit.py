"""Texts of the clinic's identity, a visit's reason, "I'll come" / "I'm here", and how far off a
reminded appointment is."""

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
    # --- booking: the visit's reason, and a time inside the cancellation window ----------------
    "book.reason_ask": (
        "📝 <b>Reason for the visit</b> (optional)\n{doctor} ({specialty}), {when}\n\n"
        "In a few words, why are you coming? Only the doctor sees it (it is never emailed). "
        "Up to {limit} characters, or press Skip.",
        "📝 <b>Motivo de la consulta</b> (opcional)\n{doctor} ({specialty}), {when}\n\n"
        "En pocas palabras, ¿por qué vienes? Solo lo ve el médico (nunca se envía por correo). "
        "Hasta {limit} caracteres, o pulsa Omitir.",
    ),
    "book.reason_too_long": (
        "That is {length} characters; please write it in {limit} at most.",
        "Son {length} caracteres; escríbelo en {limit} como máximo.",
    ),
    "book.reason_line": ("\nReason: <i>{reason}</i>", "\nMotivo: <i>{reason}</i>"),
    "book.reason_now": (
        "\n\nNow: <i>{reason}</i>\nType a new one, or Skip to leave none.",
        "\n\nAhora: <i>{reason}</i>\nEscribe otro, u Omitir para no dejar ninguno.",
    ),
    "book.window_warning": (
        "\n\n⚠️ It starts in less than {window}: once booked, you will not be able to cancel or "
        "move it in chat. {call}",
        "\n\n⚠️ Empieza dentro de menos de {window}: una vez reservada, no podrás cancelarla ni "
        "cambiarla por el chat. {call}",
    ),
    "book.btn.skip": ("Skip ›", "Omitir ›"),
    "book.btn.reason": ("📝 Reason", "📝 Motivo"),
    # --- I'll come / I'm here -------------------------------------------------------------------
    "arrival.btn.confirm": ("✅ I'll come", "✅ Iré"),
    "arrival.btn.arrived": ("📍 I'm here", "📍 Ya estoy aquí"),
    "arrival.confirmed": ("Thank you! We'll expect you.", "¡Gracias! Te esperamos."),
    "arrival.already_confirmed": (
        "You had already said you'll come.",
        "Ya habías confirmado que vendrás.",
    ),
    "arrival.arrived": (
        "Thank you, you're checked in. Please take a seat: you will be called.",
        "Gracias, ya consta tu llegada. Toma asiento: te llamarán.",
    ),
    "arrival.already_arrived": ("You are already checked in.", "Ya consta tu llegada."),
    "arrival.too_early": (
        "You can check in from {time}, 30 minutes before your appointment.",
        "Puedes avisar de tu llegada desde las {time}, 30 minutos antes de la cita.",
    ),
    "arrival.cancelled": ("This appointment was cancelled.", "Esta cita se canceló."),
    "arrival.started": ("This appointment has already started.", "Esta cita ya ha empezado."),
    "arrival.ended": ("This appointment is over.", "Esta cita ya ha terminado."),
    "arrival.changed": (
        "This appointment was moved since: here it is now.",
        "Esta cita ha cambiado desde entonces: así queda ahora.",
    ),
    "arrival.card_confirmed": ("✅ you said you'll come", "✅ confirmaste que vendrás"),
    "arrival.card_arrived": ("📍 checked in at {time}", "📍 llegada a las {time}"),
    "arrival.card_reason": ("\nReason: {reason}", "\nMotivo: {reason}"),
    # --- what the doctor sees -------------------------------------------------------------------
    "schedule.status.confirmed": ("✅ confirmed", "✅ confirmada"),
    "schedule.status.arrived": ("📍 arrived {time}", "📍 llegó {time}"),
    "arrival.reason_line": ("\n    📝 {reason}", "\n    📝 {reason}"),
    "notice.visit_reason": ("\nReason for the visit: {reason}", "\nMotivo de la visita: {reason}"),
    # --- how far off a reminded appointment is ("in 24 hours"), in chat and email alike --------
    "lead.minute": ("1 minute", "1 minuto"),
    "lead.minutes": ("{n} minutes", "{n} minutos"),
    "lead.hour": ("1 hour", "1 hora"),
    "lead.hours": ("{n} hours", "{n} horas"),
    "lead.day": ("1 day", "1 día"),
    "lead.days": ("{n} days", "{n} días"),
    "lead.and": ("{first} and {second}", "{first} y {second}"),
}
