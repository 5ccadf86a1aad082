"""The one callback-data codec: a small frozen type per button family.

Each family has a prefix and typed fields; :meth:`CallbackData.pack` writes
``prefix:field:field`` (never over Telegram's 64 bytes) and :func:`decode` reads any family back,
checking every field against its bounds: ids fit the database's integer, dates are real dates,
choices are one of their values. Anything else (forged, truncated, oversized, from an older
version of the bot) decodes to ``None`` and is answered as a stale button before it reaches the
database. Data is stateless: a button keeps working after a restart, and every id in it is
authorised again against the presser's session.

Buttons of a conversation step carry the conversation's number (``flow``): a button of a
conversation that has ended, or been replaced by a newer one, is refused as stale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

MAX_DATA_BYTES = 64
MAX_INT32 = 2_147_483_647
SEPARATOR = ":"


@dataclass(frozen=True)
class Range:
    """Bounds of an integer field (inclusive)."""

    low: int
    high: int


Id = Annotated[int, Range(1, MAX_INT32)]  # a database id
Page = Annotated[int, Range(0, 9_999)]
Flow = Annotated[int, Range(1, MAX_INT32)]  # a conversation's number in its chat
Weekday = Annotated[int, Range(0, 6)]
Hour = Annotated[int, Range(0, 24)]  # 24: the end of the day
MinuteOfDay = Annotated[int, Range(0, 1440)]
Minutes = Annotated[int, Range(1, 1440)]
# Instants travel as unix seconds; this bound is far past any bookable time.
MAX_UNIX = 17_179_869_183


class _Codec:
    def dump(self, value: Any) -> str:
        raise NotImplementedError

    def load(self, raw: str) -> Any:
        """The value of ``raw``; ``ValueError`` when it is not a canonical, in-bounds value."""
        raise NotImplementedError


class _Int(_Codec):
    def __init__(self, bounds: Range) -> None:
        self.bounds = bounds

    def dump(self, value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected an int, got {value!r}")
        if not self.bounds.low <= value <= self.bounds.high:
            raise ValueError(f"{value} is outside {self.bounds}")
        return str(value)

    def load(self, raw: str) -> int:
        # Canonical decimal only: no sign, no leading zeros, no spaces, bounded length.
        if not raw.isascii() or not raw.isdigit() or len(raw) > 11:
            raise ValueError(raw)
        if raw != "0" and raw.startswith("0"):
            raise ValueError(raw)
        value = int(raw)
        if not self.bounds.low <= value <= self.bounds.high:
            raise ValueError(raw)
        return value


class _Bool(_Codec):
    def dump(self, value: Any) -> str:
        return "1" if value else "0"

    def load(self, raw: str) -> bool:
        if raw not in ("0", "1"):
            raise ValueError(raw)
        return raw == "1"


class _Date(_Codec):
    def dump(self, value: Any) -> str:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"expected a date, got {value!r}")
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"

    def load(self, raw: str) -> date:
        if len(raw) != 8 or not raw.isascii() or not raw.isdigit():
            raise ValueError(raw)
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))


class _Instant(_Codec):
    def __init__(self) -> None:
        self._seconds = _Int(Range(0, MAX_UNIX))

    def dump(self, value: Any) -> str:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError(f"expected an aware datetime, got {value!r}")
        return self._seconds.dump(int(value.timestamp()))

    def load(self, raw: str) -> datetime:
        return datetime.fromtimestamp(self._seconds.load(raw), UTC)


class _Choice(_Codec):
    def __init__(self, values: tuple[str, ...], kind: type[StrEnum] | None = None) -> None:
        for value in values:
            if not value or SEPARATOR in value or not value.isascii():
                raise ValueError(f"a choice must be short ASCII without ':', got {value!r}")
        self.values = values
        self.kind = kind

    def dump(self, value: Any) -> str:
        text = str(value.value if isinstance(value, StrEnum) else value)
        if text not in self.values:
            raise ValueError(f"{value!r} is not one of {self.values}")
        return text

    def load(self, raw: str) -> Any:
        if raw not in self.values:
            raise ValueError(raw)
        return self.kind(raw) if self.kind is not None else raw


def _codec_for(hint: Any) -> _Codec:
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        bounds = next((extra for extra in extras if isinstance(extra, Range)), None)
        if base is int and bounds is not None:
            return _Int(bounds)
        raise TypeError(f"unsupported annotated field {hint!r}")
    if get_origin(hint) is Literal:
        values = get_args(hint)
        if not all(isinstance(value, str) for value in values):
            raise TypeError(f"Literal fields hold strings, got {hint!r}")
        return _Choice(tuple(values))
    if hint is bool:
        return _Bool()
    if hint is date:
        return _Date()
    if hint is datetime:
        return _Instant()
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return _Choice(tuple(member.value for member in hint), hint)
    raise TypeError(
        f"unsupported callback field type {hint!r}: use Id, Page, Annotated[int, Range(..)], "
        "Literal[...], a StrEnum, bool, date or datetime"
    )


_REGISTRY: dict[str, type[CallbackData]] = {}


@dataclass_transform(frozen_default=True)
class CallbackData:
    """Base of every button family. Subclass with ``prefix=``; fields are dataclass fields.

    A subclass declared with ``prefix=None`` is abstract: it adds fields for its own subclasses
    (e.g. :class:`StepData`'s ``flow``) and is never packed itself.
    """

    __prefix__: ClassVar[str | None] = None
    __codecs__: ClassVar[tuple[tuple[str, _Codec], ...]] = ()

    def __init_subclass__(cls, *, prefix: str | None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        cls.__codecs__ = tuple(
            (field.name, _codec_for(hints[field.name]))
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
        cls.__prefix__ = prefix
        if prefix is None:
            return
        if not prefix or not prefix.isascii() or any(c.isspace() for c in prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        if prefix in _REGISTRY:
            raise ValueError(f"callback prefix {prefix!r} is used by {_REGISTRY[prefix]}")
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        """The button's data; ``ValueError`` if a field is out of bounds or it would not fit."""
        prefix = type(self).__prefix__
        if prefix is None:
            raise TypeError(f"{type(self).__name__} is abstract")
        parts = [prefix]
        parts += [codec.dump(getattr(self, name)) for name, codec in type(self).__codecs__]
        data = SEPARATOR.join(parts)
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"callback data over {MAX_DATA_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: object) -> Self | None:
        """This family's value of ``data``, or ``None``."""
        decoded = decode(data)
        return decoded if isinstance(decoded, cls) else None

    @classmethod
    def matches(cls, data: object) -> bool:
        """Whether ``data`` is a valid button of this family (a handler ``pattern``)."""
        return cls.parse(data) is not None

    @classmethod
    def _from_parts(cls, parts: list[str]) -> Self | None:
        codecs = cls.__codecs__
        if len(parts) != len(codecs):
            return None
        try:
            values = {
                name: codec.load(raw) for (name, codec), raw in zip(codecs, parts, strict=True)
            }
        except (ValueError, OverflowError):
            return None
        return cls(**values)


def decode(data: object) -> CallbackData | None:
    """The button of any family that ``data`` packs, or ``None`` for anything else."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_DATA_BYTES:
        return None
    parts = data.split(SEPARATOR)
    # The longest registered prefix wins ("ap:c" before "ap"); prefixes may contain ':'.
    for cut in range(len(parts), 0, -1):
        family = _REGISTRY.get(SEPARATOR.join(parts[:cut]))
        if family is not None:
            return family._from_parts(parts[cut:])
    return None


def families() -> dict[str, type[CallbackData]]:
    """Every registered family by prefix (for tests and the route table's checks)."""
    return dict(_REGISTRY)


class StepData(CallbackData, prefix=None):
    """A button of a conversation step: valid only in the conversation numbered ``flow``."""

    flow: Flow


# --- everyone -----------------------------------------------------------------------------------


class SetLanguage(CallbackData, prefix="lang"):
    code: Literal["en", "es"]


# --- booking: the conversation (specialty → doctor → day → time → confirm) ----------------------


class BookSpecialty(StepData, prefix="bk.s"):
    specialty: Id


class BookDoctor(StepData, prefix="bk.d"):
    doctor: Id


class BookDaysPage(StepData, prefix="bk.p"):
    page: Page


class BookDay(StepData, prefix="bk.day"):
    day: date


class BookTime(StepData, prefix="bk.t"):
    starts_at: datetime


class BookBack(StepData, prefix="bk.b"):
    to: Literal["specialty", "doctor", "days"]


class BookConfirm(StepData, prefix="bk.ok"):
    pass


class BookChangeTime(StepData, prefix="bk.chg"):
    pass


class BookAbandon(StepData, prefix="bk.x"):
    pass


# --- appointments: valid wherever shown (the list, reminders, notices) -------------------------


class AskCancel(CallbackData, prefix="ap:c"):
    appointment: Id


class ConfirmCancel(CallbackData, prefix="ap:cy"):
    appointment: Id


class KeepAppointment(CallbackData, prefix="ap:ck"):
    appointment: Id


class Reschedule(CallbackData, prefix="ap:r"):
    appointment: Id


class PastAppointments(CallbackData, prefix="ap:past"):
    pass


class AppointmentsPage(CallbackData, prefix="ap:l"):
    page: Page


class ShowAppointment(CallbackData, prefix="ap:v"):
    appointment: Id


# --- doctors' schedule and attendance ----------------------------------------------------------


class OpenSchedule(CallbackData, prefix="sc"):
    doctor: Id
    day: date
    days: Literal["1", "7"]


class ScheduleDoctors(CallbackData, prefix="sd"):
    """An admin's list of doctors whose schedule they can open (first page)."""


class ScheduleDoctorsPage(CallbackData, prefix="sdp"):
    page: Page


class MarkAttendance(CallbackData, prefix="at"):
    appointment: Id
    mark: Literal["a", "n"]


# --- date and time pickers: the fields of their buttons (each conversation has its own) -------


class PickDay(StepData, prefix=None):
    day: date


class PickDaysPage(StepData, prefix=None):
    first: date


class PickKind(StepData, prefix=None):
    kind: Literal["w", "p"]  # whole day(s), part of a day


class PickBack(StepData, prefix=None):
    """« Back in a span's pickers: from whole/part to the first day, from the last day to
    whole/part."""


class PickHour(StepData, prefix=None):
    hour: Hour


class PickMinute(StepData, prefix=None):
    minute: MinuteOfDay


class PickTimeBack(StepData, prefix=None):
    """« Back in a time picker."""


# --- /hours: the overview's buttons start a change ---------------------------------------------


class HoursAction(CallbackData, prefix="ho"):
    action: Literal["e", "a", "r"]  # edit a weekday, add time off, remove time off


class HoursWeekday(StepData, prefix="hw"):
    weekday: Weekday


class HoursClearDay(StepData, prefix="hx"):
    pass


class HoursAddRange(StepData, prefix="hn"):
    pass


class HoursDone(StepData, prefix="hq"):
    pass


class PickerHour(PickHour, prefix="hth"):
    pass


class PickerMinute(PickMinute, prefix="htm"):
    pass


class PickerBack(PickTimeBack, prefix="htb"):
    pass


class OffDay(PickDay, prefix="hod"):
    pass


class OffDaysPage(PickDaysPage, prefix="hop"):
    pass


class OffKind(PickKind, prefix="hok"):
    pass


class OffBack(PickBack, prefix="hob"):
    pass


class OffConfirm(StepData, prefix="hoc"):
    answer: Literal["y", "n"]


class OffRemove(StepData, prefix="hor"):
    time_off: Id


class OffRemovePage(StepData, prefix="horp"):
    page: Page


# --- /adddoctor ---------------------------------------------------------------------------------


class AddSpecialty(StepData, prefix="ad.sp"):
    specialty: Id


class AddNewSpecialty(StepData, prefix="ad.new"):
    pass


class AddSlotLength(StepData, prefix="ad.slot"):
    minutes: Minutes


class AddConfirm(StepData, prefix="ad.ok"):
    pass


class AddAbandon(StepData, prefix="ad.no"):
    pass


# --- /doctors -----------------------------------------------------------------------------------


class DoctorsPage(CallbackData, prefix="dr:page"):
    page: Page


class DoctorsAt(CallbackData, prefix="dr:list"):
    doctor: Id


class Deactivate(CallbackData, prefix="dr:off"):
    doctor: Id


class ConfirmDeactivation(CallbackData, prefix="dr:offok"):
    doctor: Id
    newest: Annotated[int, Range(0, MAX_INT32)]  # the newest appointment the admin was shown


class Reactivate(CallbackData, prefix="dr:on"):
    doctor: Id


class RenewInvite(CallbackData, prefix="dr:inv"):
    doctor: Id


# --- /stats: the weeks' chart and a month's appointments as CSV ---------------------------------


class StatsPage(CallbackData, prefix="st.p"):
    page: Page


class StatsExport(CallbackData, prefix="st.csv"):
    """Open the month picker for the CSV file."""


class StatsMonth(StepData, prefix="st.m"):
    month: date  # its first day


class StatsClose(StepData, prefix="st.x"):
    pass


# --- the front desk: staff, patients, booking for them, cancelling and moving visits -----------


class StaffListPage(CallbackData, prefix="st:l"):
    page: Page


class StaffNewInvite(CallbackData, prefix="st:inv"):
    member: Id


class StaffDeactivate(CallbackData, prefix="st:off"):
    member: Id


class StaffConfirmOff(CallbackData, prefix="st:offok"):
    member: Id


class StaffReactivate(CallbackData, prefix="st:on"):
    member: Id


class AddStaffConfirm(StepData, prefix="as.ok"):
    pass


class AddStaffAbandon(StepData, prefix="as.no"):
    pass


class PatientsPick(StepData, prefix="pt.p"):
    patient: Id


class PatientsMore(StepData, prefix="pt.pg"):
    page: Page


class PatientsResults(StepData, prefix="pt.r"):
    """« Results: back from a patient's card to the search's results."""


class PatientsNew(StepData, prefix="pt.new"):
    pass


class PatientsSkipEmail(StepData, prefix="pt.skip"):
    pass


class PatientsCreate(StepData, prefix="pt.ok"):
    pass


class PatientsAbandon(StepData, prefix="pt.x"):
    pass


class OpenPatient(CallbackData, prefix="pc"):
    patient: Id


class BookFor(CallbackData, prefix="pc:bk"):
    patient: Id


class VisitCard(CallbackData, prefix="vc"):
    appointment: Id


class DayVisits(CallbackData, prefix="vd"):
    """The upcoming visits of a doctor's day, to cancel or move one."""

    doctor: Id
    day: date


class VisitCancel(CallbackData, prefix="vc:x"):
    appointment: Id


class VisitMove(CallbackData, prefix="vc:m"):
    appointment: Id


class ChangeWhy(StrEnum):
    """A reason from the short list (``t``: the reason is typed instead)."""

    DOCTOR_UNAVAILABLE = "du"
    PATIENT_REQUEST = "pr"
    CLINIC_SCHEDULE = "cs"
    EMERGENCY = "em"


class CancelWhy(StepData, prefix="vx.w"):
    why: ChangeWhy


class CancelConfirm(StepData, prefix="vx.ok"):
    pass


class CancelKeep(StepData, prefix="vx.no"):
    pass


class BookMoveWhy(StepData, prefix="bk.w"):
    why: ChangeWhy


class TakeOffer(CallbackData, prefix="of"):
    """A free time offered in a "the clinic cancelled your visit" notice: books it."""

    cancelled: Id
    starts_at: datetime


# --- /hours: a change of hours that leaves booked visits outside them --------------------------


class StrandedKeep(StepData, prefix="hs.k"):
    appointment: Id


class StrandedCancel(StepData, prefix="hs.c"):
    appointment: Id


class StrandedAll(StepData, prefix="hs.a"):
    action: Literal["k", "c"]  # keep them all, cancel them all


class StrandedPage(StepData, prefix="hs.p"):
    page: Page


# --- /closures: clinic closures (admins) -------------------------------------------------------


class ClosuresAction(CallbackData, prefix="cl"):
    action: Literal["a", "r"]  # add a closure, remove one


class ClosureDay(PickDay, prefix="cl.d"):
    pass


class ClosureDaysPage(PickDaysPage, prefix="cl.p"):
    pass


class ClosureKind(PickKind, prefix="cl.k"):
    pass


class ClosureBack(PickBack, prefix="cl.b"):
    pass


class ClosureHour(PickHour, prefix="cl.th"):
    pass


class ClosureMinute(PickMinute, prefix="cl.tm"):
    pass


class ClosureTimeBack(PickTimeBack, prefix="cl.tb"):
    pass


class ClosureDone(StepData, prefix="cl.q"):
    pass


class ClosureConfirm(StepData, prefix="cl.ok"):
    answer: Literal["y", "n"]


class ClosureSkipName(StepData, prefix="cl.nm"):
    pass


class ClosureRemove(StepData, prefix="cl.x"):
    closure: Id


class ClosureRemovePage(StepData, prefix="cl.xp"):
    page: Page


# --- visit flow: a visit's reason at booking, "I'll come" and "I'm here" ----------------------


class BookSkipReason(StepData, prefix="bk.rs"):
    """Book without a reason for the visit."""


class BookEditReason(StepData, prefix="bk.re"):
    """From the confirmation, back to the reason."""


class ConfirmVisit(CallbackData, prefix="vi:c"):
    """I'll come: for the appointment as it was shown (its ``version``)."""

    appointment: Id
    version: Annotated[int, Range(0, MAX_INT32)]


class CheckIn(CallbackData, prefix="vi:h"):
    """I'm here."""

    appointment: Id


# --- admin-manage: a doctor's card and edit, ready doctors, paging everywhere ------------------


class OpenDoctor(CallbackData, prefix="dr:card"):
    """A doctor's card in /doctors."""

    doctor: Id


class EditDoctor(CallbackData, prefix="dr:edit"):
    doctor: Id


class MarkReady(CallbackData, prefix="dr:ready"):
    doctor: Id
    ready: bool


class AddChange(StepData, prefix="ad.chg"):
    """Change one answer from the doctor form's summary."""

    answer: Literal["n", "s", "e", "l"]  # name, specialty, email, appointment length


class AddBack(StepData, prefix="ad.bk"):
    """Back to the doctor form's summary without changing the answer."""


class AddSpecialtyPage(StepData, prefix="ad.spp"):
    page: Page


class BookSpecialtyPage(StepData, prefix="bk.sp"):
    page: Page


class BookDoctorPage(StepData, prefix="bk.dp"):
    page: Page


class BookTimesPage(StepData, prefix="bk.tp"):
    page: Page


class PastAppointmentsPage(CallbackData, prefix="ap:pp"):
    page: Page


class ScheduleDayPage(CallbackData, prefix="sc.p"):
    """A page of a day of a doctor's schedule too long for one message."""

    doctor: Id
    day: date
    page: Page


# --- accounts: codes emailed at /register, /reset and /verify ----------------------------------


class RegisterResend(StepData, prefix="rg.new"):
    pass


class RegisterOtherEmail(StepData, prefix="rg.em"):
    pass


class ResetResend(StepData, prefix="rs.new"):
    pass


class VerifyResend(StepData, prefix="vf.new"):
    pass


# --- waitlists: waiting for a time to free up, and the offers --------------------------------


class TakeFreedTime(CallbackData, prefix="wl:t"):
    """A waitlist offer's time: books it (or moves the visit there, for an earlier time)."""

    entry: Id
    doctor: Id
    starts_at: datetime


class LeaveWaitlist(CallbackData, prefix="wl:x"):
    """Stop waiting: from an offer, or from the /waitlist list (``listed``)."""

    entry: Id
    listed: bool


class WaitEarlier(CallbackData, prefix="wl:e"):
    """On an appointment's card: wait for an earlier time with its doctor."""

    appointment: Id


class BookWaitlist(StepData, prefix="bk.wl"):
    """At /book: wait for a time with the chosen doctor, or any doctor of the specialty."""

    anyone: bool


class BookWaitSpan(StepData, prefix="bk.ws"):
    """How many days ahead the patient waits for (from today)."""

    days: Annotated[int, Range(1, 366)]
