"""Texts of the front desk: staff accounts, /patients, booking for a patient, the clinic
cancelling and moving visits (with a reason), the free times offered after a cancellation, and
claiming an account the clinic registered."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- menus, help, conversations -------------------------------------------------------------
    "menu.patients": ("Find or register a patient", "Buscar o dar de alta un paciente"),
    "menu.addstaff": ("Add a front-desk member", "Dar de alta a recepción"),
    "menu.staff": ("Front desk", "Recepción"),
    "help.line.patients": (
        "find a patient by name, phone or email, or register one",
        "buscar un paciente por nombre, teléfono o correo, o darlo de alta",
    ),
    "help.line.book.staff": ("book for a patient", "pedir una cita para un paciente"),
    "help.line.book.admin": ("book for a patient", "pedir una cita para un paciente"),
    "help.line.schedule.staff": (
        "any doctor's appointments; cancel or move a visit",
        "las citas de cualquier médico; cancelar o cambiar una cita",
    ),
    "help.line.addstaff": (
        "add a front-desk member and get their invite link",
        "dar de alta a alguien de recepción y obtener su enlace de invitación",
    ),
    "help.line.staff": (
        "list, deactivate and reactivate the front desk",
        "ver, desactivar y reactivar a recepción",
    ),
    "conversation.patients": ("patient search", "búsqueda de pacientes"),
    "conversation.visitcancel": ("cancellation", "cancelación"),
    "conversation.addstaff": ("new front-desk member", "alta de recepción"),
    "delivery_kind.clinic_booked": ("clinic booking", "reserva de la clínica"),
    # --- reasons (the short list) ---------------------------------------------------------------
    "reason.doctor_unavailable": ("The doctor is unavailable", "El médico no está disponible"),
    "reason.patient_request": ("The patient asked for it", "A petición del paciente"),
    "reason.clinic_schedule": ("A change in the clinic's schedule", "Un cambio de agenda"),
    "reason.emergency": ("An emergency", "Una urgencia"),
    # --- /patients ------------------------------------------------------------------------------
    "patients.ask": (
        "👥 <b>Patients</b>\nType a name, phone or email to find a patient.",
        "👥 <b>Pacientes</b>\nEscribe un nombre, teléfono o correo para buscar un paciente.",
    ),
    "patients.ask_book": (
        "📅 <b>Book for a patient</b>\nWho for? Type their name, phone or email.",
        "📅 <b>Cita para un paciente</b>\n¿Para quién? Escribe su nombre, teléfono o correo.",
    ),
    "patients.found": (
        "Patients matching “{query}”: {count}",
        "Pacientes que coinciden con «{query}»: {count}",
    ),
    "patients.pick": (
        "Pick one, or type another search.",
        "Elige uno, o escribe otra búsqueda.",
    ),
    "patients.none": ("No patient on this page.", "No hay pacientes en esta página."),
    "patients.too_short": (
        "Type at least 2 letters, or 3 digits of a phone.",
        "Escribe al menos 2 letras, o 3 cifras de un teléfono.",
    ),
    "patients.no_match": (
        "No patient matches “{query}”. Try another search, or register them.",
        "Ningún paciente coincide con «{query}». Prueba otra búsqueda, o dalo de alta.",
    ),
    "patients.search_again": (
        "(Type a name, phone or email to search again.)",
        "(Escribe un nombre, teléfono o correo para buscar de nuevo.)",
    ),
    "patients.not_found": ("That patient was not found.", "No se ha encontrado ese paciente."),
    "patients.inactive": (
        "{name}'s account is disabled: nothing can be booked for them.",
        "La cuenta de {name} está desactivada: no se le puede reservar nada.",
    ),
    "patients.no_phone": ("no phone", "sin teléfono"),
    "patients.no_email": ("no email", "sin correo"),
    "patients.no_telegram": ("not on Telegram", "no usa Telegram"),
    "patients.inactive_mark": ("⛔ disabled", "⛔ desactivada"),
    "patients.upcoming": (
        "Upcoming visits ({count}), times in {zone}:",
        "Próximas citas ({count}), horas de {zone}:",
    ),
    "patients.no_upcoming": ("No upcoming visits.", "No tiene citas próximas."),
    "patients.visit": ("• {when} — {doctor} ({specialty})", "• {when} — {doctor} ({specialty})"),
    "patients.more_visits": ("• … and {count} more", "• … y {count} más"),
    "patients.waiting": (
        "🔔 On waitlists ({count}), offered in chat when a time frees up:",
        "🔔 En listas de espera ({count}), se le ofrece por chat cuando se libera una hora:",
    ),
    "patients.waiting.item": ("• {who}, {span}", "• {who}, {span}"),
    "patients.waiting.earlier": (
        "• An earlier time with {doctor} than the visit {current}",
        "• Una hora antes con {doctor} que la cita {current}",
    ),
    "patients.btn.new": ("➕ New patient", "➕ Nuevo paciente"),
    "patients.btn.results": ("« Results", "« Resultados"),
    "patients.btn.book": ("📅 Book a visit", "📅 Pedir una cita"),
    "patients.btn.cancel": ("✖ Cancel", "✖ Cancelar"),
    "patients.btn.no_email": ("No email", "Sin correo"),
    "patients.btn.create": ("✅ Register", "✅ Dar de alta"),
    "patients.new.ask_name": (
        "➕ <b>New patient</b>\nTheir full name?",
        "➕ <b>Nuevo paciente</b>\n¿Su nombre completo?",
    ),
    "patients.new.ask_phone": (
        "{name}'s phone number? (like +34600111222)",
        "¿El teléfono de {name}? (como +34600111222)",
    ),
    "patients.new.ask_email": (
        "{name}'s email, for confirmations and reminders? Or press No email.",
        "¿El correo de {name}, para confirmaciones y recordatorios? O pulsa Sin correo.",
    ),
    "patients.new.summary": (
        "<b>New patient</b>\nName: {name}\nPhone: {phone}\nEmail: {email}\n\n"
        "They can use the bot later: registering with this phone (shared with Telegram's "
        "button) links them to this account.",
        "<b>Nuevo paciente</b>\nNombre: {name}\nTeléfono: {phone}\nCorreo: {email}\n\n"
        "Más adelante puede usar el bot: al registrarse con este teléfono (compartido con el "
        "botón de Telegram) queda vinculado a esta cuenta.",
    ),
    "patients.new.same_phone": (
        "⚠️ Already registered with this phone: {count}. Open one of them instead?",
        "⚠️ Ya dados de alta con este teléfono: {count}. ¿Abrir uno de ellos?",
    ),
    "patients.new.bad_name": (
        "Please send the patient's name (2 to 120 characters, with letters), or /cancel.",
        "Envía el nombre del paciente (de 2 a 120 caracteres, con letras), o /cancel.",
    ),
    "patients.new.bad_phone": (
        "That doesn't look like a phone number. Type it like +34600111222, or /cancel.",
        "Eso no parece un teléfono. Escríbelo como +34600111222, o /cancel.",
    ),
    "patients.new.email_taken": (
        "That email already has an account: find it with /patients. Send another email, or "
        "press No email.",
        "Ese correo ya tiene una cuenta: búscala con /patients. Envía otro correo, o pulsa "
        "Sin correo.",
    ),
    "patients.new.email_taken_late": (
        "That email got an account a moment ago, so nothing was saved. Send another email, or "
        "press No email.",
        "Ese correo acaba de registrarse, así que no se ha guardado nada. Envía otro correo, o "
        "pulsa Sin correo.",
    ),
    "patients.new.done": ("✅ {name} is registered.", "✅ {name} está dado de alta."),
    "patients.new.abandoned": (
        "Cancelled. No patient was registered.",
        "Cancelado. No se ha dado de alta ningún paciente.",
    ),
    # --- booking for a patient, moving a visit for the clinic -----------------------------------
    "book.for_patient": ("👤 For <b>{patient}</b>", "👤 Para <b>{patient}</b>"),
    "book.confirm_for": (
        "Please check the appointment for <b>{patient}</b>:\n\nDoctor: <b>{doctor}</b>\n"
        "Specialty: {specialty}\nWhen: <b>{when}</b>\n\nIt is marked as booked by the clinic; "
        "they are told in chat and by email.",
        "Revisa la cita para <b>{patient}</b>:\n\nMédico: <b>{doctor}</b>\n"
        "Especialidad: {specialty}\nCuándo: <b>{when}</b>\n\nQueda marcada como reservada por "
        "la clínica; se le avisa por chat y por correo.",
    ),
    "book.done_for": (
        "✅ <b>Booked for {patient}</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\n"
        "When: {when}\n\nThey are told in chat (if they use the bot) and by email (if they "
        "have one).",
        "✅ <b>Cita reservada para {patient}</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}"
        "\nCuándo: {when}\n\nSe le avisa por chat (si usa el bot) y por correo (si tiene).",
    ),
    "book.limit_reached_for": (
        "{patient} already has {limit} upcoming appointments, the most a patient can hold.",
        "{patient} ya tiene {limit} citas pendientes, el máximo para un paciente.",
    ),
    "book.too_many_for": (
        "{patient} already has {limit} upcoming appointments, the most a patient can hold. "
        "Nothing was booked.",
        "{patient} ya tiene {limit} citas pendientes, el máximo para un paciente. No se ha "
        "reservado nada.",
    ),
    "book.patient_overlap_for": (
        "{patient} already has another appointment at that time. Nothing was booked; please "
        "choose another time.",
        "{patient} ya tiene otra cita a esa hora. No se ha reservado nada; elige otra hora.",
    ),
    "move.ask_reason": (
        "🔁 <b>Move a visit</b>\n{patient} with {doctor}\nNow: {when}\n\n"
        "Why is it moving? Choose, or type the reason. The patient is told.",
        "🔁 <b>Cambiar una cita</b>\n{patient} con {doctor}\nAhora: {when}\n\n"
        "¿Por qué se cambia? Elige, o escribe el motivo. Se le dirá al paciente.",
    ),
    "move.confirm_for": (
        "Move <b>{patient}</b>'s visit with <b>{doctor}</b> ({specialty})?\n\nFrom: {old}\n"
        "To: <b>{when}</b>\nReason: {reason}\n\nThey are told in chat and by email.",
        "¿Cambiar la cita de <b>{patient}</b> con <b>{doctor}</b> ({specialty})?\n\n"
        "De: {old}\nA: <b>{when}</b>\nMotivo: {reason}\n\nSe le avisa por chat y por correo.",
    ),
    "move.done_for": (
        "🔁 <b>Moved</b>: {patient}\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWas: {old}\n"
        "Now: {when}\nReason: {reason}\n\nThey are told in chat and by email.",
        "🔁 <b>Cita cambiada</b>: {patient}\n\nMédico: {doctor}\nEspecialidad: {specialty}\n"
        "Antes: {old}\nAhora: {when}\nMotivo: {reason}\n\nSe le avisa por chat y por correo.",
    ),
    "move.cancelled_for": (
        "Nothing was moved: the visit is unchanged.",
        "No se ha cambiado nada: la cita sigue igual.",
    ),
    "move.doctor_gone_clinic": (
        "This doctor is no longer taking appointments, so the visit can't be moved; it can be "
        "cancelled.",
        "Este médico ya no tiene agenda abierta, así que la cita no se puede cambiar; se puede "
        "cancelar.",
    ),
    # --- a visit, as the clinic sees it ---------------------------------------------------------
    "visit.card": (
        "<b>{patient}</b> · {phone} · {email}\n{doctor} ({specialty})\n{when}\nStatus: {status}",
        "<b>{patient}</b> · {phone} · {email}\n{doctor} ({specialty})\n{when}\nEstado: {status}",
    ),
    "visit.by_clinic": ("🏥 Booked by the clinic", "🏥 Reservada por la clínica"),
    "visit.reason": ("Reason: {reason}", "Motivo: {reason}"),
    "visit.status.cancelled_patient": (
        "❌ cancelled by the patient",
        "❌ cancelada por el paciente",
    ),
    "visit.status.cancelled_clinic": ("❌ cancelled by the clinic", "❌ cancelada por la clínica"),
    "visit.btn.cancel": ("❌ Cancel visit", "❌ Cancelar cita"),
    "visit.btn.move": ("🔁 Move visit", "🔁 Cambiar cita"),
    "visit.btn.day": ("📋 The day", "📋 El día"),
    "visit.btn.keep": ("« Keep it", "« Mantenerla"),
    "visit.btn.yes_cancel": ("❌ Yes, cancel it", "❌ Sí, cancelarla"),
    "visit.not_found": ("That visit was not found.", "No se ha encontrado esa cita."),
    "visit.day_pick": (
        "✏️ <b>{doctor}</b> — {date} ({zone})\nWhich visit do you want to cancel or move?",
        "✏️ <b>{doctor}</b> — {date} ({zone})\n¿Qué cita quieres cancelar o cambiar?",
    ),
    "visit.day_none": (
        "✏️ <b>{doctor}</b> — {date} ({zone})\nNo visit left to cancel or move that day.",
        "✏️ <b>{doctor}</b> — {date} ({zone})\nEse día no queda ninguna cita que cancelar o "
        "cambiar.",
    ),
    "visit.ask_reason": (
        "❌ <b>Cancel a visit</b>\n{patient} with {doctor}\n{when}\n\n"
        "Why is it cancelled? Choose, or type the reason. The patient is told.",
        "❌ <b>Cancelar una cita</b>\n{patient} con {doctor}\n{when}\n\n"
        "¿Por qué se cancela? Elige, o escribe el motivo. Se le dirá al paciente.",
    ),
    "visit.bad_reason": (
        "Please type the reason in 2 to 200 characters, or choose one.",
        "Escribe el motivo en 2 a 200 caracteres, o elige uno.",
    ),
    "visit.confirm_cancel": (
        "Cancel this visit?\n\nPatient: <b>{patient}</b>\nDoctor: {doctor} ({specialty})\n"
        "When: {when}\nReason: {reason}\n\nThe patient is told in chat and by email, with the "
        "doctor's next free times to book one.",
        "¿Cancelar esta cita?\n\nPaciente: <b>{patient}</b>\nMédico: {doctor} ({specialty})\n"
        "Cuándo: {when}\nMotivo: {reason}\n\nSe avisa al paciente por chat y por correo, con "
        "las próximas horas libres del médico para reservar una.",
    ),
    "visit.cancelled": (
        "❌ Cancelled. {patient} is told in chat and by email.",
        "❌ Cancelada. Se avisa a {patient} por chat y por correo.",
    ),
    "visit.changed": (
        "This visit was changed by someone else meanwhile (moved or cancelled); nothing was "
        "done. Open it again to see it as it is now.",
        "Otra persona ha cambiado esta cita mientras tanto (cambiada o cancelada); no se ha "
        "hecho nada. Ábrela de nuevo para verla como está ahora.",
    ),
    "schedule.by_clinic": (" · 🏥 by the clinic", " · 🏥 por la clínica"),
    "schedule.change_visit": ("✏️ Cancel or move a visit", "✏️ Cancelar o cambiar una cita"),
    "appts.by_clinic": ("🏥 Booked for you by the clinic", "🏥 Reservada para ti por la clínica"),
    "appts.reason": ("Reason given by the clinic: {reason}", "Motivo de la clínica: {reason}"),
    # --- the patient's notices, and the free times offered --------------------------------------
    "notice.patient.booked": (
        "📅 The clinic booked an appointment for you with {doctor} ({specialty}) on {when}.",
        "📅 La clínica te ha reservado una cita con {doctor} ({specialty}) el {when}.",
    ),
    "notice.reason": ("Reason: {reason}", "Motivo: {reason}"),
    "notice.offers": (
        "The next free times with {doctor} ({zone}): tap one to book it.",
        "Las próximas horas libres con {doctor} ({zone}): pulsa una para reservarla.",
    ),
    "offer.booked": (
        "✅ <b>Booked</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWhen: {when}\n\n"
        "/appointments to see, cancel or reschedule it.",
        "✅ <b>Cita reservada</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}\n"
        "Cuándo: {when}\n\n/appointments para verla, cancelarla o cambiarla.",
    ),
    "offer.taken": (
        "That time was just taken by someone else. The next free times with {doctor} ({zone}):",
        "Alguien acaba de reservar esa hora. Las siguientes horas libres con {doctor} ({zone}):",
    ),
    "offer.taken_none": (
        "That time was just taken by someone else, and there are no other free times. /book "
        "to look at other doctors.",
        "Alguien acaba de reservar esa hora y no quedan otras horas libres. /book para ver "
        "otros médicos.",
    ),
    "offer.unavailable": (
        "That time can no longer be booked. The next free times with {doctor} ({zone}):",
        "Esa hora ya no se puede reservar. Las siguientes horas libres con {doctor} ({zone}):",
    ),
    "offer.unavailable_none": (
        "That time can no longer be booked, and there are no other free times. /book to look "
        "at other doctors.",
        "Esa hora ya no se puede reservar y no quedan otras horas libres. /book para ver otros "
        "médicos.",
    ),
    "offer.doctor_gone": (
        "{doctor} is no longer taking appointments. /book to choose another doctor.",
        "{doctor} ya no tiene agenda abierta. /book para elegir otro médico.",
    ),
    "offer.used": (
        "You already booked {when} from this message.",
        "Ya reservaste {when} desde este mensaje.",
    ),
    "offer.overlap": (
        "You already have another appointment at that time. Choose another one.",
        "Ya tienes otra cita a esa hora. Elige otra.",
    ),
    "offer.too_many": (
        "You already have {limit} upcoming appointments, the most you can hold at once.",
        "Ya tienes {limit} citas pendientes, el máximo permitido a la vez.",
    ),
    # --- emails ---------------------------------------------------------------------------------
    "email.intro.booked_by_clinic": (
        "{clinic} has booked an appointment for you.",
        "{clinic} le ha reservado una cita.",
    ),
    "email.intro.rescheduled_by_clinic": (
        "{clinic} has moved your appointment to a new time.",
        "{clinic} ha cambiado la hora de su cita.",
    ),
    "email.intro.cancelled_by_clinic": (
        "{clinic} has cancelled your appointment. We are sorry.",
        "{clinic} ha cancelado su cita. Lo sentimos.",
    ),
    "email.label.reason": ("Reason", "Motivo"),
    "email.rebook": (
        "To book another time, use the clinic's Telegram bot or call the clinic.",
        "Para reservar otra hora, use el bot de Telegram de la clínica o llame a la clínica.",
    ),
    # --- /register: claiming an account the clinic registered -----------------------------------
    "register.claim_needs_proof": (
        "This email belongs to an account the clinic registered, and I could not confirm it is "
        "yours: the phone must be the one the clinic has, shared with the button. Nothing was "
        "created. Please ask the front desk, or /register again.",
        "Este correo es de una cuenta que dio de alta la clínica y no he podido confirmar que "
        "es tuya: el teléfono debe ser el que tiene la clínica, compartido con el botón. No se "
        "ha creado nada. Pregunta en recepción, o vuelve a /register.",
    ),
    "register.claimed": (
        "✅ Welcome, {name}: the account the clinic registered for you is now yours, with its "
        "visits, and you are logged in.\n/appointments to see them, /book to book another.",
        "✅ Bienvenido, {name}: la cuenta que la clínica dio de alta para ti ya es tuya, con sus "
        "citas, y has iniciado sesión.\n/appointments para verlas, /book para pedir otra.",
    ),
    # --- invites for the front desk -------------------------------------------------------------
    "invite.welcome.staff": (
        "👋 Welcome, {name}! The clinic has invited you to its front desk here.\n\n"
        "Choose a password (at least 8 characters); you will log in with it and your email "
        "{email}. I will delete your message as soon as I read it.",
        "👋 ¡Bienvenido, {name}! La clínica te ha invitado a su recepción aquí.\n\n"
        "Elige una contraseña (al menos 8 caracteres); iniciarás sesión con ella y tu correo "
        "{email}. Borraré tu mensaje en cuanto lo lea.",
    ),
    "invite.done.staff": (
        "✅ Your password is set and this chat is logged in as {name} (front desk).\n\n"
        "/patients — find or register a patient\n"
        "/book — book for a patient\n"
        "/schedule — any doctor's appointments; cancel or move a visit\n\n"
        "In another chat, /login with {email} and this password.",
        "✅ Tu contraseña está puesta y este chat tiene la sesión iniciada como {name} "
        "(recepción).\n\n"
        "/patients — buscar o dar de alta un paciente\n"
        "/book — pedir una cita para un paciente\n"
        "/schedule — las citas de cualquier médico; cancelar o cambiar una cita\n\n"
        "En otro chat, usa /login con {email} y esta contraseña.",
    ),
    # --- /addstaff and /staff -------------------------------------------------------------------
    "staff.add.ask_name": (
        "🛎 New front-desk member. Their name?",
        "🛎 Alta de recepción. ¿Su nombre?",
    ),
    "staff.add.bad_name": (
        "Please send the name (2 to 120 characters, with letters), or /cancel.",
        "Envía el nombre (de 2 a 120 caracteres, con letras), o /cancel.",
    ),
    "staff.add.ask_email": (
        "What is the email of {name}? They will log in with it.",
        "¿Cuál es el correo de {name}? Lo usará para iniciar sesión.",
    ),
    "staff.add.summary": (
        "<b>New front-desk member</b>\nName: {name}\nEmail: {email}\n\n"
        "They can find and register patients, book for them, and cancel or move any visit. "
        "Create this account and its invite link?",
        "<b>Alta de recepción</b>\nNombre: {name}\nCorreo: {email}\n\n"
        "Podrá buscar y dar de alta pacientes, pedirles citas y cancelar o cambiar cualquier "
        "cita. ¿Creo esta cuenta y su enlace de invitación?",
    ),
    "staff.add.email_taken_late": (
        "That email got an account a moment ago, so nothing was saved. Send another email, "
        "or /cancel.",
        "Ese correo acaba de registrarse, así que no se ha guardado nada. Envía otro correo, "
        "o /cancel.",
    ),
    "staff.add.done": (
        "✅ {name} is added to the front desk.\n\nSend them this invite link. It can be used "
        "once and expires in 7 days, on {expires}:\n{link}\n\n"
        "Don't open it yourself: it would log this chat in as them.",
        "✅ {name} ya está en recepción.\n\nEnvíale este enlace de invitación. Sirve una sola "
        "vez y caduca en 7 días, el {expires}:\n{link}\n\n"
        "No lo abras tú: iniciaría la sesión de este chat con su cuenta.",
    ),
    "staff.add.abandoned": (
        "Cancelled. Nobody was added.",
        "Cancelado. No se ha dado de alta a nadie.",
    ),
    "staff.list.empty": (
        "The front desk has nobody yet. /addstaff adds someone.",
        "Recepción aún no tiene a nadie. /addstaff da de alta a alguien.",
    ),
    "staff.list.title": ("<b>Front desk</b> ({count})", "<b>Recepción</b> ({count})"),
    "staff.list.item": (
        "{number}. <b>{name}</b> — {email} · {status} · {password}",
        "{number}. <b>{name}</b> — {email} · {status} · {password}",
    ),
    "staff.not_found": ("That account no longer exists.", "Esa cuenta ya no existe."),
    "staff.off.confirm": (
        "Deactivate {name}? They are logged out everywhere at once and can no longer log in.",
        "¿Desactivar a {name}? Se cierra su sesión en todas partes y ya no podrá entrar.",
    ),
    "staff.off.confirm_button": ("⛔ Deactivate", "⛔ Desactivar"),
    "staff.off.done": (
        "⛔ {name} is deactivated and logged out everywhere.",
        "⛔ {name} está desactivado y se ha cerrado su sesión.",
    ),
    "staff.on.done": (
        "✅ {name} is active again and can /login.",
        "✅ {name} vuelve a estar activo y puede usar /login.",
    ),
    "staff.invite.inactive": (
        "Reactivate them first: an inactive account cannot use an invite.",
        "Reactívalo antes: una cuenta inactiva no puede usar una invitación.",
    ),
    "staff.invite.link": (
        "🔗 New invite link for {name}. It can be used once and expires in 7 days, on "
        "{expires}. Earlier links no longer work.\n{link}\n\n"
        "Don't open it yourself: it would log this chat in as them.",
        "🔗 Nuevo enlace de invitación para {name}. Sirve una sola vez y caduca en 7 días, el "
        "{expires}. Los enlaces anteriores ya no funcionan.\n{link}\n\n"
        "No lo abras tú: iniciaría la sesión de este chat con su cuenta.",
    ),
    # The staff list's words, shared with the doctors list as it was.
    "admin.list.active": ("active", "activo"),
    "admin.list.no_password": ("no password yet", "sin contraseña aún"),
    "admin.list.password_set": ("password set", "contraseña puesta"),
    "admin.list.reactivate_button": ("✅ Reactivate {name}", "✅ Reactivar a {name}"),
    "admin.list.deactivate_button": ("⛔ Deactivate {name}", "⛔ Desactivar a {name}"),
    "admin.list.previous_button": ("◀ Previous", "◀ Anteriores"),
    "admin.list.next_button": ("Next ▶", "Siguientes ▶"),
}
