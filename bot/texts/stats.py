"""Texts of /stats: the weeks' chart, its caption, the month picker and the CSV file.

The chart's and the CSV file's texts are plain (no HTML): they are drawn or written as is.
"""

TEXTS: dict[str, tuple[str, str]] = {
    # --- the chart and its caption ---------------------------------------------------------------
    "stats.no_doctors": (
        "📊 No doctors yet: add one with /adddoctor, and their appointments will show here.",
        "📊 Aún no hay médicos: da de alta uno con /adddoctor y sus citas aparecerán aquí.",
    ),
    "stats.gone": (
        "There are no doctors to show any more.",
        "Ya no hay médicos que mostrar.",
    ),
    "stats.caption.title": (
        "📊 <b>Appointments in the last {weeks} weeks</b>\n{first} – {last} ({zone})",
        "📊 <b>Citas de las últimas {weeks} semanas</b>\n{first} – {last} ({zone})",
    ),
    "stats.caption.paged": (
        "Doctors {first}–{last} of {count}",
        "Médicos {first}–{last} de {count}",
    ),
    "stats.caption.doctor": (
        "<b>{name}</b>{inactive}: {figures}",
        "<b>{name}</b>{inactive}: {figures}",
    ),
    "stats.caption.inactive": (" (inactive)", " (de baja)"),
    "stats.caption.figures": (
        "{booked} booked · {attended} attended · {no_show} no-show · {cancelled} cancelled",
        "{booked} reservadas · {attended} atendidas · {no_show} ausencias · "
        "{cancelled} canceladas",
    ),
    "stats.caption.total": (
        "<b>All doctors</b>: {figures}",
        "<b>Todos los médicos</b>: {figures}",
    ),
    "stats.caption.booked_note": (
        "<i>Booked: still to come, or not marked attended or no-show yet.</i>",
        "<i>Reservadas: aún por venir, o sin marcar como atendidas o ausencias.</i>",
    ),
    "stats.chart.title": (
        "Appointments per week, {first} – {last} ({zone})",
        "Citas por semana, {first} – {last} ({zone})",
    ),
    "stats.chart.doctor": ("{name} · {specialty}", "{name} · {specialty}"),
    "stats.chart.inactive": (" (inactive)", " (de baja)"),
    "stats.previous_button": ("◀️ Previous", "◀️ Anteriores"),
    "stats.next_button": ("Next ▶️", "Siguientes ▶️"),
    "stats.csv_button": ("📄 A month's appointments (CSV)", "📄 Citas de un mes (CSV)"),
    # --- statuses: the chart's legend and the CSV file -------------------------------------------
    "stats.status.booked": ("Booked", "Reservada"),
    "stats.status.attended": ("Attended", "Atendida"),
    "stats.status.no_show": ("No-show", "No se presentó"),
    "stats.status.cancelled": ("Cancelled", "Cancelada"),
    "stats.legend.booked": ("booked", "reservadas"),
    "stats.legend.attended": ("attended", "atendidas"),
    "stats.legend.no_show": ("no-show", "ausencias"),
    "stats.legend.cancelled": ("cancelled", "canceladas"),
    # --- the month picker ------------------------------------------------------------------------
    "conversation.stats_csv": ("CSV export", "exportación CSV"),
    "stats.month.ask": (
        "📄 Which month's appointments do you want as a spreadsheet (CSV)? Choose one, or type "
        "it (for example: {example}).",
        "📄 ¿De qué mes quieres las citas en una hoja de cálculo (CSV)? Elige uno, o escríbelo "
        "(por ejemplo: {example}).",
    ),
    "stats.month.label": ("{month} {year}", "{month} de {year}"),
    "stats.month.unknown": (
        "I didn't recognise that month. Type a month and a year, like {example}.",
        "No reconozco ese mes. Escribe un mes y un año, como {example}.",
    ),
    "stats.month.future": (
        "{month} has not begun yet: choose this month or an earlier one.",
        "{month} aún no ha empezado: elige este mes o uno anterior.",
    ),
    "stats.month.close_button": ("✖️ Close", "✖️ Cerrar"),
    "stats.month.closed": (
        "Closed: no file was sent.",
        "Cerrado: no se ha enviado ningún archivo.",
    ),
    "stats.csv.empty": (
        "There are no appointments in {month}. Choose another month:",
        "No hay citas en {month}. Elige otro mes:",
    ),
    "stats.csv.sent": (
        "📄 The appointments of {month} ({count}) are in the file below.",
        "📄 Las citas de {month} ({count}) están en el archivo de abajo.",
    ),
    "stats.csv.caption": (
        "Appointments of {month}: {count}. Times in {zone}.",
        "Citas de {month}: {count}. Horas en {zone}.",
    ),
    "stats.csv.filename": ("appointments-{year}-{month}.csv", "citas-{year}-{month}.csv"),
    # The CSV file's header row.
    "stats.csv.date": ("Date", "Fecha"),
    "stats.csv.time": ("Time ({zone})", "Hora ({zone})"),
    "stats.csv.doctor": ("Doctor", "Médico"),
    "stats.csv.specialty": ("Specialty", "Especialidad"),
    "stats.csv.patient": ("Patient", "Paciente"),
    "stats.csv.status": ("Status", "Estado"),
    "stats.csv.booked_by": ("Booked by", "Reservada por"),
    # Who booked an appointment: the patient, or the clinic for them.
    "stats.booked_by.patient": ("Patient", "Paciente"),
    "stats.booked_by.front_desk": ("Front desk", "Recepción"),
    "stats.booked_by.admin": ("Admin", "Administrador"),
}
