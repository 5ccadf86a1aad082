"""/hours, adding time off: whole days or part of a day.

Adding: the first day (a week of days a page, or a date typed), whole day(s) or part of the day,
then the last day or the start and end (the span's pickers, :mod:`bot.handlers.pickers`; the
time picker also serves the weekly ranges of :mod:`weekly_range`). Appointments in that time are
shown first; blocking it cancels them once the doctor confirms, and the database checks again,
in the same transaction, that no other one was booked there meanwhile.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    HoursDone,
    OffBack,
    OffConfirm,
    OffDay,
    OffDaysPage,
    OffKind,
    PickerBack,
    PickerHour,
    PickerMinute,
)
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import Step
from bot.formatting import policy_of
from bot.handlers.doctor import weekly_range
from bot.handlers.doctor.shared import (
    HoursDraft,
    HoursState,
    Result,
    finish_change,
    leave_change,
)
from bot.handlers.pickers import spans
from bot.handlers.pickers.dates import describe_span
from bot.handlers.pickers.span_picker import SpanButtons, SpanPicker, SpanSteps, SpanTexts
from bot.handlers.pickers.time_picker import Purpose, TimeButtons
from db.booking import Actor, block_time
from db.doctors import InvalidHours


async def conflicts_screen(update: Update, context: ClinicContext, draft: HoursDraft) -> Screen:
    """The appointments in the time to block, and whether to block it and cancel them."""
    if draft.starts_at is None or draft.ends_at is None:
        return await SPAN.first_day_screen(update, context, draft)
    flow = context.turn.flow
    return await spans.conflicts_screen(
        context,
        draft,
        line=lambda a, when: context.t("off.conflict_line", when=when, patient=a.patient_name),
        text_key="off.conflicts",
        confirm_key="off.confirm",
        confirm=OffConfirm(flow=flow, answer="y"),
        back=OffConfirm(flow=flow, answer="n"),
    )


def start_adding(context: ClinicContext) -> HoursState:
    """Add time off: begin a change at the first day."""
    return SPAN.begin(context, HoursDraft())


async def confirm_block(update: Update, context: ClinicContext, draft: HoursDraft) -> Result:
    """Block and cancel (the appointments shown, in one go), or « Back: nothing is changed."""
    if context.payload(OffConfirm).answer == "n":
        return await leave_change(context, context.t("off.nothing_changed"))
    return await _block(context, draft)


async def _block(context: ClinicContext, draft: HoursDraft) -> Result:
    """Block the draft's time if every live appointment in it has been shown to the doctor
    (cancelling those, and telling the patients once committed); otherwise show them and ask."""
    if draft.starts_at is None or draft.ends_at is None:
        return HoursState.OFF_FIRST
    me = context.me
    try:
        outcome = await block_time(
            context.db,
            doctor_id=me.user_id,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            whole_days=draft.whole_days,
            shown=set(draft.shown),
            actor=Actor(me.user_id, me.role),
            policy=policy_of(context.settings),
            now=context.now,
        )
    except InvalidHours:
        return await leave_change(context, context.t("off.invalid"))
    if outcome.unseen:
        draft.shown_changed = bool(draft.shown)
        draft.shown = [a.id for a in outcome.unseen]
        return HoursState.OFF_CONFIRM
    what = describe_span(context, draft.starts_at, draft.ends_at, draft.whole_days)
    cancelled = outcome.cancelled
    if not cancelled:
        return await leave_change(context, context.t("off.added", what=what))
    note = context.t("off.added_cancelled", what=what, count=len(cancelled))
    return await leave_change(context, note)


SPAN = SpanPicker(
    steps=SpanSteps(
        first=HoursState.OFF_FIRST,
        kind=HoursState.OFF_KIND,
        last=HoursState.OFF_LAST,
        hour=HoursState.HOUR,
        minute=HoursState.MINUTE,
    ),
    buttons=SpanButtons(
        day=OffDay,
        page=OffDaysPage,
        kind=OffKind,
        back=OffBack,
        leave=HoursDone,
        time=TimeButtons(hour=PickerHour, minute=PickerMinute, back=PickerBack),
    ),
    texts=SpanTexts(
        first="off.pick_first", kind="off.pick_kind", last="off.pick_last", part="pick.off_title"
    ),
    chosen=_block,
    leave=finish_change,
    uses={Purpose.RANGE: weekly_range.RANGE},
)

# The span's pickers (the time picker's steps serve weekly ranges too) and the confirmation.
STEPS: dict[HoursState, Step[HoursDraft]] = {
    **SPAN.steps(),
    HoursState.OFF_CONFIRM: Step(conflicts_screen, {OffConfirm: confirm_block}),
}
