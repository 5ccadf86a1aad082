"""Texts shared by every feature: welcome, help, menus, errors, languages and roles."""

TEXTS: dict[str, tuple[str, str]] = {
    "start.welcome": (
        "🏥 <b>{clinic}</b>{identity}\n\n"
        "👋 Welcome to the clinic's booking bot.\n\n"
        "New here? /register to create your patient account.\n"
        "Already registered? /login.\n"
        "/help lists everything I can do.",
        "🏥 <b>{clinic}</b>{identity}\n\n"
        "👋 Bienvenido al bot de citas de la clínica.\n\n"
        "¿Es tu primera vez? /register para crear tu cuenta de paciente.\n"
        "¿Ya tienes cuenta? /login.\n"
        "/help muestra todo lo que puedo hacer.",
    ),
    "start.welcome_back": (
        "🏥 <b>{clinic}</b>{identity}\n\n👋 Welcome back, {name}.",
        "🏥 <b>{clinic}</b>{identity}\n\n👋 Hola de nuevo, {name}.",
    ),
    "start.bad_link": (
        "This link is not valid. Ask the clinic for a new one.",
        "Este enlace no es válido. Pide uno nuevo a la clínica.",
    ),
    "help.title": ("<b>Commands</b>", "<b>Comandos</b>"),
    "help.line.register": ("create a patient account", "crear una cuenta de paciente"),
    "help.line.login": ("log in", "iniciar sesión"),
    "help.line.reset": (
        "set a new password with a code sent to your email",
        "poner una contraseña nueva con un código enviado a tu correo",
    ),
    "help.line.logout": ("log out of this chat", "cerrar sesión en este chat"),
    "help.line.me": ("your account", "tu cuenta"),
    "help.line.language": ("English or Spanish", "inglés o español"),
    "help.line.cancel": ("leave what you are doing", "salir de lo que estás haciendo"),
    "help.line.book": ("book an appointment", "pedir una cita"),
    "help.line.appointments": (
        "your appointments (cancel, reschedule)",
        "tus citas (cancelar, cambiar)",
    ),
    "help.line.schedule": (
        "your appointments today, tomorrow and this week",
        "tus citas de hoy, mañana y esta semana",
    ),
    "help.line.schedule.admin": (
        "any doctor's appointments",
        "las citas de cualquier médico",
    ),
    "help.line.hours": (
        "your weekly hours and time off",
        "tu horario semanal y tus ausencias",
    ),
    "help.line.adddoctor": (
        "add a doctor and get their invite link",
        "dar de alta a un médico y obtener su enlace de invitación",
    ),
    "help.line.doctors": (
        "see, edit, deactivate and reactivate doctors",
        "ver, editar, desactivar y reactivar médicos",
    ),
    "help.line.reminders": ("reminder delivery", "envío de recordatorios"),
    "help.line.stats": (
        "the last 8 weeks per doctor as a chart, and a month's appointments as a CSV file",
        "las últimas 8 semanas por médico en un gráfico, y las citas de un mes en un archivo CSV",
    ),
    "help.line.closures": (
        "close the clinic on holidays (whole days or part of a day)",
        "cerrar la clínica en festivos (días completos o parte de un día)",
    ),
    "menu.start": ("Welcome", "Bienvenida"),
    "menu.help": ("What I can do", "Qué puedo hacer"),
    "menu.register": ("Create a patient account", "Crear una cuenta de paciente"),
    "menu.login": ("Log in", "Iniciar sesión"),
    "menu.reset": ("Forgot your password?", "¿Olvidaste tu contraseña?"),
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
    "menu.stats": ("Weekly figures (chart, CSV)", "Cifras semanales (gráfico, CSV)"),
    "menu.closures": ("Clinic closures", "Cierres de la clínica"),
    "language.choose": ("Choose your language:", "Elige tu idioma:"),
    "language.set": ("Language set to English.", "Idioma cambiado a español."),
    "language.en": ("English", "English"),
    "language.es": ("Español", "Español"),
    "role.patient": ("patient", "paciente"),
    "role.doctor": ("doctor", "médico"),
    "role.staff": ("front desk", "recepción"),
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
    "common.pick_one": (
        "I didn't catch that. Please choose one of these (a button, or type it):",
        "No te he entendido. Elige una de estas opciones (un botón, o escríbela):",
    ),
    "common.which_one": (
        "Which one do you mean: {choices}?",
        "¿Cuál de estas: {choices}?",
    ),
    "common.stale_step": (
        "That screen was out of date: here is where you are.",
        "Esa pantalla estaba desactualizada: aquí es donde estás.",
    ),
    "common.conversation_replaced": (
        "(Your unfinished {what} was closed.)",
        "(He cerrado tu {what} sin terminar.)",
    ),
    "common.conversation_expired": (
        "Your unfinished {what} was closed after {minutes} minutes without an answer. "
        "Nothing was saved.",
        "He cerrado tu {what} sin terminar tras {minutes} minutos sin respuesta. No se ha "
        "guardado nada.",
    ),
    "common.slow_down": (
        "You are sending messages faster than I can answer. I skipped some; please slow down.",
        "Envías mensajes más rápido de lo que puedo responder. He omitido algunos; ve más "
        "despacio, por favor.",
    ),
    "conversation.register": ("registration", "registro"),
    "conversation.login": ("login", "inicio de sesión"),
    "conversation.reset": ("password reset", "cambio de contraseña"),
    "conversation.verify": ("email confirmation", "confirmación del correo"),
    "conversation.invite": ("invite", "invitación"),
    "conversation.booking": ("booking", "reserva"),
    "conversation.hours": ("change of hours", "cambio de horario"),
    "conversation.closures": ("clinic closure", "cierre de la clínica"),
    "conversation.doctor": ("doctor form", "ficha de médico"),
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
    "common.error_after_change": (
        "Your change was saved, but I could not show the result. Please send the command "
        "again to see it.",
        "Tu cambio se ha guardado, pero no he podido mostrar el resultado. Envía el comando "
        "de nuevo para verlo.",
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
    # --- paging (every list that can grow) ------------------------------------------------------
    "page.previous": ("◀ Previous", "◀ Anteriores"),
    "page.next": ("Next ▶", "Siguientes ▶"),
    "page.of": ("Page {page} of {pages}.", "Página {page} de {pages}."),
    "page.which_one": (
        "Which one do you mean: {choices}? Type more of the name, or choose a button.",
        "¿Cuál de estos: {choices}? Escribe más del nombre, o elige un botón.",
    ),
}
