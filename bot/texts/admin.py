"""Texts of the admin commands (/adddoctor, /doctors) and of the doctors' invite links."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- /adddoctor -----------------------------------------------------------------------------
    "admin.add.ask_name": (
        "👩‍⚕️ New doctor. What name should patients see? (for example: Dr. Ana Ruiz)",
        "👩‍⚕️ Nuevo médico. ¿Qué nombre verán los pacientes? (por ejemplo: Dra. Ana Ruiz)",
    ),
    "admin.add.bad_name": (
        "Please send the doctor's name (2 to 120 characters, with letters), or /cancel.",
        "Envía el nombre del médico (de 2 a 120 caracteres, con letras), o /cancel.",
    ),
    "admin.add.ask_specialty": (
        "What is the specialty of {name}? Choose one, or add a new one.",
        "¿Cuál es la especialidad de {name}? Elige una, o añade una nueva.",
    ),
    "admin.add.new_specialty_button": ("➕ New specialty", "➕ Nueva especialidad"),
    "admin.add.ask_new_specialty": (
        "Send the name of the new specialty (for example: Neurology).",
        "Envía el nombre de la nueva especialidad (por ejemplo: Neurología).",
    ),
    "admin.add.bad_specialty": (
        "Please send a specialty name of 2 to 80 characters, or /cancel.",
        "Envía un nombre de especialidad de 2 a 80 caracteres, o /cancel.",
    ),
    "admin.add.specialty_gone": (
        "That specialty is no longer available. Please choose again.",
        "Esa especialidad ya no está disponible. Elige de nuevo.",
    ),
    "admin.add.ask_email": (
        "Specialty: {specialty}.\n\nWhat is the email of {name}? They will log in with it; "
        "only admins see it.",
        "Especialidad: {specialty}.\n\n¿Cuál es el correo de {name}? Lo usará para iniciar "
        "sesión; solo lo ven los administradores.",
    ),
    "admin.add.email_taken": (
        "That email already has an account. Send another email, or /cancel.",
        "Ese correo ya tiene una cuenta. Envía otro correo, o /cancel.",
    ),
    "admin.add.ask_slot": (
        "How long is each appointment with {name}?",
        "¿Cuánto dura cada cita con {name}?",
    ),
    "admin.add.slot_button": ("{minutes} min", "{minutes} min"),
    "admin.add.bad_slot": (
        "That is not one of the offered lengths. Please choose with the buttons.",
        "Esa no es una de las duraciones ofrecidas. Elige con los botones.",
    ),
    "admin.add.specialty_new": ("{specialty} (new)", "{specialty} (nueva)"),
    "admin.add.summary": (
        "<b>New doctor</b>\n"
        "Name: {name}\n"
        "Specialty: {specialty}\n"
        "Email: {email}\n"
        "Appointments: {minutes} min\n"
        "Weekly hours: {hours} (the doctor can change them with /hours)\n\n"
        "Create this doctor and their invite link?",
        "<b>Nuevo médico</b>\n"
        "Nombre: {name}\n"
        "Especialidad: {specialty}\n"
        "Correo: {email}\n"
        "Citas: {minutes} min\n"
        "Horario semanal: {hours} (el médico puede cambiarlo con /hours)\n\n"
        "¿Creo este médico y su enlace de invitación?",
    ),
    "admin.add.confirm_button": ("✅ Create", "✅ Crear"),
    "admin.add.cancel_button": ("✖️ Cancel", "✖️ Cancelar"),
    "admin.add.abandoned": (
        "Cancelled. No doctor was added.",
        "Cancelado. No se ha añadido ningún médico.",
    ),
    "admin.add.email_taken_late": (
        "That email got an account a moment ago, so nothing was saved. Send another email "
        "for {name}, or /cancel.",
        "Ese correo acaba de registrarse, así que no se ha guardado nada. Envía otro correo "
        "para {name}, o /cancel.",
    ),
    "admin.add.done": (
        "✅ {name} is added: {specialty}, {minutes}-min appointments, {hours}.\n\n"
        "Send them this invite link. It can be used once and expires in 7 days, "
        "on {expires}:\n{link}\n\n"
        "Don't open it yourself: it would log this chat in as the doctor.",
        "✅ {name} ya está dado de alta: {specialty}, citas de {minutes} min, {hours}.\n\n"
        "Envíale este enlace de invitación. Sirve una sola vez y caduca en 7 días, "
        "el {expires}:\n{link}\n\n"
        "No lo abras tú: iniciaría la sesión de este chat como el médico.",
    ),
    # --- /doctors -------------------------------------------------------------------------------
    "admin.list.empty": (
        "There are no doctors yet. /adddoctor adds one.",
        "Todavía no hay médicos. /adddoctor para dar de alta uno.",
    ),
    "admin.list.page": ("{title}\n\n{items}", "{title}\n\n{items}"),
    "admin.list.title": (
        "<b>Doctors</b> ({count})",
        "<b>Médicos</b> ({count})",
    ),
    "admin.list.title_paged": (
        "<b>Doctors</b> {first}–{last} of {count}",
        "<b>Médicos</b> {first}–{last} de {count}",
    ),
    "admin.list.item": (
        "{number}. <b>{name}</b> — {specialty}, {minutes} min\n"
        "    {email} · {status} · {password}",
        "{number}. <b>{name}</b> — {specialty}, {minutes} min\n"
        "    {email} · {status} · {password}",
    ),
    "admin.list.active": ("active", "activo"),
    "admin.list.inactive": ("⛔ inactive", "⛔ inactivo"),
    "admin.list.password_set": ("password set", "contraseña puesta"),
    "admin.list.no_password": ("no password yet", "sin contraseña aún"),
    "admin.list.deactivate_button": ("⛔ Deactivate {name}", "⛔ Desactivar a {name}"),
    "admin.list.reactivate_button": ("✅ Reactivate {name}", "✅ Reactivar a {name}"),
    "admin.list.invite_button": ("🔗 New invite link", "🔗 Nuevo enlace"),
    "admin.list.previous_button": ("◀ Previous", "◀ Anteriores"),
    "admin.list.next_button": ("Next ▶", "Siguientes ▶"),
    "admin.list.not_found": (
        "That doctor no longer exists.",
        "Ese médico ya no existe.",
    ),
    "admin.list.already_inactive": (
        "{name} is already inactive.",
        "{name} ya está inactivo.",
    ),
    "admin.list.already_active": (
        "{name} is already active.",
        "{name} ya está activo.",
    ),
    "admin.list.deactivated": (
        "⛔ {name} is deactivated: no longer bookable, and logged out everywhere.",
        "⛔ {name} está desactivado: ya no se puede reservar y se ha cerrado su sesión.",
    ),
    "admin.list.deactivated_cancelled": (
        "⛔ {name} is deactivated and logged out everywhere. Appointments cancelled: "
        "{count}; each patient was told.",
        "⛔ {name} está desactivado y se ha cerrado su sesión. Citas canceladas: {count}; "
        "se ha avisado a cada paciente.",
    ),
    "admin.list.reactivated": (
        "✅ {name} is active again: patients can book them, and they can /login.",
        "✅ {name} vuelve a estar activo: los pacientes pueden reservar y puede usar /login.",
    ),
    "admin.off.confirm": (
        "{name} has upcoming appointments: {count}\n{items}\n(times in {zone})\n\n"
        "Deactivating cancels all of them and tells each patient. Deactivate {name}?",
        "{name} tiene citas próximas: {count}\n{items}\n(horas en {zone})\n\n"
        "Al desactivarlo se cancelan todas y se avisa a cada paciente. ¿Desactivar a {name}?",
    ),
    "admin.off.changed": (
        "The appointments changed meanwhile; nothing was done. Please check again.",
        "Las citas han cambiado mientras tanto; no se ha hecho nada. Revísalo de nuevo.",
    ),
    "admin.off.item": ("• {when} — {patient}", "• {when} — {patient}"),
    "admin.off.more": ("• … and {count} more", "• … y {count} más"),
    "admin.off.confirm_button": (
        "⛔ Deactivate and cancel {count}",
        "⛔ Desactivar y cancelar {count}",
    ),
    "admin.off.back_button": ("« Back to the list", "« Volver a la lista"),
    "admin.invite.inactive": (
        "Reactivate {name} first: an inactive doctor cannot use an invite.",
        "Reactiva antes a {name}: un médico inactivo no puede usar una invitación.",
    ),
    "admin.invite.link": (
        "🔗 New invite link for {name}. It can be used once and expires in 7 days, "
        "on {expires}. Earlier links for {name} no longer work.\n{link}\n\n"
        "Opening it lets them choose a new password. Don't open it yourself: it would log "
        "this chat in as the doctor.",
        "🔗 Nuevo enlace de invitación para {name}. Sirve una sola vez y caduca en 7 días, "
        "el {expires}. Los enlaces anteriores de {name} ya no funcionan.\n{link}\n\n"
        "Al abrirlo podrá elegir una contraseña nueva. No lo abras tú: iniciaría la sesión "
        "de este chat como el médico.",
    ),
    # --- the invite, as the doctor sees it ------------------------------------------------------
    "invite.invalid": (
        "This invite link is not valid or has expired. Ask the clinic for a new one.",
        "Este enlace de invitación no es válido o ha caducado. Pide uno nuevo a la clínica.",
    ),
    "invite.welcome": (
        "👋 Welcome, {name}! The clinic has invited you to take appointments here "
        "({specialty}).\n\n"
        "Choose a password (at least 8 characters); you will log in with it and your email "
        "{email}. I will delete your message as soon as I read it.",
        "👋 ¡Bienvenido, {name}! La clínica te ha invitado a atender citas aquí "
        "({specialty}).\n\n"
        "Elige una contraseña (al menos 8 caracteres); iniciarás sesión con ella y tu correo "
        "{email}. Borraré tu mensaje en cuanto lo lea.",
    ),
    "invite.done": (
        "✅ Your password is set and this chat is logged in as {name} (doctor).\n\n"
        "/schedule — your appointments today, tomorrow and this week\n"
        "/hours — your weekly hours (now {hours}) and time off\n\n"
        "In another chat, /login with {email} and this password.",
        "✅ Tu contraseña está puesta y este chat tiene la sesión iniciada como {name} "
        "(médico).\n\n"
        "/schedule — tus citas de hoy, mañana y esta semana\n"
        "/hours — tu horario semanal (ahora {hours}) y tus ausencias\n\n"
        "En otro chat, usa /login con {email} y esta contraseña.",
    ),
    # --- weekly hours, summarised -----------------------------------------------------------
    "admin.hours.none": ("no weekly hours", "sin horario semanal"),
}
