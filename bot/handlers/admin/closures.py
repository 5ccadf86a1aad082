"""/closures (admins): the clinic's closures — holidays, whole days or part of a day — in which
no doctor can be booked, and the conversation that adds or removes one.

Adding: the first day (a week of days a page, or a date typed: "24/12", "24 de diciembre",
"tomorrow"), whole day(s) or part of the day, then the last day or the start and end (the span's
pickers, shared with a doctor's time off). Every doctor's appointments in that time are listed
first; closing cancels them once the admin confirms, with the patients told, and the database
checks again, under the clinic's lock, that no other one was booked there meanwhile. Removing:
:mod:`closures_removal`.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    ClosureBack,
    ClosureConfirm,
    ClosureDay,
    ClosureDaysPage,
    ClosureDone,
    ClosureHour,
    ClosureKind,
    ClosureMinute,
    ClosuresAction,
    ClosureSkipName,
    ClosureTimeBack,
)
from bot.choices import SKIP, Choice, Screen
from bot.context import ClinicContext
from bot.conversation import Conversation, Step
from bot.formatting import policy_of
from bot.handlers.admin import closures_removal
from bot.handlers.admin.closures_shared import (
    ADMINS,
    ClosureDraft,
    ClosureState,
    Result,
    closure_text,
    finish,
    leave,
    overview_screen,
)
from bot.handlers.pickers import spans
from bot.handlers.pickers.dates import back_choice, describe_span
from bot.handlers.pickers.span_picker import SpanButtons, SpanPicker, SpanSteps, SpanTexts
from bot.handlers.pickers.time_picker import TimeButtons
from bot.routes import Button, Command, Routes
from db.booking import Actor
from db.closures import (
    NAME_LENGTH,
    InvalidClosure,
    InvalidClosureName,
    close_clinic,
    normalise_closure_name,
)

# At most this many appointments are listed when asking to close.
CONFLICT_LINES = 25


# --- /closures and the overview's buttons -------------------------------------------------------


async def show_closures(update: Update, context: ClinicContext) -> None:
    """/closures: the upcoming clinic closures, with buttons to add or remove one."""
    if context.turn.conversation is CLOSURES:
        context.turn.end()  # a change left open is dropped: /closures starts over
    context.show(await overview_screen(context))


async def start_change(update: Update, context: ClinicContext) -> ClosureState | None:
    """Add a closure / Remove a closure: begin that change on this message."""
    if context.payload(ClosuresAction).action == "r":
        return await closures_removal.start_removing(context)
    return SPAN.begin(context, ClosureDraft())


# --- closing ------------------------------------------------------------------------------------


async def conflicts_screen(update: Update, context: ClinicContext, draft: ClosureDraft) -> Screen:
    """Every doctor's appointments in the time to close, and whether to close and cancel them."""
    if draft.starts_at is None or draft.ends_at is None:
        return await SPAN.first_day_screen(update, context, draft)
    flow = context.turn.flow
    return await spans.conflicts_screen(
        context,
        draft,
        line=lambda a, when: context.t(
            "closures.conflict_line", when=when, doctor=a.doctor_name, patient=a.patient_name
        ),
        text_key="closures.conflicts",
        confirm_key="closures.confirm",
        confirm=ClosureConfirm(flow=flow, answer="y"),
        back=ClosureConfirm(flow=flow, answer="n"),
    )


async def confirm_closing(update: Update, context: ClinicContext, draft: ClosureDraft) -> Result:
    """Close and cancel (the appointments shown, in one go), or « Back: nothing is changed."""
    if context.payload(ClosureConfirm).answer == "n":
        return await leave(context, context.t("off.nothing_changed"))
    return await _close(context, draft)


async def name_screen(update: Update, context: ClinicContext, draft: ClosureDraft) -> Screen:
    """What the closure is for: typed, or skipped."""
    if draft.starts_at is None or draft.ends_at is None:
        return await SPAN.first_day_screen(update, context, draft)
    flow = context.turn.flow
    text = context.t(
        "closures.ask_name",
        what=describe_span(context, draft.starts_at, draft.ends_at, draft.whole_days),
        zone=context.settings.timezone.key,
    )
    rows = [
        [Choice(context.t("closures.skip_name"), ClosureSkipName(flow=flow), SKIP)],
        [back_choice(context, ClosureDone(flow=flow))],
    ]
    return Screen(text, rows)


async def _chosen(context: ClinicContext, draft: ClosureDraft) -> Result:
    """The span is chosen: ask what the closure is for."""
    return ClosureState.NAME


async def take_name(update: Update, context: ClinicContext, draft: ClosureDraft) -> Result:
    """A typed name; then close (or show the appointments it would cancel)."""
    try:
        draft.name = normalise_closure_name(context.text or "")
    except InvalidClosureName:
        context.note("closures.bad_name", length=NAME_LENGTH)
        return ClosureState.NAME
    draft.name_asked = True
    return await _close(context, draft)


async def skip_name(update: Update, context: ClinicContext, draft: ClosureDraft) -> Result:
    """Skip: a closure without a name."""
    draft.name, draft.name_asked = None, True
    return await _close(context, draft)


async def _close(context: ClinicContext, draft: ClosureDraft) -> Result:
    """Close the clinic in the draft's time if every appointment booked in it has been shown
    to the admin (cancelling those, and telling the patients once committed); otherwise show
    them and ask."""
    if draft.starts_at is None or draft.ends_at is None:
        return ClosureState.FIRST
    me = context.me
    try:
        outcome = await close_clinic(
            context.db,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            whole_days=draft.whole_days,
            shown=set(draft.shown),
            actor=Actor(me.user_id, me.role),
            policy=policy_of(context.settings),
            now=context.now,
            name=draft.name,
        )
    except InvalidClosure:
        return await leave(context, context.t("off.invalid"))
    if outcome.unseen:
        draft.shown_changed = bool(draft.shown)
        draft.shown = [a.id for a in outcome.unseen]
        return ClosureState.CONFIRM
    what = closure_text(context, draft.starts_at, draft.ends_at, draft)
    if not outcome.cancelled:
        return await leave(context, context.t("closures.added", what=what))
    note = context.t("closures.added_cancelled", what=what, count=len(outcome.cancelled))
    return await leave(context, note)


SPAN = SpanPicker(
    steps=SpanSteps(
        first=ClosureState.FIRST,
        kind=ClosureState.KIND,
        last=ClosureState.LAST,
        hour=ClosureState.HOUR,
        minute=ClosureState.MINUTE,
    ),
    buttons=SpanButtons(
        day=ClosureDay,
        page=ClosureDaysPage,
        kind=ClosureKind,
        back=ClosureBack,
        leave=ClosureDone,
        time=TimeButtons(hour=ClosureHour, minute=ClosureMinute, back=ClosureTimeBack),
    ),
    texts=SpanTexts(
        first="closures.pick_first",
        kind="closures.pick_kind",
        last="closures.pick_last",
        part="closures.part_title",
    ),
    chosen=_chosen,
    leave=finish,
)

CLOSURES = Conversation(
    "closures",
    ClosureState,
    ClosureDraft,
    {
        **SPAN.steps(),
        ClosureState.NAME: Step(
            name_screen, {ClosureSkipName: skip_name, ClosureDone: finish}, text=take_name
        ),
        ClosureState.CONFIRM: Step(conflicts_screen, {ClosureConfirm: confirm_closing}),
        **closures_removal.STEPS,
    },
    roles=ADMINS,
)

ROUTES = Routes(
    commands=[Command("closures", show_closures, roles=ADMINS)],
    buttons=[Button(ClosuresAction, start_change, roles=ADMINS)],
    conversations=[CLOSURES],
)
