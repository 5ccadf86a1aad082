"""Texts shared by every feature: welcome, help, menus, errors, languages and roles."""

TEXTS: dict[str, tuple[str, str]] = {
    "start.welcome": (
        "👋 Welcome to the clinic's booking bot.\n\n"
        "New here? /register to create your patient account.\n"
        "Already registered? /login.\n"
        "/help lists everything I can do.",
        "👋 Bienvenido al bot de citas de la clínica.\n\n"
        "¿Es tu primera vez? /register para crear tu cuenta de paciente.\n"
        "¿Ya tienes cuenta? /login.\n"
        "/help muestra todo lo que puedo hacer.",
    ),
    "start.welcome_back": ("👋 Welcome back, {name}.", "👋 Hola de nuevo, {name}."),
    "start.bad_link": (
        "This link is not valid. Ask the clinic for a new one.",
        "Este enlace no es válido. Pide uno nuevo a la clínica.",
    ),
    "help.guest": (
        "<b>Commands</b>\n"
        "/register — create a patient account\n"
        "/login — log in\n"
        "/language — English or Spanish\n"
        "/cancel — leave what you are doing",
        "<b>Comandos</b>\n"
        "/register — crear una cuenta de paciente\n"
        "/login — iniciar sesión\n"
        "/language — inglés o español\n"
        "/cancel — salir de lo que estás haciendo",
    ),
    "help.patient": (
        "<b>Commands</b>\n"
        "/book — book an appointment\n"
        "/appointments — your appointments (cancel, reschedule)\n"
        "/me — your account\n"
        "/language — English or Spanish\n"
        "/logout — log out of this chat\n"
        "/cancel — leave what you are doing",
        "<b>Comandos</b>\n"
        "/book — pedir una cita\n"
        "/appointments — tus citas (cancelar, cambiar)\n"
        "/me — tu cuenta\n"
        "/language — inglés o español\n"
        "/logout — cerrar sesión en este chat\n"
        "/cancel — salir de lo que estás haciendo",
    ),
    "help.doctor": (
        "<b>Commands</b>\n"
        "/schedule — your appointments today, tomorrow and this week\n"
        "/hours — your weekly hours and time off\n"
        "/me — your account\n"
        "/language — English or Spanish\n"
        "/logout — log out of this chat\n"
        "/cancel — leave what you are doing",
        "<b>Comandos</b>\n"
        "/schedule — tus citas de hoy, mañana y esta semana\n"
        "/hours — tu horario semanal y tus ausencias\n"
        "/me — tu cuenta\n"
        "/language — inglés o español\n"
        "/logout — cerrar sesión en este chat\n"
        "/cancel — salir de lo que estás haciendo",
    ),
    "help.admin": (
        "<b>Commands</b>\n"
        "/adddoctor — add a doctor and get their invite link\n"
        "/doctors — list, deactivate and reactivate doctors\n"
        "/schedule — any doctor's appointments\n"
        "/reminders — reminder delivery\n"
        "/me — your account\n"
        "/language — English or Spanish\n"
        "/logout — log out of this chat\n"
        "/cancel — leave what you are doing",
        "<b>Comandos</b>\n"
        "/adddoctor — dar de alta a un médico y obtener su enlace de invitación\n"
        "/doctors — ver, desactivar y reactivar médicos\n"
        "/schedule — las citas de cualquier médico\n"
        "/reminders — envío de recordatorios\n"
        "/me — tu cuenta\n"
        "/language — inglés o español\n"
        "/logout — cerrar sesión en este chat\n"
        "/cancel — salir de lo que estás haciendo",
    ),
    "menu.start": ("Welcome", "Bienvenida"),
    "menu.help": ("What I can do", "Qué puedo hacer"),
    "menu.register": ("Create a patient account", "Crear una cuenta de paciente"),
    "menu.login": ("Log in", "Iniciar sesión"),
    "menu.logout": ("Log out", "Cerrar sesión"),
    "menu.me": ("Your account", "Tu cuenta"),
    "menu.language": ("Language", "Idioma"),
    "menu.cancel": ("Leave what you are doing", "Salir de lo que estás haciendo"),
    "menu.book": ("Book an appointment", "Pedir una cita"),
    "menu.appointments": ("Your appointments", "Tus citas"),
    "menu.schedule": ("Appointments schedule", "Agenda de citas"),
    "menu.hours": ("Weekly hours and time off", "Horario y ausencias"),
    "menu.adddoctor": ("Add a doctor", "Dar de alta a un médico"),
    "menu.doctors": ("Doctors", "Médicos"),
    "menu.reminders": ("Reminder delivery", "Envío de recordatorios"),
    "language.choose": ("Choose your language:", "Elige tu idioma:"),
    "language.set": ("Language set to English.", "Idioma cambiado a español."),
    "language.en": ("English", "English"),
    "language.es": ("Español", "Español"),
    "role.patient": ("patient", "paciente"),
    "role.doctor": ("doctor", "médico"),
    "role.admin": ("admin", "administrador"),
    "auth.login_required": (
        "Please /login first.",
        "Primero inicia sesión con /login.",
    ),
    "auth.session_expired": (
        "Your session has expired. Please /login again.",
        "Tu sesión ha caducado. Vuelve a iniciar sesión con /login.",
    ),
    "auth.inactive": (
        "This account is disabled. Please contact the clinic.",
        "Esta cuenta está desactivada. Ponte en contacto con la clínica.",
    ),
    "auth.wrong_role": (
        "That is not available to your account.",
        "Eso no está disponible para tu cuenta.",
    ),
    "common.cancelled": ("Cancelled. Nothing was saved.", "Cancelado. No se ha guardado nada."),
    "common.nothing_to_cancel": ("There is nothing to cancel.", "No hay nada que cancelar."),
    "common.busy": (
        "Please finish this step first, or send /cancel to leave it.",
        "Termina este paso primero, o envía /cancel para salir.",
    ),
    "common.expects_text": (
        "Please type your answer as a text message, or /cancel.",
        "Escribe tu respuesta como mensaje de texto, o /cancel.",
    ),
    "common.use_buttons": (
        "Please choose with the buttons above, or /cancel.",
        "Elige con los botones de arriba, o /cancel.",
    ),
    "common.unknown_command": (
        "I don't know that command. /help lists what I can do.",
        "No conozco ese comando. /help muestra lo que puedo hacer.",
    ),
    "common.stray_message": (
        "I didn't understand that. /help lists what I can do.",
        "No te he entendido. /help muestra lo que puedo hacer.",
    ),
    "common.stale_button": (
        "This button is no longer valid.",
        "Este botón ya no es válido.",
    ),
    "common.conversation_lost": (
        "Sorry, I lost track of this conversation. Please start again.",
        "Lo siento, he perdido el hilo de esta conversación. Empieza de nuevo, por favor.",
    ),
    "common.internal_error": (
        "Sorry, something went wrong on our side. Nothing was changed; please try again.",
        "Lo siento, algo ha fallado por nuestra parte. No se ha cambiado nada; "
        "inténtalo de nuevo.",
    ),
    "common.private_only": (
        "I only work in private chats. Please write to me directly.",
        "Solo funciono en chats privados. Escríbeme directamente.",
    ),
    "common.bad_email": (
        "That doesn't look like an email address. Please send it again (like name@example.com).",
        "Eso no parece un correo electrónico. Envíalo de nuevo (como nombre@ejemplo.com).",
    ),
    "common.password_too_short": (
        "The password must have at least 8 characters. I deleted your message; "
        "please send another.",
        "La contraseña debe tener al menos 8 caracteres. He borrado tu mensaje; envía otra.",
    ),
    "common.password_too_long": (
        "That password is too long (256 characters at most). I deleted your message; "
        "please send another.",
        "Esa contraseña es demasiado larga (256 caracteres como máximo). He borrado tu "
        "mensaje; envía otra.",
    ),
}
