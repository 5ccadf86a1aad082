"""Texts of the appointment emails and their calendar files.

The templates hold no markup: the mailer fills them with raw values for the plain-text part and
with HTML-escaped values (and an escaped template) for the HTML part.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # Subjects. {doctor} is the doctor's display name, {when} a short date and time with its zone
    # (key email.when.short), {lead} how long before the appointment (keys lead.*).
    "email.subject.reminder": (
        "Reminder: your appointment with {doctor} on {when}",
        "Recordatorio: su cita con {doctor} el {when}",
    ),
    "email.subject.reminder_lead": (
        "Reminder: your appointment with {doctor} in {lead}, on {when}",
        "Recordatorio: su cita con {doctor} dentro de {lead}, el {when}",
    ),
    "email.subject.booked": (
        "Appointment confirmed: {doctor} on {when}",
        "Cita confirmada: {doctor} el {when}",
    ),
    "email.subject.rescheduled": (
        "Appointment moved: {doctor}, now on {when}",
        "Cita cambiada: {doctor}, ahora el {when}",
    ),
    "email.subject.cancelled": (
        "Appointment cancelled: {doctor} on {when}",
        "Cita cancelada: {doctor} el {when}",
    ),
    # Every subject is put in this one, after the clinic's name.
    "email.subject.clinic": ("{clinic}: {subject}", "{clinic}: {subject}"),
    # Body.
    "email.greeting": ("Hello {name},", "Hola, {name}:"),
    "email.intro.reminder": (
        "This is a reminder of your appointment at {clinic}.",
        "Le recordamos su cita en {clinic}.",
    ),
    "email.intro.reminder_lead": (
        "Your appointment at {clinic} is in {lead}.",
        "Su cita en {clinic} es dentro de {lead}.",
    ),
    "email.intro.booked": (
        "Your appointment at {clinic} is confirmed.",
        "Su cita en {clinic} está confirmada.",
    ),
    "email.intro.rescheduled": (
        "Your appointment at {clinic} has been moved to a new time.",
        "Su cita en {clinic} ha cambiado de hora.",
    ),
    "email.intro.cancelled": (
        "Your appointment at {clinic} has been cancelled.",
        "Su cita en {clinic} ha sido cancelada.",
    ),
    "email.label.when": ("When", "Cuándo"),
    "email.label.doctor": ("Doctor", "Médico"),
    "email.label.specialty": ("Specialty", "Especialidad"),
    "email.calendar.add": (
        "The attached calendar file (appointment.ics) adds the appointment to your calendar.",
        "El archivo de calendario adjunto (appointment.ics) añade la cita a su calendario.",
    ),
    "email.calendar.remove": (
        "The attached calendar file (appointment.ics) removes the appointment from your calendar.",
        "El archivo de calendario adjunto (appointment.ics) elimina la cita de su calendario.",
    ),
    "email.manage": (
        "To change or cancel an appointment, use the clinic's Telegram bot.",
        "Para cambiar o cancelar una cita, use el bot de Telegram de la clínica.",
    ),
    "email.manage_phone": (
        "To change or cancel an appointment, use the clinic's Telegram bot or call {phone}.",
        "Para cambiar o cancelar una cita, use el bot de Telegram de la clínica o llame al "
        "{phone}.",
    ),
    # The signature, under the clinic's name and address.
    "email.signature.phone": ("Phone: {phone}", "Teléfono: {phone}"),
    "email.signature.map": ("Map: {url}", "Mapa: {url}"),
    "email.signature.map_link": ("Map", "Mapa"),
    "email.automatic": (
        "This message was sent automatically; please do not reply to it.",
        "Este mensaje se ha enviado automáticamente; por favor, no lo responda.",
    ),
    # Dates and times. {weekday} and {month} come from the email.weekday*/email.month* tables.
    "email.when.short": (
        "{weekday} {day} {month} {year} at {time} ({zone})",
        "{weekday} {day} {month} {year} a las {time} ({zone})",
    ),
    "email.when.long": (
        "{weekday} {day} {month} {year}, {start}–{end} ({zone}, UTC{offset})",
        "{weekday} {day} de {month} de {year}, {start}–{end} ({zone}, UTC{offset})",
    ),
    "email.when.long_overnight": (
        "{weekday} {day} {month} {year}, {start} – {end_date} {end} ({zone}, UTC{offset})",
        "{weekday} {day} de {month} de {year}, {start} – {end_date} {end} ({zone}, UTC{offset})",
    ),
    # Doctor's display name: English adds the title, Spanish has no neutral one.
    "email.doctor": ("Dr. {name}", "{name}"),
    # Calendar file.
    "email.ics.summary": (
        "Appointment with {doctor} ({specialty})",
        "Cita con {doctor} ({specialty})",
    ),
    "email.ics.description": (
        "{specialty} appointment with {doctor} at {clinic}.",
        "Cita de {specialty} con {doctor} en {clinic}.",
    ),
}
