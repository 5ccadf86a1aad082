"""/patients (the front desk and admins): find a patient by name, phone or email, open their
card (their visits, Book), or register a new one; /book for them starts here too.

A search is typed at any step that shows results or a card, and the results are paged on the
same message. Picking a patient opens their card, or, when the search began with /book, goes
straight into the booking walk for them. Registering a patient is in
:mod:`bot.handlers.frontdesk.new_patient`.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    BookFor,
    OpenPatient,
    PatientsAbandon,
    PatientsCreate,
    PatientsMore,
    PatientsNew,
    PatientsPick,
    PatientsResults,
    PatientsSkipEmail,
)
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step
from bot.handlers.booking.clinic import book_for
from bot.handlers.booking.screens import BookState
from bot.handlers.frontdesk import new_patient
from bot.handlers.frontdesk.shared import (
    CLINIC,
    PATIENTS_SEARCH,
    PatientsDraft,
    PatientsState,
    Purpose,
    card_screen,
    patient_label,
    patient_line,
)
from bot.routes import Button, Command, Routes
from db.errors import NotFound
from db.patients import QueryTooShort, search_patients

PER_PAGE = 8
LATER = ("next", "more", "later", "siguiente", "mas")
EARLIER = ("previous", "earlier", "anterior")

Result = PatientsState | BookState | Ended | None


# --- screens ------------------------------------------------------------------------------------


def _new_choice(context: ClinicContext) -> Choice:
    flow = context.turn.flow
    return Choice(context.t("patients.btn.new"), PatientsNew(flow=flow), ("new", "nuevo"))


async def search_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    key = "patients.ask_book" if draft.purpose is Purpose.BOOK else "patients.ask"
    return Screen(context.t(key), [[_new_choice(context)]])


async def results_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    flow = context.turn.flow
    found = await search_patients(
        context.db, query=draft.query, page=draft.page, per_page=PER_PAGE
    )
    draft.page = found.page
    lines = [context.t("patients.found", query=draft.query, count=found.total)]
    first = found.page * PER_PAGE
    lines += [
        f"{number}. {patient_line(context, patient)}"
        for number, patient in enumerate(found.patients, start=first + 1)
    ]
    if found.pages > 1:
        lines.append(context.t("book.page", page=found.page + 1, pages=found.pages))
    lines.append(context.t("patients.pick" if found.patients else "patients.none"))
    rows = [
        [
            Choice(
                f"{number}. {patient_label(patient)}",
                PatientsPick(flow=flow, patient=patient.id),
                typed=False,  # typed text is a new search
            )
        ]
        for number, patient in enumerate(found.patients, start=first + 1)
    ]
    paging = []
    if found.page > 0:
        paging.append(
            Choice(
                context.t("book.btn.prev"), PatientsMore(flow=flow, page=found.page - 1), EARLIER
            )
        )
    if found.page < found.pages - 1:
        paging.append(
            Choice(context.t("book.btn.next"), PatientsMore(flow=flow, page=found.page + 1), LATER)
        )
    if paging:
        rows.append(paging)
    rows.append([_new_choice(context)])
    return Screen("\n".join(lines), rows)


async def patient_screen(update: Update, context: ClinicContext, draft: PatientsDraft) -> Screen:
    flow = context.turn.flow
    back = []
    if draft.query:
        back = [[Choice(context.t("patients.btn.results"), PatientsResults(flow=flow), ("back",))]]
    assert draft.patient is not None
    try:
        screen = await card_screen(context, draft.patient, extra=back)
    except NotFound:
        return Screen(context.t("patients.not_found"), back)
    return screen.with_lead(context.t("patients.search_again"))


# --- steps --------------------------------------------------------------------------------------


async def find_patients(update: Update, context: ClinicContext) -> PatientsState | None:
    """/patients [words]: ask what to look for, or look for the words given."""
    context.begin(PatientsDraft())
    if context.args:
        return await _search(context, context.turn.draft, " ".join(context.args))
    return PatientsState.SEARCH


async def _search(context: ClinicContext, draft: PatientsDraft, query: str) -> PatientsState:
    query = " ".join(query.split())[:80]
    try:
        found = await search_patients(context.db, query=query, page=0, per_page=PER_PAGE)
    except QueryTooShort:
        context.note("patients.too_short")
        return PatientsState.SEARCH
    if not found.total:
        context.note("patients.no_match", query=query)
        return PatientsState.SEARCH
    draft.query, draft.page = query, 0
    return PatientsState.RESULTS


async def type_search(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """Typed words: search patients by name, phone or email."""
    return await _search(context, draft, context.text or "")


async def turn_page(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """‹ / › through the results."""
    draft.page = context.payload(PatientsMore).page
    return PatientsState.RESULTS


async def pick_patient(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """A patient picked: their card, or the booking walk for them (a search from /book)."""
    patient = context.payload(PatientsPick).patient
    if draft.purpose is Purpose.BOOK:
        return await book_for(context, patient)
    draft.patient = patient
    return PatientsState.CARD


async def back_to_results(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """« Results: the search's results again."""
    return PatientsState.RESULTS if draft.query else PatientsState.SEARCH


async def start_new(update: Update, context: ClinicContext, draft: PatientsDraft) -> Result:
    """➕ New patient: ask their name."""
    draft.name, draft.phone, draft.email = "", "", None
    return PatientsState.NEW_NAME


async def abandon(update: Update, context: ClinicContext, draft: PatientsDraft) -> Ended:
    """✖ Cancel while registering a patient: nothing is saved."""
    context.show_text("patients.new.abandoned")
    return END


# --- buttons valid wherever shown ---------------------------------------------------------------


async def open_patient(update: Update, context: ClinicContext) -> None:
    """A patient's card, from a visit's card (outside any search)."""
    try:
        context.show(await card_screen(context, context.payload(OpenPatient).patient))
    except NotFound:
        context.alert("patients.not_found")


async def book_for_patient(update: Update, context: ClinicContext) -> BookState | None:
    """📅 Book on a patient's card: the booking walk for them."""
    return await book_for(context, context.payload(BookFor).patient)


PATIENTS = Conversation(
    PATIENTS_SEARCH,
    PatientsState,
    PatientsDraft,
    {
        PatientsState.SEARCH: Step(search_screen, {PatientsNew: start_new}, text=type_search),
        PatientsState.RESULTS: Step(
            results_screen,
            {PatientsPick: pick_patient, PatientsMore: turn_page, PatientsNew: start_new},
            text=type_search,
        ),
        PatientsState.CARD: Step(
            patient_screen, {PatientsResults: back_to_results}, text=type_search
        ),
        PatientsState.NEW_NAME: Step(new_patient.name_screen, text=new_patient.take_name),
        PatientsState.NEW_PHONE: Step(new_patient.phone_screen, text=new_patient.take_phone),
        PatientsState.NEW_EMAIL: Step(
            new_patient.email_screen,
            {PatientsSkipEmail: new_patient.skip_email},
            text=new_patient.take_email,
        ),
        PatientsState.NEW_CONFIRM: Step(
            new_patient.confirm_screen,
            {PatientsCreate: new_patient.create, PatientsPick: pick_patient},
        ),
    },
    roles=CLINIC,
    anywhere={PatientsAbandon: abandon},
)

ROUTES = Routes(
    commands=[Command("patients", find_patients, roles=CLINIC)],
    buttons=[
        Button(OpenPatient, open_patient, roles=CLINIC),
        Button(BookFor, book_for_patient, roles=CLINIC),
    ],
    conversations=[PATIENTS],
)
