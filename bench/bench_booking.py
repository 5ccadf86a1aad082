"""Booking at scale: a clinic with 1,000,000 appointments, timed through the real use cases, and
the PostgreSQL plans of the queries those use cases issue.

    python bench/bench_booking.py
    python bench/bench_booking.py --database-url postgresql://postgres@127.0.0.1:5432/clinic_bench

The database named in the URL is created (it must not exist), migrated to head, loaded, measured
and dropped again; ``--keep`` leaves it for a later ``--reuse`` run, which skips the loading.
Figures are printed; nothing is asserted. See bench/README.md and bench/QUERY_PLANS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.booking import (
    BookingPolicy,
    available_days,
    book,
    live_in_range,
    past_for_patient,
    schedule,
    upcoming_for_patient,
)
from db.doctors import get_doctor
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade_to_head

ZONE = ZoneInfo("Europe/Madrid")
SLOTS_PER_DAY = 16  # 09:00–17:00 in 30-minute slots
WORKDAYS_PER_WEEK = 5
STRIDE = 3  # a doctor's appointments take every third slot of their grid


# --- the scratch database -----------------------------------------------------------------------


def conninfo(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise SystemExit(f"--database-url names no database: {url}")
    return name


def create_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@contextmanager
def step(label: str) -> Iterator[None]:
    print(f"  {label} …", end="", flush=True)
    started = time.perf_counter()
    yield
    print(f" {time.perf_counter() - started:.1f} s", flush=True)


# --- the data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    appointments: int
    doctors: int
    patients: int

    @property
    def per_doctor(self) -> int:
        return -(-self.appointments // self.doctors)

    def span_days(self) -> int:
        """Calendar days the appointments cover."""
        slots = self.per_doctor * STRIDE
        return (slots // SLOTS_PER_DAY // WORKDAYS_PER_WEEK + 1) * 7


def first_monday(shape: Shape, now: datetime) -> date:
    """Start the appointments so that about six in seven lie in the past."""
    start = now.date() - timedelta(days=shape.span_days() * 6 // 7)
    return start - timedelta(days=start.weekday())


def load(url: str, shape: Shape, now: datetime) -> None:
    """Specialties, doctors with Mon–Fri 09:00–17:00 hours, patients, time off, appointments."""
    base = first_monday(shape, now)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        with step("users, doctors, hours, time off"):
            conn.execute(
                "INSERT INTO specialties (name) "
                "SELECT 'Specialty ' || n FROM generate_series(1, 10) n"
            )
            conn.execute(
                """
                INSERT INTO users (id, email, name, role, phone, language, password_hash)
                SELECT n, 'doctor' || n || '@bench.example', 'Doctor ' || n, 'doctor', NULL,
                       'en', NULL
                FROM generate_series(1, %(doctors)s) n
                UNION ALL
                SELECT n, 'patient' || n || '@bench.example', 'Patient ' || n, 'patient',
                       '+34600' || lpad(n::text, 6, '0'), 'es', NULL
                FROM generate_series(%(doctors)s + 1, %(doctors)s + %(patients)s) n
                """,
                {"doctors": shape.doctors, "patients": shape.patients},
            )
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users"
            )
            conn.execute(
                """
                INSERT INTO doctors
                    (user_id, display_name, specialty_id, slot_minutes, active, marked_ready)
                SELECT n, 'Doctor ' || n, (SELECT min(id) FROM specialties) + n %% 10, 30, true,
                       true
                FROM generate_series(1, %(doctors)s) n
                """,
                {"doctors": shape.doctors},
            )
            conn.execute(
                """
                INSERT INTO working_hours (doctor_id, weekday, start_minute, end_minute)
                SELECT d, w, 540, 1020 FROM generate_series(1, %(doctors)s) d,
                       generate_series(0, 4) w
                """,
                {"doctors": shape.doctors},
            )
            # A whole day off every 60 days for each doctor, staggered across doctors.
            conn.execute(
                """
                INSERT INTO time_off (doctor_id, starts_at, ends_at, whole_days)
                SELECT d, (%(base)s::date + o)::timestamp AT TIME ZONE %(zone)s,
                       (%(base)s::date + o + 1)::timestamp AT TIME ZONE %(zone)s, true
                FROM generate_series(1, %(doctors)s) d,
                     generate_series(d %% 60, %(span)s, 60) o
                """,
                {
                    "doctors": shape.doctors,
                    "base": base,
                    "zone": ZONE.key,
                    "span": shape.span_days(),
                },
            )

        deferred = _drop_appointment_indexes(conn)
        with step(f"{shape.appointments:,} appointments"):
            # Appointment k belongs to doctor k % doctors and is that doctor's (k / doctors)-th,
            # on every STRIDE-th slot of their grid (offset by doctor), so a doctor's never
            # overlap. Patient k % patients: appointments at one moment have k within one
            # round of doctors of each other, so a patient's never overlap either.
            conn.execute(
                """
                INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status,
                                          version, created_at, updated_at, cancelled_at,
                                          cancelled_by, cancel_reason)
                SELECT doctor_id, patient_id, starts_at, starts_at + interval '30 minutes',
                       status, (status = 'cancelled')::int,
                       starts_at - interval '14 days', starts_at - interval '14 days',
                       CASE WHEN status = 'cancelled' THEN starts_at - interval '1 day' END,
                       CASE WHEN status = 'cancelled' THEN patient_id END,
                       CASE WHEN status = 'cancelled' THEN 'patient' END
                FROM (
                    SELECT k,
                           1 + k %% %(doctors)s AS doctor_id,
                           %(doctors)s + 1 + k %% %(patients)s AS patient_id,
                           (
                               %(base)s::date
                               + (slot / %(per_day)s / 5) * 7 + (slot / %(per_day)s) %% 5
                               + time '09:00' + (slot %% %(per_day)s) * interval '30 minutes'
                           ) AT TIME ZONE %(zone)s AS starts_at
                    FROM (
                        SELECT k,
                               (k / %(doctors)s) * %(stride)s
                               + (k %% %(doctors)s) %% %(stride)s AS slot
                        FROM generate_series(0, %(count)s - 1) k
                    ) grid
                ) a
                CROSS JOIN LATERAL (
                    SELECT CASE
                        WHEN k %% 13 = 0 THEN 'cancelled'
                        WHEN a.starts_at >= %(now)s THEN 'booked'
                        WHEN k %% 17 = 0 THEN 'no_show'
                        ELSE 'attended'
                    END AS status
                ) s
                """,
                {
                    "doctors": shape.doctors,
                    "patients": shape.patients,
                    "base": base,
                    "per_day": SLOTS_PER_DAY,
                    "zone": ZONE.key,
                    "stride": STRIDE,
                    "count": shape.appointments,
                    "now": now,
                },
            )
        with step("constraints and indexes (the exclusion constraints re-check every row)"):
            for statement in deferred:
                conn.execute(statement)
        with step("VACUUM ANALYZE"):
            conn.execute("VACUUM ANALYZE")


def _drop_appointment_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop the appointments' foreign keys, exclusion constraints and secondary indexes (as
    migrated), returning the statements that put them back: loading is much faster first."""
    constraints = conn.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'appointments'::regclass AND contype IN ('f', 'x')
        ORDER BY contype, conname
        """
    ).fetchall()
    indexes = conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'appointments'::regclass AND NOT x.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """
    ).fetchall()
    restore = []
    for name, definition in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE appointments DROP CONSTRAINT {}").format(sql.Identifier(name))
        )
        restore.append(f'ALTER TABLE appointments ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        restore.append(definition)
    return restore


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Recorder:
    """The SQL statements the use cases send, with their parameters."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.on:
            self.statements.append((statement, parameters))


@dataclass
class Timing:
    label: str
    runs: list[float]

    def line(self) -> str:
        ms = sorted(run * 1000 for run in self.runs)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return (
            f"{self.label:<44} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   "
            f"min {ms[0]:7.2f} ms   ({len(ms)} runs)"
        )


async def timed(label: str, runs: int, once: Callable[[], Awaitable[object]]) -> Timing:
    await once()  # warm the pool and the caches
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        durations.append(time.perf_counter() - started)
    return Timing(label, durations)


async def measure(
    engine: AsyncEngine, runs: int, now: datetime
) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Time the use cases and return, for each, the statements it issued."""
    factory = make_session_factory(engine)
    policy = BookingPolicy(tz=ZONE, reminder_offsets=(timedelta(days=1), timedelta(hours=1)))
    recorder = Recorder()
    event.listen(engine.sync_engine, "before_cursor_execute", recorder)

    async with factory() as s:
        doctor_id = 1
        doctor = await get_doctor(s, doctor_id)
        live = await s.scalar(
            text(
                "SELECT count(*) FROM appointments WHERE doctor_id = :d AND status <> 'cancelled'"
            ),
            {"d": doctor_id},
        )
        # A patient of this doctor with an appointment coming up, and one free to book.
        patient_id = await s.scalar(
            text(
                "SELECT patient_id FROM appointments WHERE doctor_id = :d AND status = 'booked' "
                "AND starts_at > :now ORDER BY starts_at LIMIT 1"
            ),
            {"d": doctor_id, "now": now},
        )
        days = await available_days(
            s, doctor=doctor, policy=policy, now=now, patient_id=patient_id
        )
    assert patient_id is not None and days, "the loaded clinic has no free slot to book"
    free_slot = next(iter(days.values()))[0]
    local_today = now.astimezone(ZONE).date()
    monday = local_today - timedelta(days=local_today.weekday())
    week_start = datetime.combine(monday, datetime.min.time(), tzinfo=ZONE)
    week_end = week_start + timedelta(days=7)
    next_week_end = week_end + timedelta(days=7)
    print(
        f"\nDoctor {doctor_id}: {live:,} live appointments; patient {patient_id}; "
        f"now {now:%Y-%m-%d %H:%M} UTC; free slot {free_slot.starts_at:%Y-%m-%d %H:%M} UTC\n"
    )

    async def floor() -> object:
        async with factory() as s:
            return await s.scalar(text("SELECT 1"))

    async def free_month() -> object:
        async with factory() as s:
            return await available_days(
                s, doctor=doctor, policy=policy, now=now, patient_id=patient_id
            )

    async def week() -> object:
        async with factory() as s:
            return await schedule(s, doctor_id=doctor_id, start=week_start, end=week_end)

    async def upcoming() -> object:
        async with factory() as s:
            return await upcoming_for_patient(s, patient_id=patient_id, now=now)

    async def past() -> object:
        async with factory() as s:
            return await past_for_patient(s, patient_id=patient_id, now=now)

    async def blocking() -> object:
        async with factory() as s:
            return await live_in_range(
                s, doctor_id=doctor_id, start=week_end, end=next_week_end, now=now
            )

    async def booking() -> object:
        async with factory() as s:
            transaction = await s.begin()
            try:
                return await book(
                    s,
                    patient_id=patient_id,
                    doctor_id=doctor_id,
                    starts_at=free_slot.starts_at,
                    policy=policy,
                    now=now,
                )
            finally:
                await transaction.rollback()  # the slot stays free for the next run

    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("a session and SELECT 1 (the floor)", floor),
        ("available_days (one doctor, 30 days)", free_month),
        ("schedule (one doctor, this week)", week),
        ("upcoming_for_patient", upcoming),
        ("past_for_patient", past),
        ("live_in_range (time off all next week)", blocking),
        ("book (a free slot; rolled back)", booking),
    ]
    issued = []
    for label, once in cases:
        print((await timed(label, runs, once)).line(), flush=True)
        if once is floor:
            continue
        recorder.statements.clear()
        recorder.on = True
        await once()
        recorder.on = False
        issued.append((label, list(recorder.statements)))
    event.remove(engine.sync_engine, "before_cursor_execute", recorder)
    return issued


# --- plans --------------------------------------------------------------------------------------


_NAMED = re.compile(r"%\((\w+)\)s")


async def explain(conn: AsyncConnection, statement: str, parameters: Any, generic: bool) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement as sent: with its values (the custom plan),
    or prepared and forced to the plan PostgreSQL would cache for any values (generic)."""
    if not generic:
        result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return "\n".join(row[0] for row in result)
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = _NAMED.sub(number, statement).replace("%%", "%")
    raw = (await conn.get_raw_connection()).driver_connection
    literals = ", ".join(sql.Literal(parameters[name]).as_string(raw) for name in names)
    await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    # Sent without parameters, so a "%" in the text is just a "%".
    await conn.exec_driver_sql(f"PREPARE bench_generic AS {prepared}")
    try:
        result = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic({literals})"
        )
        return "\n".join(row[0] for row in result)
    finally:
        await conn.exec_driver_sql("DEALLOCATE bench_generic")
        await conn.exec_driver_sql("RESET plan_cache_mode")


async def print_plans(
    engine: AsyncEngine, issued: list[tuple[str, list[tuple[str, Any]]]], generic: bool
) -> None:
    seen: set[str] = set()
    async with engine.connect() as conn:
        for label, statements in issued:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT") or statement in seen:
                    continue
                seen.add(statement)
                values = parameters if isinstance(parameters, dict) else {}
                print(f"\n=== {label} ===")
                print(statement.strip())
                print("-- parameters:", ", ".join(f"{k}={_show(v)}" for k, v in values.items()))
                print(await explain(conn, statement, parameters, generic=False))
                if generic and values:
                    print("-- generic plan (plan_cache_mode = force_generic_plan):")
                    print(await explain(conn, statement, values, generic=True))
            await conn.rollback()


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


async def table_sizes(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                """
                SELECT c.relname, c.relkind, pg_size_pretty(pg_relation_size(c.oid)), c.reltuples
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND (c.relname = 'appointments' OR c.oid IN (
                    SELECT indexrelid FROM pg_index WHERE indrelid = 'appointments'::regclass))
                ORDER BY c.relkind DESC, c.relname
                """
            )
        )
        counts = await conn.execute(
            text("SELECT status, count(*) FROM appointments GROUP BY status ORDER BY status")
        )
        print("\nappointments by status:", {status: n for status, n in counts})
        for name, kind, size, tuples in rows:
            what = "table" if kind == "r" else "index"
            print(f"  {what} {name:<36} {size:>9}  ~{tuples:,.0f} rows")


# --- main ---------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=f"postgresql://postgres@127.0.0.1:5432/clinic_bench_{os.getpid()}",
        help="a database to create on that server (default: a scratch one on the local server)",
    )
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--doctors", type=int, default=200)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each use case")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an existing, loaded database as it is (it is not dropped)",
    )
    parser.add_argument(
        "--generic-plans",
        action="store_true",
        help="also show each query's generic plan (what a prepared statement may fall back to)",
    )
    return parser.parse_args()


async def run(args: argparse.Namespace) -> None:
    url: str = args.database_url
    shape = Shape(args.appointments, args.doctors, args.patients)
    if shape.patients <= 2 * shape.doctors or shape.patients % shape.doctors:
        raise SystemExit("--patients must be a multiple of --doctors, and more than twice it")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    if not args.reuse:
        print(f"Creating {database_name(url)} and loading it:")
        create_database(url)
    try:
        if not args.reuse:
            with step("migrate to head"):
                await asyncio.to_thread(upgrade_to_head, url)
            await asyncio.to_thread(load, url, shape, now)
        engine = make_engine(url, pool_size=2, max_overflow=0)
        try:
            await table_sizes(engine)
            issued = await measure(engine, args.runs, now)
            await print_plans(engine, issued, generic=args.generic_plans)
        finally:
            await engine.dispose()
    finally:
        if not args.keep and not args.reuse:  # only what this run created
            drop_database(url)
            print(f"\nDropped {database_name(url)}.")


if __name__ == "__main__":
    asyncio.run(run(arguments()))
