"""Texts of the notices sent when appointments change."""

TEXTS: dict[str, tuple[str, str]] = {
    "notice.doctor.booked": (
        "📅 New appointment: {patient} ({phone}) on {when}.",
        "📅 Nueva cita: {patient} ({phone}) el {when}.",
    ),
    "notice.doctor.cancelled": (
        "❌ Cancelled: {patient}'s appointment on {when}.",
        "❌ Cancelada: la cita de {patient} del {when}.",
    ),
    "notice.doctor.rescheduled": (
        "🔁 Moved: {patient}'s appointment from {old} to {when}.",
        "🔁 Cambiada: la cita de {patient} del {old} pasa al {when}.",
    ),
    "notice.patient.cancelled": (
        "❌ The clinic cancelled your appointment with {doctor} ({specialty}) on {when}. "
        "We are sorry. /book to choose another time.",
        "❌ La clínica ha cancelado tu cita con {doctor} ({specialty}) del {when}. "
        "Lo sentimos. /book para elegir otra hora.",
    ),
    "notice.patient.rescheduled": (
        "🔁 Your appointment with {doctor} ({specialty}) was moved from {old} to {when}.",
        "🔁 Tu cita con {doctor} ({specialty}) se ha cambiado del {old} al {when}.",
    ),
}
