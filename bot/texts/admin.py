"""Texts of the admin commands (/adddoctor, /doctors) and of the doctors' invite links."""

TEXTS: dict[str, tuple[str, str]] = {
    # --- /adddoctor -----------------------------------------------------------------------------
    "admin.add.ask_name": (
        "👩‍⚕️ New doctor. What name should patients see? (for example: Dr. Ana Ruiz)",
        "👩‍⚕️ Nuevo médico. ¿Qué nombre verán los pacientes? (por ejemplo: Dra. Ana Ruiz)",
    ),
    "admin.add.bad_name": (
        "Please send the doctor's name as patients will see it, 2 to 120 characters, with a "
        "name and not only a title (for example: Dr. Ana Ruiz), or /cancel.",
        "Envía el nombre del médico tal como lo verán los pacientes, de 2 a 120 caracteres, "
        "con un nombre y no solo un título (por ejemplo: Dra. Ana Ruiz), o /cancel.",
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
        "Don't open it yourself: it would log this chat in as the doctor.\n\n"
        "Patients can book {name} once they accept it, or once you mark them ready in "
        "/doctors.",
        "✅ {name} ya está dado de alta: {specialty}, citas de {minutes} min, {hours}.\n\n"
        "Envíale este enlace de invitación. Sirve una sola vez y caduca en 7 días, "
        "el {expires}:\n{link}\n\n"
        "No lo abras tú: iniciaría la sesión de este chat como el médico.\n\n"
        "Los pacientes podrán reservar con {name} cuando la acepte, o cuando lo marques como "
        "listo en /doctors.",
    ),
    # --- /doctors -------------------------------------------------------------------------------
    "admin.list.empty": (
        "There are no doctors yet. /adddoctor adds one.",
        "Todavía no hay médicos. /adddoctor para dar de alta uno.",
    ),
    "admin.list.page": ("{title}\n{hint}\n\n{items}", "{title}\n{hint}\n\n{items}"),
    "admin.list.hint": (
        "Choose a doctor to see, edit or deactivate them.",
        "Elige un médico para verlo, editarlo o desactivarlo.",
    ),
    "admin.list.title": (
        "<b>Doctors</b> ({count})",
        "<b>Médicos</b> ({count})",
    ),
    "admin.list.title_paged": (
        "<b>Doctors</b> {first}–{last} of {count}",
        "<b>Médicos</b> {first}–{last} de {count}",
    ),
    "admin.list.item": (
        "{number}. <b>{name}</b> — {specialty}\n    {standing}",
        "{number}. <b>{name}</b> — {specialty}\n    {standing}",
    ),
    "admin.list.in_book": ("✅ in /book", "✅ en /book"),
    "admin.list.marked_ready": (
        "✅ in /book (marked ready; invite not accepted yet)",
        "✅ en /book (marcado como listo; aún no ha aceptado la invitación)",
    ),
    "admin.list.not_ready": (
        "⏳ not in /book: invite not accepted yet",
        "⏳ no está en /book: aún no ha aceptado la invitación",
    ),
    "admin.list.inactive": ("⛔ inactive: not in /book", "⛔ inactivo: no está en /book"),
    "admin.list.invite_button": ("🔗 New invite link", "🔗 Nuevo enlace"),
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
    "admin.list.reactivated_pending": (
        "✅ {name} is active again. They are not in /book until they accept their invite "
        "(or you mark them ready).",
        "✅ {name} vuelve a estar activo. No estará en /book hasta que acepte su invitación "
        "(o lo marques como listo).",
    ),
    # --- a doctor's card ------------------------------------------------------------------------
    "admin.card": (
        "<b>{name}</b>\n"
        "Specialty: {specialty}\n"
        "Appointments: {minutes} min\n"
        "Email (their login): {email}\n"
        "Weekly hours: {hours}\n"
        "Upcoming appointments: {upcoming}\n\n"
        "{status}",
        "<b>{name}</b>\n"
        "Especialidad: {specialty}\n"
        "Citas: {minutes} min\n"
        "Correo (para iniciar sesión): {email}\n"
        "Horario semanal: {hours}\n"
        "Citas próximas: {upcoming}\n\n"
        "{status}",
    ),
    "admin.card.bookable": (
        "✅ In /book: patients can book {name}.",
        "✅ En /book: los pacientes pueden reservar con {name}.",
    ),
    "admin.card.marked_ready": (
        "✅ In /book: you marked {name} ready. They have not accepted their invite, so the bot "
        "cannot tell them of their bookings until they do.",
        "✅ En /book: marcaste a {name} como listo. Aún no ha aceptado su invitación, así que "
        "el bot no puede avisarle de sus citas hasta que lo haga.",
    ),
    "admin.card.not_ready": (
        "⏳ Not in /book: {name} has not accepted their invite yet ({invite}). Send them a new "
        "link, or mark them ready to list them now.",
        "⏳ No está en /book: {name} aún no ha aceptado su invitación ({invite}). Envíale un "
        "enlace nuevo, o márcalo como listo para que aparezca ya.",
    ),
    "admin.card.invite_valid": (
        "their link works until {expires}",
        "su enlace sirve hasta el {expires}",
    ),
    "admin.card.invite_expired": (
        "their last link expired on {expires}",
        "su último enlace caducó el {expires}",
    ),
    "admin.card.invite_none": ("no link is pending", "no tiene ningún enlace pendiente"),
    "admin.card.inactive": (
        "⛔ Inactive: not in /book, and {name} cannot log in.",
        "⛔ Inactivo: no está en /book y {name} no puede iniciar sesión.",
    ),
    "admin.card.no_hours": (
        "⚠️ No weekly hours: /book offers no times with {name} until they set some (/hours).",
        "⚠️ Sin horario semanal: /book no ofrece horas con {name} hasta que ponga alguno (/hours).",
    ),
    "admin.card.edit_button": ("✏️ Edit", "✏️ Editar"),
    "admin.card.ready_button": ("✅ Mark ready for /book", "✅ Marcar como listo para /book"),
    "admin.card.unready_button": (
        "⏳ Not in /book until they accept",
        "⏳ Fuera de /book hasta que acepte",
    ),
    "admin.card.deactivate_button": ("⛔ Deactivate…", "⛔ Desactivar…"),
    "admin.card.reactivate_button": ("✅ Reactivate", "✅ Reactivar"),
    "admin.card.back_button": ("« Doctors", "« Médicos"),
    "admin.card.unchanged": ("Nothing to change.", "No hay nada que cambiar."),
    "admin.ready.marked": (
        "✅ {name} is marked ready: patients can book them now.",
        "✅ {name} está marcado como listo: los pacientes ya pueden reservar.",
    ),
    "admin.ready.unmarked": (
        "⏳ {name} leaves /book until they accept their invite. Their booked appointments stay.",
        "⏳ {name} sale de /book hasta que acepte su invitación. Sus citas reservadas se "
        "mantienen.",
    ),
    "admin.off.confirm": (
        "{name} has upcoming appointments: {count}\n{items}\n(times in {zone})\n\n"
        "Deactivating cancels all of them and tells each patient. Deactivate {name}?",
        "{name} tiene citas próximas: {count}\n{items}\n(horas en {zone})\n\n"
        "Al desactivarlo se cancelan todas y se avisa a cada paciente. ¿Desactivar a {name}?",
    ),
    "admin.off.confirm_none": (
        "Deactivate {name}? They leave /book, are logged out everywhere and cannot log in "
        "until you reactivate them. They have no upcoming appointments.",
        "¿Desactivar a {name}? Sale de /book, se cierra su sesión en todas partes y no puede "
        "iniciar sesión hasta que lo reactives. No tiene citas próximas.",
    ),
    "admin.off.confirm_none_button": ("⛔ Deactivate", "⛔ Desactivar"),
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
    "admin.off.back_button": ("« Back", "« Volver"),
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
    # --- the doctor form: changing an answer, editing a doctor ----------------------------------
    "admin.form.change.n": ("✏️ Name", "✏️ Nombre"),
    "admin.form.change.s": ("✏️ Specialty", "✏️ Especialidad"),
    "admin.form.change.e": ("✏️ Email", "✏️ Correo"),
    "admin.form.change.l": ("✏️ Length", "✏️ Duración"),
    "admin.form.back_button": ("« Back to the summary", "« Volver al resumen"),
    "admin.form.ask_name": (
        "Now: {name}. Send the name patients should see instead.",
        "Ahora: {name}. Envía el nombre que deben ver los pacientes.",
    ),
    "admin.form.ask_email": (
        "What is the new email of {name}? They will log in with it; only admins see it.",
        "¿Cuál es el nuevo correo de {name}? Lo usará para iniciar sesión; solo lo ven los "
        "administradores.",
    ),
    "admin.form.ask_slot": (
        "How long is each appointment with {name}? Booked appointments keep their times.",
        "¿Cuánto dura cada cita con {name}? Las citas reservadas mantienen su hora.",
    ),
    "admin.edit.title": ("<b>Edit {name}</b>", "<b>Editar a {name}</b>"),
    "admin.edit.name": ("Name: {name}", "Nombre: {name}"),
    "admin.edit.specialty": ("Specialty: {specialty}", "Especialidad: {specialty}"),
    "admin.edit.email": ("Email: {email}", "Correo: {email}"),
    "admin.edit.slot": ("Appointments: {minutes}", "Citas: {minutes}"),
    "admin.edit.changed": ("{before} → <b>{after}</b>", "{before} → <b>{after}</b>"),
    "admin.edit.slot_note": (
        "New times will be {minutes} min long; booked appointments keep their times.",
        "Las horas nuevas serán de {minutes} min; las citas reservadas mantienen su hora.",
    ),
    "admin.edit.email_note": (
        "{name} will log in with the new email.",
        "{name} iniciará sesión con el correo nuevo.",
    ),
    "admin.edit.ask_save": ("Save these changes?", "¿Guardo estos cambios?"),
    "admin.edit.ask_change": ("Choose what to change.", "Elige qué cambiar."),
    "admin.edit.save_button": ("💾 Save changes", "💾 Guardar cambios"),
    "admin.edit.discard_button": ("✖️ Discard changes", "✖️ Descartar cambios"),
    "admin.edit.back_button": ("« Back", "« Volver"),
    "admin.edit.field.name": ("name", "nombre"),
    "admin.edit.field.specialty": ("specialty", "especialidad"),
    "admin.edit.field.email": ("email", "correo"),
    "admin.edit.field.slot_minutes": ("appointment length", "duración de las citas"),
    "admin.edit.saved": ("✅ {name}: {what} saved.", "✅ {name}: {what} guardado."),
    "admin.edit.saved_slot": (
        "Times offered from now on are {minutes} min long; the {count} upcoming appointments "
        "keep their times.",
        "Las horas que se ofrezcan desde ahora son de {minutes} min; las {count} citas "
        "próximas mantienen su hora.",
    ),
    "admin.edit.discarded": ("Your changes were not saved.", "Tus cambios no se han guardado."),
    "admin.edit.changed_meanwhile": (
        "Someone changed {name} meanwhile, so nothing was saved. Here they are as they are "
        "now, with your changes: check them and save again.",
        "Alguien ha cambiado a {name} mientras tanto, así que no se ha guardado nada. Aquí "
        "está como está ahora, con tus cambios: revísalos y guarda de nuevo.",
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
