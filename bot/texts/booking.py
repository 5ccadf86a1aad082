"""Texts of /book, /appointments, cancelling and rescheduling."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- /book --------------------------------------------------------------------------------
    "book.choose_specialty": (
        "📅 <b>Book an appointment</b>\nWhich specialty?",
        "📅 <b>Pedir una cita</b>\n¿Qué especialidad?",
    ),
    "book.no_specialties": (
        "No doctor is taking appointments right now. Please try again later.",
        "Ahora mismo ningún médico tiene agenda abierta. Inténtalo más tarde.",
    ),
    "book.choose_doctor": (
        "<b>{specialty}</b>: which doctor?",
        "<b>{specialty}</b>: ¿con qué médico?",
    ),
    "book.no_doctors": (
        "No {specialty} doctor is taking appointments right now. Please choose another specialty.",
        "Ahora mismo ningún médico de {specialty} tiene agenda abierta. Elige otra especialidad.",
    ),
    "book.choose_day": (
        "<b>{doctor}</b> ({specialty})\nChoose a day. Times are in {zone}.",
        "<b>{doctor}</b> ({specialty})\nElige un día. Las horas son de {zone}.",
    ),
    "book.page": ("Page {page} of {pages}.", "Página {page} de {pages}."),
    "book.no_days": (
        "{doctor} ({specialty}) has no free times in the next {days} days. Please choose "
        "another doctor.",
        "{doctor} ({specialty}) no tiene horas libres en los próximos {days} días. Elige otro "
        "médico.",
    ),
    "book.choose_time": (
        "<b>{doctor}</b> ({specialty})\n{day}\nChoose a time ({zone}):",
        "<b>{doctor}</b> ({specialty})\n{day}\nElige una hora ({zone}):",
    ),
    "book.confirm": (
        "Please check your appointment:\n\nDoctor: <b>{doctor}</b>\nSpecialty: {specialty}\n"
        "When: <b>{when}</b>",
        "Revisa tu cita:\n\nMédico: <b>{doctor}</b>\nEspecialidad: {specialty}\n"
        "Cuándo: <b>{when}</b>",
    ),
    "book.done": (
        "✅ <b>Booked</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWhen: {when}\n\n"
        "/appointments to see, cancel or reschedule it.",
        "✅ <b>Cita reservada</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}\n"
        "Cuándo: {when}\n\n/appointments para verla, cancelarla o cambiarla.",
    ),
    "book.cancelled": (
        "Booking cancelled. Nothing was booked.",
        "Reserva cancelada. No se ha reservado nada.",
    ),
    "book.slot_taken": (
        "That time was just taken by someone else. The next free times with {doctor} ({zone}):",
        "Alguien acaba de reservar esa hora. Las siguientes horas libres con {doctor} ({zone}):",
    ),
    "book.slot_taken_none": (
        "That time was just taken by someone else.",
        "Alguien acaba de reservar esa hora.",
    ),
    "book.slot_unavailable": (
        "That time can no longer be booked (it is too close now, or outside the doctor's "
        "hours). Nothing was booked; please choose again.",
        "Esa hora ya no se puede reservar (falta demasiado poco, o está fuera del horario del "
        "médico). No se ha reservado nada; elige de nuevo.",
    ),
    "book.patient_overlap": (
        "You already have another appointment at that time. Nothing was booked; please choose "
        "another time.",
        "Ya tienes otra cita a esa hora. No se ha reservado nada; elige otra hora.",
    ),
    "book.too_many": (
        "You already have {limit} upcoming appointments, the most you can hold at once. "
        "Nothing was booked. Cancel one in /appointments to book another.",
        "Ya tienes {limit} citas pendientes, el máximo permitido a la vez. No se ha reservado "
        "nada. Cancela una en /appointments para pedir otra.",
    ),
    "book.limit_reached": (
        "You already have {limit} upcoming appointments, the most you can hold at once. Cancel "
        "one in /appointments to book another.",
        "Ya tienes {limit} citas pendientes, el máximo permitido a la vez. Cancela una en "
        "/appointments para pedir otra.",
    ),
    "book.doctor_gone": (
        "That doctor is no longer taking appointments. Nothing was booked. /book to choose "
        "another.",
        "Ese médico ya no tiene agenda abierta. No se ha reservado nada. /book para elegir otro.",
    ),
    "book.day_full": (
        "That day has no free times left.",
        "Ese día ya no quedan horas libres.",
    ),
    "book.time_gone": ("That time is no longer free.", "Esa hora ya no está libre."),
    "book.btn.back": ("‹ Back", "‹ Atrás"),
    "book.btn.doctors": ("‹ Doctors", "‹ Médicos"),
    "book.btn.other_days": ("‹ Other days", "‹ Otros días"),
    "book.btn.prev": ("‹", "‹"),
    "book.btn.next": ("›", "›"),
    "book.btn.confirm": ("✅ Confirm", "✅ Confirmar"),
    "book.btn.change_time": ("🕒 Change time", "🕒 Cambiar hora"),
    "book.btn.cancel": ("✖ Cancel", "✖ Cancelar"),
    # --- rescheduling -------------------------------------------------------------------------
    "move.choose_day": (
        "🔁 <b>Reschedule</b>: {doctor} ({specialty})\nNow: {when}\n"
        "Choose a new day. Times are in {zone}.",
        "🔁 <b>Cambiar cita</b>: {doctor} ({specialty})\nAhora: {when}\n"
        "Elige un nuevo día. Las horas son de {zone}.",
    ),
    "move.choose_time": (
        "🔁 <b>Reschedule</b>: {doctor} ({specialty})\n{day}\nChoose a new time ({zone}):",
        "🔁 <b>Cambiar cita</b>: {doctor} ({specialty})\n{day}\nElige una nueva hora ({zone}):",
    ),
    "move.no_days": (
        "{doctor} ({specialty}) has no other free times in the next {days} days. Your "
        "appointment is unchanged.",
        "{doctor} ({specialty}) no tiene otras horas libres en los próximos {days} días. Tu cita "
        "no ha cambiado.",
    ),
    "move.confirm": (
        "Move your appointment with <b>{doctor}</b> ({specialty})?\n\nFrom: {old}\n"
        "To: <b>{when}</b>",
        "¿Cambiar tu cita con <b>{doctor}</b> ({specialty})?\n\nDe: {old}\nA: <b>{when}</b>",
    ),
    "move.done": (
        "🔁 <b>Rescheduled</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWas: {old}\n"
        "Now: {when}",
        "🔁 <b>Cita cambiada</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}\nAntes: {old}\n"
        "Ahora: {when}",
    ),
    "move.cancelled": (
        "Rescheduling cancelled. Your appointment is unchanged.",
        "Cambio cancelado. Tu cita no ha cambiado.",
    ),
    "move.doctor_gone": (
        "This doctor is no longer taking appointments, so it can't be moved. {call}",
        "Este médico ya no tiene agenda abierta, así que no se puede cambiar. {call}",
    ),
    # --- /appointments ------------------------------------------------------------------------
    "appts.none": (
        "You have no upcoming appointments. /book to book one.",
        "No tienes citas pendientes. /book para pedir una.",
    ),
    "appts.header": (
        "<b>Your upcoming appointments</b> ({count}), times in {zone}:",
        "<b>Tus próximas citas</b> ({count}), horas de {zone}:",
    ),
    "appts.list_item": (
        "{number}. {when} — {doctor} ({specialty})",
        "{number}. {when} — {doctor} ({specialty})",
    ),
    "appts.btn.list": ("« All appointments", "« Todas las citas"),
    "appts.card": (
        "<b>{doctor}</b> ({specialty})\n{when}\nStatus: {status}",
        "<b>{doctor}</b> ({specialty})\n{when}\nEstado: {status}",
    ),
    "appts.status.booked": ("booked", "reservada"),
    "appts.status.unmarked": ("past, not yet marked", "pasada, aún sin registrar"),
    "appts.status.attended": ("attended", "asististe"),
    "appts.status.no_show": ("missed (no-show)", "no asististe"),
    "appts.status.cancelled_you": ("cancelled by you", "cancelada por ti"),
    "appts.status.cancelled_clinic": ("cancelled by the clinic", "cancelada por la clínica"),
    "appts.confirm_cancel": (
        "Cancel this appointment?\n\n<b>{doctor}</b> ({specialty})\n{when}",
        "¿Cancelar esta cita?\n\n<b>{doctor}</b> ({specialty})\n{when}",
    ),
    "appts.cancelled": (
        "❌ <b>Cancelled</b>: {doctor} ({specialty}), {when}.\n/book to book another time.",
        "❌ <b>Cancelada</b>: {doctor} ({specialty}), {when}.\n/book para pedir otra hora.",
    ),
    "appts.too_late": (
        "Appointments can be cancelled or moved up to {window} before they start. {call}",
        "Las citas se pueden cancelar o cambiar hasta {window} antes de empezar. {call}",
    ),
    "appts.not_changeable": (
        "This appointment can no longer be changed: it was cancelled or has started.",
        "Esta cita ya no se puede cambiar: se canceló o ya ha empezado.",
    ),
    "appts.not_found": ("That appointment was not found.", "No se ha encontrado esa cita."),
    "appts.past_title": ("<b>Past appointments</b>", "<b>Citas anteriores</b>"),
    "appts.past_item": (
        "• {when}\n   {doctor} ({specialty}): {status}",
        "• {when}\n   {doctor} ({specialty}): {status}",
    ),
    "appts.past_none": (
        "You have no past appointments. /book to book one.",
        "No tienes citas anteriores. /book para pedir una.",
    ),
    "appts.btn.older": ("Older ▶", "Anteriores ▶"),
    "appts.btn.newer": ("◀ Newer", "◀ Más recientes"),
    "appts.btn.cancel": ("✖ Cancel", "✖ Cancelar"),
    "appts.btn.reschedule": ("🔁 Reschedule", "🔁 Cambiar"),
    "appts.btn.past": ("🕘 Past appointments", "🕘 Citas anteriores"),
    "appts.btn.yes_cancel": ("Yes, cancel", "Sí, cancelar"),
    "appts.btn.keep": ("Keep it", "Mantenerla"),
    "appts.hours": ("{n} hours", "{n} horas"),
    "appts.one_hour": ("1 hour", "1 hora"),
    "appts.minutes": ("{n} minutes", "{n} minutos"),
}
