"""Texts of reminders, doctors' daily agendas and the delivery report for admins."""

TEXTS: dict[str, tuple[str, str]] = {
    "reminder.chat": (
        "⏰ Reminder: your appointment with {doctor} ({specialty}) is in {lead}.\n{when}",
        "⏰ Recordatorio: tu cita con {doctor} ({specialty}) es dentro de {lead}.\n{when}",
    ),
    "reminder.cancel": ("Cancel", "Cancelar"),
    "reminder.reschedule": ("Reschedule", "Cambiar hora"),
    "agenda.header": (
        "☀️ Good morning, {name}. Today, {date} ({zone}), you have {count} appointment(s):",
        "☀️ Buenos días, {name}. Hoy, {date} ({zone}), tienes {count} cita(s):",
    ),
    "agenda.part": (
        "{header} (part {part} of {parts})",
        "{header} (parte {part} de {parts})",
    ),
    "agenda.line": ("{start}–{end} {patient} ({phone})", "{start}–{end} {patient} ({phone})"),
    "deliveries.report": (
        "<b>Reminder delivery</b>\n\n<b>Next 24 h</b>\n{next}\n\n<b>Last 24 h</b>\n{last}\n\n"
        "<b>Latest failures</b>\n{failures}{email_off}",
        "<b>Envío de recordatorios</b>\n\n<b>Próximas 24 h</b>\n{next}\n\n<b>Últimas 24 h</b>\n"
        "{last}\n\n<b>Últimos fallos</b>\n{failures}{email_off}",
    ),
    "deliveries.counts": (
        "{channel}: {pending} pending, {sent} sent, {failed} failed, {skipped} skipped",
        "{channel}: {pending} pendientes, {sent} enviados, {failed} fallidos, {skipped} omitidos",
    ),
    "deliveries.none": ("nothing", "nada"),
    "deliveries.failure": (
        "#{id} {kind} by {channel} to {recipient}, {attempts} attempt(s), {status}: {error}",
        "#{id} {kind} por {channel} a {recipient}, {attempts} intento(s), {status}: {error}",
    ),
    "delivery_kind.reminder": ("reminder", "recordatorio"),
    "delivery_kind.booked": ("booking confirmation", "confirmación de reserva"),
    "delivery_kind.rescheduled": ("change confirmation", "confirmación de cambio"),
    "delivery_kind.cancelled": ("cancellation confirmation", "confirmación de cancelación"),
    "delivery_kind.doctor_booked": ("notice of a booking", "aviso de reserva"),
    "delivery_kind.doctor_cancelled": ("notice of a cancellation", "aviso de cancelación"),
    "delivery_kind.doctor_rescheduled": ("notice of a change", "aviso de cambio"),
    "delivery_kind.clinic_cancelled": ("clinic cancellation", "cancelación de la clínica"),
    "delivery_kind.clinic_rescheduled": ("clinic change", "cambio de la clínica"),
    "delivery_kind.agenda": ("daily agenda", "agenda del día"),
    "deliveries.email_off": (
        "\n\n⚠️ Email is not configured (EMAIL_USER/EMAIL_PASS): email reminders are skipped.",
        "\n\n⚠️ El correo no está configurado (EMAIL_USER/EMAIL_PASS): los recordatorios por "
        "correo se omiten.",
    ),
    "channel.telegram": ("Telegram", "Telegram"),
    "channel.email": ("Email", "Correo"),
    "status.pending": ("pending", "pendiente"),
    "status.failed": ("failed", "fallido"),
}
