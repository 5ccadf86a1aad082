"""Texts of registration, login, logout and the account card."""

TEXTS: dict[str, tuple[str, str]] = {
    "register.logged_in": (
        "You are logged in as {name}. /logout first to create another account.",
        "Has iniciado sesión como {name}. Usa /logout antes de crear otra cuenta.",
    ),
    "register.ask_name": (
        "Let's create your patient account. What is your full name?",
        "Vamos a crear tu cuenta de paciente. ¿Cuál es tu nombre completo?",
    ),
    "register.bad_name": (
        "Please send your name (2 to 120 characters).",
        "Envía tu nombre (de 2 a 120 caracteres).",
    ),
    "register.ask_email": (
        "Thanks, {name}. What is your email address? Reminders are sent there too.",
        "Gracias, {name}. ¿Cuál es tu correo electrónico? También te enviaremos ahí los "
        "recordatorios.",
    ),
    "register.email_taken": (
        "That email already has an account. Send another email, or /cancel and /login.",
        "Ese correo ya tiene una cuenta. Envía otro correo, o /cancel y /login.",
    ),
    "register.email_taken_late": (
        "That email was registered a moment ago by someone else. Nothing was saved; "
        "please /register again with another email, or /login.",
        "Ese correo acaba de registrarse. No se ha guardado nada; vuelve a /register con "
        "otro correo, o /login.",
    ),
    "register.ask_password": (
        "Choose a password (at least 8 characters). I will delete your message as soon as "
        "I read it.",
        "Elige una contraseña (al menos 8 caracteres). Borraré tu mensaje en cuanto lo lea.",
    ),
    "register.ask_phone": (
        "Last step: share your phone so the clinic can reach you, or skip it.",
        "Último paso: comparte tu teléfono para que la clínica pueda contactarte, u omítelo.",
    ),
    "register.share_phone": ("📱 Share my phone", "📱 Compartir mi teléfono"),
    "register.skip_phone": ("Skip", "Omitir"),
    "register.bad_phone": (
        "That doesn't look like a valid phone number. Use the button, type it with its "
        "country code (like +34 600 111 222), or press Skip.",
        "Eso no parece un teléfono válido. Usa el botón, escríbelo con el prefijo del país "
        "(como +34 600 111 222), o pulsa Omitir.",
    ),
    "register.bad_phone_local": (
        "That doesn't look like a valid phone number. Use the button, type it as you would "
        "dial it here (like {example}; with the country code if it is from abroad), or press "
        "Skip.",
        "Eso no parece un teléfono válido. Usa el botón, escríbelo como lo marcarías aquí "
        "(como {example}; con el prefijo del país si es del extranjero), o pulsa Omitir.",
    ),
    "register.not_own_contact": (
        "Please share your own contact with the button below, or press Skip.",
        "Comparte tu propio contacto con el botón de abajo, o pulsa Omitir.",
    ),
    "register.done": (
        "✅ Your account is ready, {name}, and you are logged in.\n/book to book an appointment.",
        "✅ Tu cuenta está lista, {name}, y has iniciado sesión.\n/book para pedir una cita.",
    ),
    "login.ask_email": ("What is your email address?", "¿Cuál es tu correo electrónico?"),
    "login.ask_password": (
        "Your password? I will delete your message as soon as I read it.",
        "¿Tu contraseña? Borraré tu mensaje en cuanto lo lea.",
    ),
    "login.wrong": (
        "Wrong email or password. /login to try again.",
        "Correo o contraseña incorrectos. /login para intentarlo de nuevo.",
    ),
    "login.throttled": (
        "Too many failed attempts. Please try again in {minutes} min.",
        "Demasiados intentos fallidos. Inténtalo de nuevo dentro de {minutes} min.",
    ),
    "login.done": (
        "✅ Logged in as {name} ({role}). /help shows what you can do.",
        "✅ Sesión iniciada como {name} ({role}). /help muestra lo que puedes hacer.",
    ),
    "logout.done": ("You are logged out of this chat.", "Has cerrado la sesión en este chat."),
    "logout.none": ("You were not logged in.", "No habías iniciado sesión."),
    "me.card": (
        "<b>{name}</b>\nEmail: {email}\nRole: {role}\nPhone: {phone}\nLanguage: {language}\n"
        "Session valid until {until} ({zone})",
        "<b>{name}</b>\nCorreo: {email}\nRol: {role}\nTeléfono: {phone}\nIdioma: {language}\n"
        "Sesión válida hasta el {until} ({zone})",
    ),
    "me.no_phone": ("not given", "no indicado"),
}
