"""Texts of the doctor commands: /schedule, attendance, /hours and time off."""

TEXTS: dict[str, tuple[str, str]] = {
    "doctor.page": ("Page {page} of {pages}.", "Página {page} de {pages}."),
    # --- /schedule ------------------------------------------------------------------------------
    "schedule.day": (
        "📋 <b>{doctor}</b> — {date} ({zone})\n\n{body}",
        "📋 <b>{doctor}</b> — {date} ({zone})\n\n{body}",
    ),
    "schedule.week": (
        "📋 <b>{doctor}</b> — {first} to {last} ({zone})\n\n{body}",
        "📋 <b>{doctor}</b> — del {first} al {last} ({zone})\n\n{body}",
    ),
    "schedule.week_day": ("<b>{date}</b>", "<b>{date}</b>"),
    "schedule.line": (
        "{start}–{end} · {patient} · {phone} · {status}",
        "{start}–{end} · {patient} · {phone} · {status}",
    ),
    "schedule.no_phone": ("no phone", "sin teléfono"),
    "schedule.status.booked": ("🕒 booked", "🕒 reservada"),
    "schedule.status.attended": ("✔ attended", "✔ atendida"),
    "schedule.status.no_show": ("✖ no-show", "✖ no acudió"),
    "schedule.day_empty": ("No appointments.", "No hay citas."),
    "schedule.week_day_empty": ("—", "—"),
    "schedule.away_off": ("🌴 Time off: {when}", "🌴 Ausencia: {when}"),
    "schedule.away_closed": (
        "🚫 The clinic is closed: {when}",
        "🚫 La clínica está cerrada: {when}",
    ),
    "schedule.away_all_day": ("all day", "todo el día"),
    "schedule.away_closed_named": (
        "🚫 The clinic is closed ({name}): {when}",
        "🚫 La clínica está cerrada ({name}): {when}",
    ),
    "schedule.week_more": (
        "… and {count} more: open a day to see them all.",
        "… y {count} más: abre un día para verlas todas.",
    ),
    "schedule.today": ("Today", "Hoy"),
    "schedule.tomorrow": ("Tomorrow", "Mañana"),
    "schedule.next_7": ("Next 7 days", "Próximos 7 días"),
    "schedule.previous": ("◀ {day}", "◀ {day}"),
    "schedule.next": ("{day} ▶", "{day} ▶"),
    "schedule.previous_week": ("◀ 7 days", "◀ 7 días"),
    "schedule.next_week": ("7 days ▶", "7 días ▶"),
    "schedule.back_to_doctors": ("« Doctors", "« Médicos"),
    "schedule.pick_doctor": ("Whose schedule?", "¿La agenda de qué médico?"),
    "schedule.inactive": ("(inactive)", "(inactivo)"),
    "schedule.prev_page": ("◀ Previous", "◀ Anteriores"),
    "schedule.next_page": ("Next ▶", "Siguientes ▶"),
    "schedule.no_doctors": (
        "There are no doctors yet. /adddoctor adds one.",
        "Aún no hay médicos. /adddoctor da de alta uno.",
    ),
    "schedule.not_yours": (
        "You can only see your own schedule.",
        "Solo puedes ver tu propia agenda.",
    ),
    "schedule.no_profile": (
        "Your account has no doctor profile. Please contact the clinic.",
        "Tu cuenta no tiene perfil de médico. Ponte en contacto con la clínica.",
    ),
    "schedule.doctor_not_found": (
        "That doctor does not exist.",
        "Ese médico no existe.",
    ),
    "schedule.day_out_of_range": (
        "That day is too far away; open /schedule again.",
        "Ese día queda demasiado lejos; abre /schedule de nuevo.",
    ),
    # --- attendance -----------------------------------------------------------------------------
    "attend.mark_attended": ("✔ {time} attended", "✔ {time} atendida"),
    "attend.mark_no_show": ("✖ {time} no-show", "✖ {time} no acudió"),
    "attend.not_found": (
        "That appointment is not in your schedule.",
        "Esa cita no está en tu agenda.",
    ),
    "attend.not_started": (
        "That appointment has not started yet.",
        "Esa cita aún no ha empezado.",
    ),
    "attend.cancelled": (
        "That appointment was cancelled.",
        "Esa cita se canceló.",
    ),
    # --- /hours overview ------------------------------------------------------------------------
    "hours.overview": (
        "🕘 <b>Your weekly hours</b> ({zone})\n{hours}\n\n🏖 <b>Time off</b> ({zone})\n{time_off}",
        "🕘 <b>Tu horario semanal</b> ({zone})\n{hours}\n\n"
        "🏖 <b>Ausencias</b> ({zone})\n{time_off}",
    ),
    "hours.weekday_line": ("{weekday} {ranges}", "{weekday} {ranges}"),
    "hours.no_ranges": ("—", "—"),
    "hours.no_time_off": ("No upcoming time off.", "No hay ausencias próximas."),
    "hours.time_off_line": ("• {what}", "• {what}"),
    "hours.time_off_more": (
        "• … and {count} more (Remove time off lists them all)",
        "• … y {count} más (Quitar ausencia las muestra todas)",
    ),
    "hours.edit_day": ("Edit a day", "Editar un día"),
    "hours.add_time_off": ("Add time off", "Añadir ausencia"),
    "hours.remove_time_off": ("Remove time off", "Quitar ausencia"),
    "hours.done": ("Done", "Hecho"),
    "hours.no_profile": (
        "Your account has no doctor profile. Please contact the clinic.",
        "Tu cuenta no tiene perfil de médico. Ponte en contacto con la clínica.",
    ),
    # --- editing a weekday ----------------------------------------------------------------------
    "hours.pick_weekday": (
        "Which day of the week do you want to change?",
        "¿Qué día de la semana quieres cambiar?",
    ),
    "hours.day": (
        "<b>{weekday}</b> ({zone}): {ranges}",
        "<b>{weekday}</b> ({zone}): {ranges}",
    ),
    "hours.day_off": ("no hours (day off)", "sin horario (día libre)"),
    "hours.clear_day": ("Clear day", "Vaciar el día"),
    "hours.add_range": ("Add a range", "Añadir un tramo"),
    "hours.cleared": ("✅ {weekday} cleared.", "✅ {weekday} sin horario."),
    "hours.range_added": ("✅ Added {start}–{end}.", "✅ Añadido {start}–{end}."),
    "hours.outside_note": (
        "ℹ️ {count} upcoming appointment(s) on {weekday} you kept are outside your hours: "
        "see /schedule.",
        "ℹ️ {count} cita(s) próxima(s) del {weekday} que mantuviste están fuera de tu horario: "
        "consulta /schedule.",
    ),
    # --- visits a change of hours left outside them ---------------------------------------------
    "hours.stranded": (
        "⚠️ {count} upcoming appointment(s) on {weekday} now fall outside your hours "
        "({zone}):\n{lines}\n\nKeep them booked, or cancel them and tell the patients?",
        "⚠️ {count} cita(s) próxima(s) del {weekday} quedan ahora fuera de tu horario "
        "({zone}):\n{lines}\n\n¿Las mantienes, o las cancelas y se avisa a los pacientes?",
    ),
    "hours.stranded_line": ("{number}. {what}", "{number}. {what}"),
    "hours.keep_one": ("✔ Keep {number}", "✔ Mantener {number}"),
    "hours.cancel_one": (
        "✖ Cancel {number} and tell the patient",
        "✖ Cancelar {number} y avisar al paciente",
    ),
    "hours.keep_all": ("✔ Keep all", "✔ Mantener todas"),
    "hours.cancel_all": (
        "✖ Cancel all {count} and tell the patients",
        "✖ Cancelar las {count} y avisar a los pacientes",
    ),
    "hours.kept_one": ("✔ Kept: {what}.", "✔ Se mantiene: {what}."),
    "hours.cancelled_one": (
        "✖ Cancelled: {what}. The patient is told.",
        "✖ Cancelada: {what}. Se avisa al paciente.",
    ),
    "hours.kept_all": (
        "✔ {count} appointment(s) kept outside your hours: see /schedule.",
        "✔ {count} cita(s) mantenida(s) fuera de tu horario: consulta /schedule.",
    ),
    "hours.cancelled_all": (
        "✖ {count} appointment(s) cancelled. The patients are told.",
        "✖ {count} cita(s) cancelada(s). Se avisa a los pacientes.",
    ),
    "hours.stranded_gone": (
        "That appointment is no longer booked.",
        "Esa cita ya no está reservada.",
    ),
    "hours.stranded_none": (
        "No appointments are left to decide on.",
        "No quedan citas por decidir.",
    ),
    "hours.weekday_hint": (
        "I didn't catch that. Choose a day of the week (or type one, e.g. monday), or type a "
        "day with its hours, e.g. monday 9-13, 15-18.",
        "No te he entendido. Elige un día de la semana (o escríbelo, p. ej. lunes), o escribe "
        "un día con su horario, p. ej. lunes 9-13, 15-18.",
    ),
    "hours.day_hint": (
        "I didn't catch that. Choose a button, or type {weekday}'s hours, e.g. 9-13, 14:30-18 "
        "(they replace the ones it has).",
        "No te he entendido. Elige un botón, o escribe el horario del {weekday}, p. ej. "
        "9-13, 14:30-18 (sustituye al que tiene).",
    ),
    "hours.typed_invalid": (
        "I can't use “{text}” as hours: type ranges such as 9-13, 14:30-18. Nothing was changed.",
        "No puedo usar «{text}» como horario: escribe tramos como 9-13, 14:30-18. "
        "No se ha cambiado nada.",
    ),
    "hours.typed_overlap": (
        "{first} and {second} overlap: type each range once. Nothing was changed.",
        "{first} y {second} se solapan: escribe cada tramo una vez. No se ha cambiado nada.",
    ),
    "hours.day_set": ("✅ {weekday}: {ranges}.", "✅ {weekday}: {ranges}."),
    "hours.invalid": (
        "That range is not valid; nothing was changed.",
        "Ese tramo no es válido; no se ha cambiado nada.",
    ),
    # --- time pickers ---------------------------------------------------------------------------
    "pick.back": ("« Back", "« Volver"),
    "pick.range_title": (
        "New range on {weekday} ({zone}).",
        "Nuevo tramo del {weekday} ({zone}).",
    ),
    "pick.off_title": (
        "Time off on {date} ({zone}).",
        "Ausencia del {date} ({zone}).",
    ),
    "pick.start_hour": ("{title}\nPick the start hour:", "{title}\nElige la hora de inicio:"),
    "pick.start_minute": (
        "{title}\nStart at {hour}:…? Pick the minutes:",
        "{title}\n¿Empieza a las {hour}:…? Elige los minutos:",
    ),
    "pick.end_hour": (
        "{title}\nStarts at {start}. Pick the end hour:",
        "{title}\nEmpieza a las {start}. Elige la hora de fin:",
    ),
    "pick.end_minute": (
        "{title}\nStarts at {start}, ends at {hour}:…? Pick the minutes:",
        "{title}\nEmpieza a las {start} y termina a las {hour}:…? Elige los minutos:",
    ),
    "pick.hint": (
        "I didn't catch that. Choose with the buttons, or type a time such as 13:00 or 1pm.",
        "No te he entendido. Elige con los botones, o escribe una hora como 13:00 o 1pm.",
    ),
    "pick.not_offered": (
        "{time} can't be chosen here. Choose one of these:",
        "No se puede elegir {time} aquí. Elige una de estas:",
    ),
    # --- adding time off ------------------------------------------------------------------------
    "off.pick_first": (
        "🏖 Time off ({zone}): pick the first day.",
        "🏖 Ausencia ({zone}): elige el primer día.",
    ),
    "off.pick_kind": (
        "🏖 Time off from {date} ({zone}): the whole day(s), or part of the day?",
        "🏖 Ausencia desde el {date} ({zone}): ¿días completos o parte del día?",
    ),
    "off.whole": ("Whole day(s)", "Días completos"),
    "off.part": ("Part of the day", "Parte del día"),
    "off.pick_last": (
        "🏖 Whole days from {date} ({zone}): pick the last day.",
        "🏖 Días completos desde el {date} ({zone}): elige el último día.",
    ),
    "off.earlier": ("◀ Earlier", "◀ Antes"),
    "off.later": ("Later ▶", "Después ▶"),
    "off.day_hint": (
        "I didn't catch that. Choose a day, or type a date such as 24/12.",
        "No te he entendido. Elige un día, o escribe una fecha como 24/12.",
    ),
    "off.day_out_of_range": (
        "That day can't be chosen here.",
        "Ese día no se puede elegir aquí.",
    ),
    "off.conflicts": (
        "⚠️ {count} appointment(s) fall in {what} ({zone}):\n{lines}\n\n"
        "Block it and cancel these {count} appointment(s)? The patients will be told.",
        "⚠️ {count} cita(s) caen en {what} ({zone}):\n{lines}\n\n"
        "¿Bloquear ese tiempo y cancelar estas {count} cita(s)? Se avisará a los pacientes.",
    ),
    "off.conflicts_changed": (
        "⚠️ The appointments in that time changed meanwhile; nothing was changed yet.\n\n{rest}",
        "⚠️ Las citas de ese tiempo han cambiado mientras tanto; aún no se ha cambiado nada."
        "\n\n{rest}",
    ),
    "off.conflict_line": ("• {when} — {patient}", "• {when} — {patient}"),
    "off.more": ("• … and {count} more", "• … y {count} más"),
    "off.confirm": ("Block and cancel {count}", "Bloquear y cancelar {count}"),
    "off.added": ("✅ Time off added: {what}.", "✅ Ausencia añadida: {what}."),
    "off.added_cancelled": (
        "✅ Time off added: {what}. {count} appointment(s) cancelled; the patients were told.",
        "✅ Ausencia añadida: {what}. {count} cita(s) cancelada(s); se ha avisado a los "
        "pacientes.",
    ),
    "off.nothing_changed": ("Nothing was changed.", "No se ha cambiado nada."),
    "off.invalid": (
        "That time is already over; nothing was changed.",
        "Ese tiempo ya ha pasado; no se ha cambiado nada.",
    ),
    "off.whole_day": ("{date} (whole day)", "{date} (día completo)"),
    "off.whole_days": ("{first} – {last} (whole days)", "{first} – {last} (días completos)"),
    "off.same_day": ("{date}, {start}–{end}", "{date}, {start}–{end}"),
    "off.span": ("{first} {start} – {last} {end}", "{first} {start} – {last} {end}"),
    # --- removing time off ----------------------------------------------------------------------
    "off.pick_remove": (
        "🏖 Which time off do you want to remove? ({zone})",
        "🏖 ¿Qué ausencia quieres quitar? ({zone})",
    ),
    "off.none_to_remove": (
        "You have no upcoming time off.",
        "No tienes ausencias próximas.",
    ),
    "off.removed": ("✅ Time off removed: {what}.", "✅ Ausencia quitada: {what}."),
    "off.not_found": (
        "That time off no longer exists.",
        "Esa ausencia ya no existe.",
    ),
}
