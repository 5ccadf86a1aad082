"""Texts of /closures: the clinic's closures (admins)."""

TEXTS: dict[str, tuple[str, str]] = {
    "closures.overview": (
        "🏥 <b>Clinic closures</b> ({zone})\n{lines}\n\n"
        "While the clinic is closed, no doctor can be booked.",
        "🏥 <b>Cierres de la clínica</b> ({zone})\n{lines}\n\n"
        "Mientras la clínica está cerrada no se puede reservar con ningún médico.",
    ),
    "closures.line": ("• {what}", "• {what}"),
    "closures.none": ("No upcoming closures.", "No hay cierres próximos."),
    "closures.more": (
        "• … and {count} more (Remove a closure lists them all)",
        "• … y {count} más (Quitar un cierre los muestra todos)",
    ),
    "closures.add": ("Add a closure", "Añadir un cierre"),
    "closures.remove": ("Remove a closure", "Quitar un cierre"),
    # --- adding ---------------------------------------------------------------------------------
    "closures.pick_first": (
        "🏥 Clinic closure ({zone}): pick the first day.",
        "🏥 Cierre de la clínica ({zone}): elige el primer día.",
    ),
    "closures.pick_kind": (
        "🏥 Clinic closed from {date} ({zone}): the whole day(s), or part of the day?",
        "🏥 Clínica cerrada desde el {date} ({zone}): ¿días completos o parte del día?",
    ),
    "closures.pick_last": (
        "🏥 Clinic closed whole days from {date} ({zone}): pick the last day.",
        "🏥 Clínica cerrada días completos desde el {date} ({zone}): elige el último día.",
    ),
    "closures.part_title": (
        "Clinic closed on {date} ({zone}).",
        "Clínica cerrada el {date} ({zone}).",
    ),
    "closures.conflicts": (
        "⚠️ {count} appointment(s) are booked in {what} ({zone}):\n{lines}\n\n"
        "Close the clinic and cancel these {count} appointment(s)? The patients and their "
        "doctors will be told.",
        "⚠️ Hay {count} cita(s) reservada(s) en {what} ({zone}):\n{lines}\n\n"
        "¿Cerrar la clínica y cancelar estas {count} cita(s)? Se avisará a los pacientes y a "
        "sus médicos.",
    ),
    "closures.conflict_line": (
        "• {when} — {doctor} — {patient}",
        "• {when} — {doctor} — {patient}",
    ),
    "closures.confirm": ("Close and cancel {count}", "Cerrar y cancelar {count}"),
    "closures.ask_name": (
        "🏥 Clinic closed: {what} ({zone}).\n\nWhat is it for? Type a short name that patients "
        "and doctors will see (for example: Christmas), or Skip.",
        "🏥 Clínica cerrada: {what} ({zone}).\n\n¿Por qué motivo? Escribe un nombre corto que "
        "verán los pacientes y los médicos (por ejemplo: Navidad), u Omitir.",
    ),
    "closures.skip_name": ("Skip", "Omitir"),
    "notice.closure": (
        "🏥 The clinic is closed: {name}.",
        "🏥 La clínica está cerrada: {name}.",
    ),
    "closures.bad_name": (
        "Please type a name of 1 to {length} characters, or Skip.",
        "Escribe un nombre de 1 a {length} caracteres, u Omitir.",
    ),
    "closures.added": ("✅ Clinic closed: {what}.", "✅ Clínica cerrada: {what}."),
    "closures.added_cancelled": (
        "✅ Clinic closed: {what}. {count} appointment(s) cancelled; the patients were told.",
        "✅ Clínica cerrada: {what}. {count} cita(s) cancelada(s); se ha avisado a los pacientes.",
    ),
    # --- removing -------------------------------------------------------------------------------
    "closures.pick_remove": (
        "🏥 Which closure do you want to remove? ({zone})",
        "🏥 ¿Qué cierre quieres quitar? ({zone})",
    ),
    "closures.none_to_remove": (
        "There are no upcoming closures.",
        "No hay cierres próximos.",
    ),
    "closures.removed": (
        "✅ Closure removed: {what}. Its time can be booked again; appointments it cancelled "
        "stay cancelled.",
        "✅ Cierre quitado: {what}. Ese tiempo se puede reservar de nuevo; las citas que "
        "canceló siguen canceladas.",
    ),
    "closures.not_found": (
        "That closure no longer exists.",
        "Ese cierre ya no existe.",
    ),
}
