"""Texts of waitlists: waiting for a time to free up, the offers, and /waitlist."""

TEXTS: dict[str, tuple[str, str]] = {
    "delivery_kind.slot_offer": ("waitlist offer", "oferta de lista de espera"),
    "menu.waitlist": ("Times you are waiting for", "Horas que esperas"),
    "help.line.waitlist": (
        "the times you wait for to free up (leave them)",
        "las horas que esperas que se liberen (dejar de esperar)",
    ),
    # --- joining, from /book --------------------------------------------------------------------
    "book.btn.waitlist": ("🔔 Tell me when a time frees up", "🔔 Avísame si se libera una hora"),
    "book.no_days_wait": (
        "{doctor} ({specialty}) has no free times in the next {days} days. I can message you "
        "as soon as one frees up, or you can choose another doctor.",
        "{doctor} ({specialty}) no tiene horas libres en los próximos {days} días. Puedo "
        "avisarte en cuanto se libere una, o puedes elegir otro médico.",
    ),
    "waitlist.who.doctor": ("{doctor} ({specialty})", "{doctor} ({specialty})"),
    "waitlist.who.anyone": ("any {specialty} doctor", "cualquier médico de {specialty}"),
    "waitlist.ask_span": (
        "🔔 <b>Waitlist</b>: {who}\n\nAs soon as a time frees up, I'll message you with it; the "
        "first to tap it gets it. Which days suit you?",
        "🔔 <b>Lista de espera</b>: {who}\n\nEn cuanto se libere una hora, te la enviaré; se "
        "la queda el primero que la pulse. ¿Qué días te vienen bien?",
    ),
    "waitlist.btn.days": ("Next {days} days", "Próximos {days} días"),
    "waitlist.btn.any_day": ("Any day (next {days})", "Cualquier día (próximos {days})"),
    "waitlist.btn.anyone": ("👥 Any {specialty} doctor", "👥 Cualquier médico de {specialty}"),
    "waitlist.btn.only": ("👤 Only {doctor}", "👤 Solo {doctor}"),
    "waitlist.btn.back": ("‹ Days", "‹ Días"),
    "waitlist.joined": (
        "✅ <b>You're on the waitlist</b>\n{who}\n{span}\n\nI'll message you as soon as a time "
        "frees up. /waitlist to see or leave it.",
        "✅ <b>Estás en la lista de espera</b>\n{who}\n{span}\n\nTe escribiré en cuanto se "
        "libere una hora. /waitlist para verla o salir de ella.",
    ),
    "waitlist.span": ("{first} – {last}", "{first} – {last}"),
    "waitlist.full": (
        "You are already waiting for {limit} things, the most at once. Leave one at /waitlist "
        "first.",
        "Ya esperas {limit} cosas, el máximo a la vez. Deja una en /waitlist primero.",
    ),
    "waitlist.no_span": (
        "Those days are past what the clinic books. Please choose others.",
        "Esos días quedan fuera de lo que reserva la clínica. Elige otros.",
    ),
    # --- an appointment's card: an earlier time ------------------------------------------------
    "appts.btn.earlier": ("🔔 Tell me if earlier frees up", "🔔 Avísame si hay antes"),
    "waitlist.earlier.joined": (
        "🔔 I'll message you if a time before {current} frees up with {doctor}. /waitlist to "
        "stop.",
        "🔔 Te avisaré si se libera una hora antes de {current} con {doctor}. /waitlist para "
        "dejarlo.",
    ),
    "waitlist.earlier.none": (
        "There is no earlier time the clinic could book: your visit is soon enough.",
        "No hay una hora antes que la clínica pueda reservar: tu cita es pronto.",
    ),
    # --- the offer ------------------------------------------------------------------------------
    "waitlist.offer": (
        "🔔 <b>A time freed up</b>\n{doctor} ({specialty})\n{when}\n\nThe first to tap it "
        "gets it.",
        "🔔 <b>Se ha liberado una hora</b>\n{doctor} ({specialty})\n{when}\n\nSe la queda el "
        "primero que la pulse.",
    ),
    "waitlist.offer.earlier": (
        "🔔 <b>An earlier time freed up</b>\n{doctor} ({specialty})\n{when}\n\nYour visit is "
        "{current}: take this time and it moves here. The first to tap it gets it.",
        "🔔 <b>Se ha liberado una hora antes</b>\n{doctor} ({specialty})\n{when}\n\nTu cita es "
        "{current}: si tomas esta hora, se mueve aquí. Se la queda el primero que la pulse.",
    ),
    "waitlist.btn.take": ("✅ Take this time", "✅ Reservar esta hora"),
    "waitlist.btn.move": ("✅ Move my visit here", "✅ Mover mi cita aquí"),
    "waitlist.btn.leave": ("🔕 Leave the waitlist", "🔕 Salir de la lista de espera"),
    "waitlist.booked": (
        "✅ <b>It's yours</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWhen: {when}\n\n"
        "/appointments to see, cancel or reschedule it.",
        "✅ <b>Es tuya</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}\nCuándo: {when}\n\n"
        "/appointments para verla, cancelarla o cambiarla.",
    ),
    "waitlist.moved": (
        "✅ <b>Your visit moved</b>\n\nDoctor: {doctor}\nSpecialty: {specialty}\nWhen: {when}\n"
        "(it was {old})",
        "✅ <b>Tu cita se ha movido</b>\n\nMédico: {doctor}\nEspecialidad: {specialty}\n"
        "Cuándo: {when}\n(era {old})",
    ),
    # Plain sentences: shown in pop-ups.
    "waitlist.gone": (
        "Someone was quicker: that time is gone. You stay on the waitlist.",
        "Alguien ha sido más rápido: esa hora ya no está. Sigues en la lista de espera.",
    ),
    "waitlist.gone_offer": (
        "🔔 Someone was quicker: that time is gone. You stay on the waitlist, and I'll message "
        "you when another frees up.",
        "🔔 Alguien ha sido más rápido: esa hora ya no está. Sigues en la lista de espera y te "
        "escribiré cuando se libere otra.",
    ),
    "waitlist.no_longer": (
        "That time no longer suits your visit. You stay on the waitlist.",
        "Esa hora ya no le sirve a tu cita. Sigues en la lista de espera.",
    ),
    "waitlist.ended.booked": (
        "You already have a visit from this waitlist.",
        "Ya tienes una cita de esta lista de espera.",
    ),
    "waitlist.not_found": (
        "That waitlist entry was not found.",
        "No se ha encontrado esa lista de espera.",
    ),
    "waitlist.ended.left": ("You left this waitlist.", "Saliste de esta lista de espera."),
    "waitlist.left": (
        "🔕 You left the waitlist: {who}.",
        "🔕 Has salido de la lista de espera: {who}.",
    ),
    # --- /waitlist ------------------------------------------------------------------------------
    "waitlist.list.header": (
        "🔔 <b>You are waiting for</b> ({count})",
        "🔔 <b>Estás esperando</b> ({count})",
    ),
    "waitlist.list.item": ("{number}. {who}\n    {span}", "{number}. {who}\n    {span}"),
    "waitlist.list.earlier": (
        "{number}. An earlier time with {doctor}\n    than your visit {current}",
        "{number}. Una hora antes con {doctor}\n    que tu cita {current}",
    ),
    "waitlist.list.none": (
        "You are not waiting for any time. At /book, a doctor's days offer 🔔 to wait for one "
        "to free up; an appointment's card offers to wait for an earlier one.",
        "No esperas ninguna hora. En /book, los días de un médico ofrecen 🔔 para esperar a que "
        "se libere una; la ficha de una cita ofrece esperar una hora antes.",
    ),
    "waitlist.btn.leave_n": ("🔕 Leave {number}", "🔕 Dejar la {number}"),
}
