"""Texts of registration, login, logout, password reset, email confirmation and the account
card; and of the emails that carry their codes (plain templates, filled by the mailer)."""

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
    "register.email_taken_late": (
        "That address was confirmed for another account a moment ago, so nothing was saved. "
        "/login to it, or /reset if you forgot its password.",
        "Esa dirección se acaba de confirmar para otra cuenta, así que no se ha guardado nada. "
        "Entra en ella con /login, o usa /reset si olvidaste la contraseña.",
    ),
    "register.confirm_email": (
        "Thanks. One more thing: let's confirm your email address.",
        "Gracias. Una cosa más: vamos a confirmar tu correo electrónico.",
    ),
    "register.btn.other_email": ("✏️ Use another email", "✏️ Usar otro correo"),
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
        "<b>{name}</b>\nEmail: {email}{unconfirmed}\nRole: {role}\nPhone: {phone}\n"
        "Language: {language}\nSigned in here until {until} ({zone}) if unused; every use extends "
        "it.",
        "<b>{name}</b>\nCorreo: {email}{unconfirmed}\nRol: {role}\nTeléfono: {phone}\n"
        "Idioma: {language}\nSesión abierta aquí hasta el {until} ({zone}) si no la usas; cada "
        "uso la alarga.",
    ),
    "me.no_phone": ("not given", "no indicado"),
    "me.unconfirmed": (
        " (not confirmed: nothing is emailed to it; /verify)",
        " (sin confirmar: no se le envían correos; /verify)",
    ),
    "login.unconfirmed": (
        "Your email address is not confirmed yet, so reminders reach you here in chat only. "
        "/verify to confirm it.",
        "Tu correo electrónico aún no está confirmado, así que los recordatorios te llegan solo "
        "por este chat. Usa /verify para confirmarlo.",
    ),
    # Codes, at /register, /reset and /verify.
    "code.sent": (
        "📧 I sent a 6-digit code to <b>{email}</b>. Type it here; it works for {minutes} "
        "minutes.\nNo email? Look in the spam folder, or ask for a new code in a minute.",
        "📧 He enviado un código de 6 cifras a <b>{email}</b>. Escríbelo aquí; sirve durante "
        "{minutes} minutos.\n¿No llega? Mira en la carpeta de spam, o pide otro código dentro "
        "de un minuto.",
    ),
    "code.sent_if_account": (
        "📧 If an account uses <b>{email}</b>, I sent it a 6-digit code. Type it here; it "
        "works for {minutes} minutes.\nNo email? Look in the spam folder, or ask for a new code "
        "in a minute.",
        "📧 Si una cuenta usa <b>{email}</b>, le he enviado un código de 6 cifras. Escríbelo "
        "aquí; sirve durante {minutes} minutos.\n¿No llega? Mira en la carpeta de spam, o pide "
        "otro código dentro de un minuto.",
    ),
    "code.none_yet": (
        "No code has been sent to <b>{email}</b> yet. Press “Send a new code” once the wait "
        "is over.",
        "Aún no se ha enviado ningún código a <b>{email}</b>. Pulsa «Enviar otro código» "
        "cuando termine la espera.",
    ),
    "code.btn.resend": ("🔁 Send a new code", "🔁 Enviar otro código"),
    "code.resent": ("📧 A new code is on its way.", "📧 Va de camino un código nuevo."),
    "code.not_a_code": (
        "Please type the 6-digit code from the email, or use a button below.",
        "Escribe el código de 6 cifras del correo, o usa un botón de abajo.",
    ),
    "code.wrong": (
        "That code is not right. Tries left: {tries}.",
        "Ese código no es correcto. Intentos restantes: {tries}.",
    ),
    "code.spent": (
        "That code has had too many tries. Press “Send a new code”.",
        "Ese código ha tenido demasiados intentos. Pulsa «Enviar otro código».",
    ),
    "code.expired": (
        "That code has expired. Press “Send a new code”.",
        "Ese código ha caducado. Pulsa «Enviar otro código».",
    ),
    "code.gone": (
        "That code is no longer valid. Press “Send a new code”.",
        "Ese código ya no es válido. Pulsa «Enviar otro código».",
    ),
    "code.throttled": (
        "Too many codes were asked for. Please try again in {minutes} min.",
        "Se han pedido demasiados códigos. Inténtalo de nuevo dentro de {minutes} min.",
    ),
    "code.not_sent": (
        "I could not send the email just now. Please press “Send a new code” in a minute.",
        "No he podido enviar el correo ahora mismo. Pulsa «Enviar otro código» dentro de un "
        "minuto.",
    ),
    "reset.ask_email": (
        "Let's set a new password. What is the email address of your account?",
        "Vamos a poner una contraseña nueva. ¿Cuál es el correo electrónico de tu cuenta?",
    ),
    "reset.email_off": (
        "Passwords are reset by email, and this clinic's bot sends no email. Please ask the "
        "clinic.",
        "Las contraseñas se restablecen por correo, y el bot de esta clínica no envía correos. "
        "Pide ayuda a la clínica.",
    ),
    "reset.ask_password": (
        "✅ Right code. Now choose a new password (at least 8 characters). I will delete your "
        "message as soon as I read it.",
        "✅ Código correcto. Ahora elige una contraseña nueva (al menos 8 caracteres). Borraré "
        "tu mensaje en cuanto lo lea.",
    ),
    "reset.done": (
        "✅ Your password is changed, and you are logged in as {name} ({role}). Every other "
        "chat that was logged in to your account has been logged out.",
        "✅ Tu contraseña ha cambiado y has iniciado sesión como {name} ({role}). Se ha cerrado "
        "la sesión en todos los demás chats que la tenían abierta.",
    ),
    "reset.too_late": (
        "That took too long, so nothing was changed. Please /reset again.",
        "Ha pasado demasiado tiempo, así que no se ha cambiado nada. Vuelve a usar /reset.",
    ),
    "verify.already": (
        "Your email address {email} is already confirmed.",
        "Tu correo electrónico {email} ya está confirmado.",
    ),
    "verify.email_off": (
        "This clinic's bot sends no email, so there is nothing to confirm.",
        "El bot de esta clínica no envía correos, así que no hay nada que confirmar.",
    ),
    "verify.done": (
        "✅ {email} is confirmed. Reminders and confirmations are emailed there too.",
        "✅ {email} está confirmado. Los recordatorios y confirmaciones también se envían ahí.",
    ),
    "verify.taken": (
        "{email} has been confirmed for another account, so it stays unconfirmed on this one "
        "and nothing is emailed to it from here.",
        "{email} se ha confirmado para otra cuenta, así que en esta sigue sin confirmar y "
        "desde aquí no se le envía nada.",
    ),
    "notice.email_claimed": (
        "📧 Whoever reads the email address of your account has confirmed it for another "
        "account. The clinic emails confirmed addresses only, so this account gets its "
        "reminders here in chat. /me shows the address.",
        "📧 Quien lee el correo electrónico de tu cuenta lo ha confirmado para otra cuenta. La "
        "clínica solo envía correos a direcciones confirmadas, así que esta cuenta recibe sus "
        "recordatorios aquí en el chat. /me muestra la dirección.",
    ),
    "notice.profile_changed": (
        "✏️ An admin has changed your details. They are now:\n<b>{name}</b> · {specialty}\n"
        "Login email: {email}\nAppointments of {minutes} minutes (booked ones keep their "
        "times).",
        "✏️ Un administrador ha cambiado tus datos. Ahora son:\n<b>{name}</b> · {specialty}\n"
        "Correo para iniciar sesión: {email}\nCitas de {minutes} minutos (las reservadas "
        "mantienen su hora).",
    ),
    "delivery_kind.profile_changed": (
        "notice of changed details",
        "aviso de datos cambiados",
    ),
    "delivery_kind.email_claimed": (
        "notice of an email confirmed elsewhere",
        "aviso de correo confirmado en otra cuenta",
    ),
    # The emails that carry codes (plain templates: the mailer escapes them for HTML).
    "account_email.subject.register": (
        "{code} is your code to confirm your email",
        "{code} es su código para confirmar su correo",
    ),
    "account_email.subject.verify": (
        "{code} is your code to confirm your email",
        "{code} es su código para confirmar su correo",
    ),
    "account_email.subject.reset": (
        "{code} is your code to set a new password",
        "{code} es su código para poner una contraseña nueva",
    ),
    "account_email.subject.already_registered": (
        "You already have an account",
        "Usted ya tiene una cuenta",
    ),
    "account_email.body.register": (
        "Your code to confirm this address for your new patient account is {code}. Type it "
        "in the chat with the clinic's bot; it works for {minutes} minutes.",
        "Su código para confirmar esta dirección en su nueva cuenta de paciente es {code}. "
        "Escríbalo en el chat con el bot de la clínica; sirve durante {minutes} minutos.",
    ),
    "account_email.body.verify": (
        "Your code to confirm this address for your account is {code}. Type it in the chat "
        "with the clinic's bot; it works for {minutes} minutes.",
        "Su código para confirmar esta dirección en su cuenta es {code}. Escríbalo en el chat "
        "con el bot de la clínica; sirve durante {minutes} minutos.",
    ),
    "account_email.body.reset": (
        "Your code to set a new password is {code}. Type it in the chat with the clinic's "
        "bot; it works for {minutes} minutes.",
        "Su código para poner una contraseña nueva es {code}. Escríbalo en el chat con el bot "
        "de la clínica; sirve durante {minutes} minutos.",
    ),
    "account_email.body.already_registered": (
        "Someone, perhaps you, tried to create a new account with this address in the "
        "clinic's bot. This address already has an account: send /login to the bot, or "
        "/reset if you forgot your password.",
        "Alguien, quizá usted, ha intentado crear una cuenta nueva con esta dirección en el "
        "bot de la clínica. Esta dirección ya tiene una cuenta: envíe /login al bot, o /reset "
        "si olvidó su contraseña.",
    ),
    "account_email.not_you": (
        "If you did not ask for this, ignore this email: nothing changes.",
        "Si usted no lo ha pedido, ignore este correo: no cambia nada.",
    ),
}
