"""What an update costs the running bot, against a bare python-telegram-bot echo bot.

    python bench/bench_updates.py                          # 20 chats, 10 rounds, 3 repeats
    python bench/bench_updates.py --rounds 25 --profile    # longer, and where the CPU goes

The real bot runs as ``clinic-bot run`` builds and runs it (``bench/update_launcher.py``, a
child process, long polling a fake Bot API on 127.0.0.1), and so does a bare echo bot; the
fake Bot API and the simulated chats run in a third process (``bench/update_fakes.py``), so
neither their CPU nor PostgreSQL's is counted. It prints:

1. for ``/me``, ``/appointments``, a ``/book`` walk to the time buttons and a doctor's
   ``/schedule``: the bot's CPU per update (from ``/proc/<pid>/stat`` over the measured
   phase), the SQL statements, writes and transactions per update, and the ratio to the echo
   bot's CPU per update on the same updates;
2. a booking storm: patients in as many chats doing the whole ``/book`` walk at once, with
   p50 and p95 of the time from a chat sending an update to the bot's first answer, per
   step, the errors, and the appointments each patient holds afterwards;
3. the resident memory of the bot serving a clinic of 10,000 users, each with a session and a
   past conversation.

It creates a scratch database on the local server (``--server-url``), migrates it with the
project's migrations, loads it with SQL, and drops it at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pstats
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.update_fakes import serve_fakes
from db.accounts import SESSION_TTL
from db.migrate import upgrade_to_head
from db.tokens import issue_token
from tests.fake_telegram import TOKEN

ROOT = Path(__file__).resolve().parents[1]
SECRET = "k7Qm2xV9pL4sR8tW1yZ6bN3cF5hJ0dGa"
TIMEZONE = "Europe/Madrid"
# The longest scan interval the settings allow: the reminder scan runs once at start, then
# not again during the measurements.
REMINDER_SCAN_SECONDS = 3600
SPECIALTIES = ("Cardiology", "Dermatology", "Neurology", "Paediatrics")
DOCTORS = 20  # five per specialty, every day 08:00-20:00, 30-minute slots
DAY_START, DAY_END, SLOT = 8 * 60, 20 * 60, 30
DOCTOR_CHAT = 800_000_000
PATIENT_CHAT = 900_000_000
FIRST_PATIENT = 101  # patients are users FIRST_PATIENT .. FIRST_PATIENT + users - 1
SCHEDULE_PATIENT = 201  # today's appointments of each doctor, eight each
STORM_PATIENT = 1001
GOALS = {"me": 2.0, "appointments": 4.0, "book": 4.0, "schedule": 4.0}
LABELS = {
    "me": "/me",
    "appointments": "/appointments",
    "book": "/book walk",
    "schedule": "doctor /schedule",
}
STORM_STEPS = ("/book", "specialty", "doctor", "day", "time", "reason", "confirm")
# Settings the bot reads from the environment: none of the caller's may leak into the runs.
SETTING_PREFIXES = ("TELEGRAM_", "CLINIC_", "EMAIL_", "SMTP_", "REMINDER_", "BENCH_")
SETTINGS = {
    "DATABASE_URL", "JWT_SECRET", "WEBHOOK_URL", "PORT", "LOG_LEVEL", "DATA_DIR",
    "BOOKING_HORIZON_DAYS", "MIN_NOTICE_MINUTES", "CANCEL_WINDOW_MINUTES",
    "MAX_UPCOMING_APPOINTMENTS", "DOCTOR_AGENDA_TIME", "SESSION_IDLE_DAYS",
    "CONVERSATION_TIMEOUT_MINUTES",
}  # fmt: skip
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- the scratch database -----------------------------------------------------------------------


def _scratch(server_url: str) -> str:
    name = f"clinic_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def _drop(server_url: str, url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


SEED = """
INSERT INTO specialties (id, name)
SELECT g, (%(specialties)s::text[])[g]
FROM generate_series(1, cardinality(%(specialties)s::text[])) AS g;

INSERT INTO users (id, email, name, role, password_hash, language, last_chat_id, created_at)
SELECT g, 'doctor' || g || '@bench.invalid', 'Dr. Bench ' || lpad(g::text, 2, '0'), 'doctor',
       NULL, 'en', %(doctor_chat)s + g, %(now)s - interval '1 year'
FROM generate_series(1, %(doctors)s) AS g;

INSERT INTO doctors (user_id, display_name, specialty_id, slot_minutes, marked_ready)
SELECT g, 'Dr. Bench ' || lpad(g::text, 2, '0'),
       1 + (g - 1) * cardinality(%(specialties)s::text[]) / %(doctors)s, %(slot)s, true
FROM generate_series(1, %(doctors)s) AS g;

INSERT INTO working_hours (doctor_id, weekday, start_minute, end_minute)
SELECT d, w, %(day_start)s, %(day_end)s
FROM generate_series(1, %(doctors)s) AS d CROSS JOIN generate_series(0, 6) AS w;

INSERT INTO users (id, email, name, role, password_hash, language, last_chat_id, created_at)
SELECT g, 'patient' || g || '@bench.invalid', 'Patient ' || g, 'patient', NULL, 'en',
       %(patient_chat)s + g, %(now)s - interval '1 day' * (g %% 365)
FROM generate_series(%(first_patient)s, %(first_patient)s + %(users)s - 1) AS g;

SELECT setval('users_id_seq', (SELECT max(id) FROM users));
SELECT setval('specialties_id_seq', (SELECT max(id) FROM specialties));

-- Every user has talked to the bot: their chat holds a finished conversation.
INSERT INTO chats (chat_id, language, conversation, state, draft, flow, expires_at, updated_at)
SELECT last_chat_id, NULL, NULL, NULL, NULL, 1 + id %% 7, NULL, %(now)s - interval '1 hour'
FROM users;

-- Each flow patient holds two upcoming appointments (days 8 and 9 from today, from 10:00:
-- after the storm's days).
INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, version,
                          created_at, updated_at)
SELECT 1 + (p - %(first_patient)s) %% %(doctors)s, p, t, t + %(slot)s * interval '1 minute',
       'booked', 0, %(now)s, %(now)s
FROM generate_series(%(first_patient)s, %(first_patient)s + %(chats)s - 1) AS p
CROSS JOIN generate_series(8, 9) AS d
CROSS JOIN LATERAL (
    SELECT ((%(today)s::date + d) + time '10:00'
            + ((p - %(first_patient)s) / %(doctors)s) * %(slot)s * interval '1 minute')
           AT TIME ZONE %(tz)s AS t
) AS start;

-- Each doctor sees eight appointments today (09:00-13:00), each with another patient.
INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, status, version,
                          created_at, updated_at)
SELECT d, %(schedule_patient)s + (d - 1) * 8 + k, t, t + %(slot)s * interval '1 minute',
       'booked', 0, %(now)s, %(now)s
FROM generate_series(1, %(doctors)s) AS d
CROSS JOIN generate_series(0, 7) AS k
CROSS JOIN LATERAL (
    SELECT (%(today)s::date + time '09:00' + k * %(slot)s * interval '1 minute')
           AT TIME ZONE %(tz)s AS t
) AS start;

-- Today's agendas count as sent, so none goes out while the bot is measured.
INSERT INTO deliveries (recipient_id, kind, channel, agenda_day, due_at, status, attempts,
                        next_attempt_at, sent_at, created_at, updated_at)
SELECT g, 'agenda', 'telegram', %(today)s::date, %(now)s, 'sent', 1, %(now)s, %(now)s, %(now)s,
       %(now)s
FROM generate_series(1, %(doctors)s) AS g;
"""

SESSIONS = """
INSERT INTO chat_sessions (chat_id, user_id, jti, token, issued_at, expires_at)
SELECT * FROM unnest(%(chats)s::bigint[], %(users)s::int[], %(jtis)s::text[],
                     %(tokens)s::text[], %(issued)s::timestamptz[], %(expires)s::timestamptz[])
"""


@dataclass(frozen=True)
class Clinic:
    """The seeded clinic and who plays what in it."""

    users: int
    chats: int
    storm: int
    now: datetime
    today: date

    @property
    def flow_patients(self) -> list[int]:
        return list(range(FIRST_PATIENT, FIRST_PATIENT + self.chats))

    def storm_patients(self, run: int) -> list[int]:
        first = STORM_PATIENT + run * self.storm
        return list(range(first, first + self.storm))


def _seed(url: str, clinic: Clinic) -> None:
    params = {
        "specialties": list(SPECIALTIES),
        "doctors": DOCTORS,
        "doctor_chat": DOCTOR_CHAT,
        "patient_chat": PATIENT_CHAT,
        "first_patient": FIRST_PATIENT,
        "schedule_patient": SCHEDULE_PATIENT,
        "users": clinic.users,
        "chats": clinic.chats,
        "slot": SLOT,
        "day_start": DAY_START,
        "day_end": DAY_END,
        "now": clinic.now,
        "today": clinic.today,
        "tz": TIMEZONE,
    }
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            for statement in SEED.split(";\n"):
                if statement.strip():
                    conn.execute(statement, params)  # type: ignore[arg-type]
            users = conn.execute("SELECT id, email, role, last_chat_id FROM users").fetchall()
            # Real sessions: tokens signed with the secret the bot runs with.
            columns: dict[str, list[Any]] = {
                k: [] for k in ("chats", "users", "jtis", "tokens", "issued", "expires")
            }
            for user_id, email, role, chat_id in users:
                token, claims = issue_token(
                    SECRET, user_id=user_id, email=email, role=role, now=clinic.now,
                    ttl=SESSION_TTL,
                )  # fmt: skip
                columns["chats"].append(chat_id)
                columns["users"].append(user_id)
                columns["jtis"].append(claims.jti)
                columns["tokens"].append(token)
                columns["issued"].append(claims.issued_at)
                columns["expires"].append(claims.expires_at)
            conn.execute(SESSIONS, columns)
        conn.execute("VACUUM ANALYZE")


def _appointments_of(url: str, patients: list[int]) -> dict[int, int]:
    """How many patients hold 0, 1, 2… live appointments."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT n, count(*) FROM (
                SELECT p, count(a.id) AS n FROM unnest(%s::int[]) AS p
                LEFT JOIN appointments AS a ON a.patient_id = p AND a.status = 'booked'
                GROUP BY p
            ) AS held GROUP BY n ORDER BY n
            """,
            (patients,),
        ).fetchall()
    return {int(n): int(count) for n, count in rows}


# --- the processes ------------------------------------------------------------------------------


def _load() -> str:
    """The machine's CPUs and load average (one, five, fifteen minutes)."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"{os.cpu_count()} CPUs, load average {one} {five} {fifteen}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _memory(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


class Fakes:
    """The child process with the fake Bot APIs and the simulated chats."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(target=serve_fakes, args=(child,), daemon=True)
        self.process.start()

    def ask(self, **request: Any) -> Any:
        self._conn.send(request)
        return self._conn.recv()

    def serve(self, name: str) -> str:
        return str(self.ask(op="serve", name=name)["url"])

    def stop(self) -> None:
        if self.process.is_alive():
            self.ask(op="stop")
            self.process.join(timeout=30)


class Process:
    """The bot or the echo bot, run by ``bench/update_launcher.py``."""

    def __init__(
        self,
        kind: str,
        name: str,
        fakes: Fakes,
        database_url: str,
        workdir: Path,
        *,
        limiter: bool,
        cwd: Path,
    ) -> None:
        self.kind, self.name, self.fakes = kind, name, fakes
        self.report = workdir / f"{name}.json"
        self.profile = workdir / f"{name}.prof"
        self.log = workdir / f"{name}.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in SETTINGS and not k.startswith(SETTING_PREFIXES)
        }
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": fakes.serve(name),
                "DATABASE_URL": database_url,
                "JWT_SECRET": SECRET,
                "CLINIC_TIMEZONE": TIMEZONE,
                "REMINDER_SCAN_SECONDS": str(REMINDER_SCAN_SECONDS),
                "PORT": str(_free_port()),
                "BENCH_REPORT": str(self.report),
                "BENCH_PROFILE": str(self.profile),
                "BENCH_RATE_LIMITER": "on" if limiter else "off",
            }
        )
        with self.log.open("w") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bench.update_launcher", kind],
                cwd=cwd,  # a fresh directory: no .env, only the settings given here
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not fakes.ask(op="polling", name=name, timeout=120)["polling"]:
            self.stop()
            raise RuntimeError(f"the {name} process did not start polling:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text().splitlines()[-lines:])

    @property
    def cpu(self) -> float:
        return _cpu_seconds(self.popen.pid)

    @property
    def memory(self) -> dict[str, float]:
        return _memory(self.popen.pid)

    def _signal_and_wait(self, sig: int, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.popen.send_signal(sig)
        deadline = time.monotonic() + 60
        while not path.exists():
            if time.monotonic() > deadline or self.popen.poll() is not None:
                raise RuntimeError(f"no report from the {self.name} process:\n{self.tail()}")
            time.sleep(0.02)

    def counts(self) -> dict[str, Any]:
        """Statements and transactions since the last call (bot only)."""
        self._signal_and_wait(signal.SIGUSR1, self.report)
        return dict(json.loads(self.report.read_text()))

    def start_profile(self) -> None:
        self.profile.unlink(missing_ok=True)
        self.popen.send_signal(signal.SIGUSR2)

    def stop_profile(self) -> pstats.Stats:
        self._signal_and_wait(signal.SIGUSR2, self.profile)
        return pstats.Stats(str(self.profile))

    def run(self, plan: dict[str, Any]) -> dict[str, Any]:
        result = dict(self.fakes.ask(op="run", name=self.name, plan=plan))
        if self.popen.poll() is not None:
            raise RuntimeError(f"the {self.name} process ended:\n{self.tail()}")
        return result

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


# --- the flows ----------------------------------------------------------------------------------


def _flow_chats(flow: str, clinic: Clinic) -> list[dict[str, Any]]:
    if flow == "schedule":
        doctors = range(1, min(clinic.chats, DOCTORS) + 1)
        return [{"chat": DOCTOR_CHAT + d} for d in doctors]
    chats = []
    per_specialty = DOCTORS // len(SPECIALTIES)
    for i, patient in enumerate(clinic.flow_patients):
        specialty = i % len(SPECIALTIES)
        doctor = 1 + specialty * per_specialty + (i // len(SPECIALTIES)) % per_specialty
        chats.append(
            {"chat": PATIENT_CHAT + patient, "specialty": specialty + 1, "doctor": doctor}
        )
    return chats


def _storm_chats(clinic: Clinic, run: int) -> list[dict[str, Any]]:
    """Each patient's own doctor and time on the run's day: nobody collides."""
    tz = ZoneInfo(TIMEZONE)
    day = clinic.today + timedelta(days=2 + run)
    chats = []
    per_specialty = DOCTORS // len(SPECIALTIES)
    for j, patient in enumerate(clinic.storm_patients(run)):
        doctor = 1 + j % DOCTORS
        minute = DAY_START + (j // DOCTORS) * SLOT
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)
        chats.append(
            {
                "chat": PATIENT_CHAT + patient,
                "specialty": 1 + (doctor - 1) // per_specialty,
                "doctor": doctor,
                "day": day.strftime("%Y%m%d"),
                "time": int(local.timestamp()),
            }
        )
    return chats


@dataclass
class Phase:
    cpu: float  # seconds of the process's CPU
    updates: int
    steps: dict[int, str]
    counts: dict[str, Any] | None
    errors: list[str]

    @property
    def per_update_ms(self) -> float:
        return 1000 * self.cpu / max(self.updates, 1)


def _measure(process: Process, flow: str, chats: list[dict[str, Any]], rounds: int) -> Phase:
    plan = {"flow": flow, "chats": chats, "rounds": rounds, "echo": process.kind == "echo"}
    if process.kind == "bot":
        process.counts()  # start counting afresh
    before = process.cpu
    result = process.run(plan)
    time.sleep(0.3)  # the last update's task ends after its answer was sent
    cpu = process.cpu - before
    counts = process.counts() if process.kind == "bot" else None
    steps = {int(k): v for k, v in result["steps"].items()}
    return Phase(cpu, len(steps), steps, counts, result["errors"])


@dataclass
class FlowFigures:
    bot: list[Phase] = field(default_factory=list)
    echo: list[Phase] = field(default_factory=list)


def _per_step(phases: list[Phase]) -> dict[str, tuple[float, float, float, int]]:
    """Statements, writes and transactions per update by step, and the updates counted."""
    totals: dict[str, list[int]] = {}
    for phase in phases:
        assert phase.counts is not None
        by_update = phase.counts["updates"]
        for update_id, step in phase.steps.items():
            slot = totals.setdefault(step, [0, 0, 0, 0])
            counted = by_update.get(str(update_id), [0, 0, 0])
            for i in range(3):
                slot[i] += counted[i]
            slot[3] += 1
    return {step: (s / n, w / n, t / n, n) for step, (s, w, t, n) in totals.items() if n}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _print_flows(figures: dict[str, FlowFigures], missing: dict[str, str]) -> None:
    print()
    print(
        f"{'flow':<18} {'updates':>7} {'bot CPU/update':>15} {'echo CPU/update':>16} "
        f"{'ratio':>6} {'goal':>5} {'statements':>10} {'writes':>7} {'transactions':>12}"
    )
    for flow, label in LABELS.items():
        if flow in missing:
            print(f"{label:<18} {missing[flow]}")
            continue
        if flow not in figures:
            continue
        found = figures[flow]
        bot = _median([p.per_update_ms for p in found.bot])
        echo = _median([p.per_update_ms for p in found.echo])
        steps = _per_step(found.bot)
        updates = sum(n for *_, n in steps.values())
        statements = sum(s * n for s, _, _, n in steps.values()) / updates
        writes = sum(w * n for _, w, _, n in steps.values()) / updates
        transactions = sum(t * n for _, _, t, n in steps.values()) / updates
        ratio = bot / echo
        mark = "ok" if ratio <= GOALS[flow] else "over"
        print(
            f"{label:<18} {found.bot[0].updates:>7} {bot:>12.2f} ms {echo:>13.2f} ms "
            f"{ratio:>5.1f}× {'≤' + format(GOALS[flow], '.0f') + '×':>5} {statements:>10.2f} "
            f"{writes:>7.2f} {transactions:>12.2f}   {mark}"
        )
    print()
    print("per step (statements / writes / transactions per update):")
    for flow, label in LABELS.items():
        if flow not in figures or flow in missing:
            continue
        steps = _per_step(figures[flow].bot)
        parts = [f"{step} {s:.2f}/{w:.2f}/{t:.2f}" for step, (s, w, t, _) in steps.items()]
        print(f"  {label:<16} " + ", ".join(parts))


def _schedule_missing() -> str | None:
    from bot.application import route_table

    if route_table().command("schedule", []) is None:
        return "not available on this build (/schedule has no route yet)"
    return None


# --- the storm ----------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def _storm(
    bot: Process, echo: Process | None, clinic: Clinic, run: int, database_url: str, title: str
) -> None:
    chats = _storm_chats(clinic, run)
    results = {"bot": bot.run({"flow": "storm", "chats": chats, "rounds": 1, "timeout": 120})}
    if echo is not None:
        results["echo"] = echo.run(
            {"flow": "storm", "chats": chats, "rounds": 1, "timeout": 120, "echo": True}
        )
    print()
    walls = ", ".join(f"{name} {result['wall']:.1f} s" for name, result in results.items())
    print(f"booking storm, {len(chats)} patients at once, {title} (all done in: {walls})")
    header = f"{'step':<10} {'bot p50':>9} {'bot p95':>9}"
    if echo is not None:
        header += f" {'echo p50':>9} {'echo p95':>9}"
    print(header + "   goal p95 < 150 ms")
    for step in STORM_STEPS:
        line = f"{step:<10}"
        for name in results:
            latencies = results[name]["latency"].get(step, [])
            line += f" {1000 * _percentile(latencies, 0.5):>6.0f} ms"
            line += f" {1000 * _percentile(latencies, 0.95):>6.0f} ms"
        p95 = _percentile(results["bot"]["latency"].get(step, []), 0.95)
        print(line + ("   ok" if p95 < 0.150 else "   over"))
    errors = results["bot"]["errors"]
    held = _appointments_of(database_url, [c["chat"] - PATIENT_CHAT for c in chats])
    exactly_one = held.get(1, 0)
    print(
        f"errors: {len(errors)}; times taken meanwhile and rebooked: {results['bot']['retries']}; "
        f"patients holding exactly one appointment: {exactly_one} of {len(chats)}"
        + ("" if exactly_one == len(chats) else f" (by appointments held: {held})")
    )
    for error in errors[:5]:
        print(f"  {error}")
    echo_errors = results["echo"]["errors"] if echo is not None else []
    if echo_errors:
        print(f"echo errors: {len(echo_errors)}, e.g. {echo_errors[0]}")


# --- the profile --------------------------------------------------------------------------------


def _module_of(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            if marker == "/lib/python3":
                tail = "stdlib/" + tail.split("/", 1)[-1]
            return tail.split("/")[0] if marker == "/site-packages/" else tail.split("/")[1]
    if str(ROOT) in path:
        return path.split(str(ROOT) + "/", 1)[1].split("/")[0]
    return "(built-in)" if path.startswith("~") else path


def _print_profile(stats: pstats.Stats, updates: int, top: int = 25) -> None:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    by_module: dict[str, float] = {}
    for (filename, _, _), entry in raw.items():
        module = _module_of(filename)
        by_module[module] = by_module.get(module, 0.0) + entry[2]
    print()
    print(
        f"where the bot's CPU goes (cProfile over {updates} updates of /me, "
        f"{1000 * total / updates:.2f} ms of CPU per update under the profiler; own time "
        "by package):"
    )
    for module, spent in sorted(by_module.items(), key=lambda item: -item[1])[:12]:
        print(f"  {100 * spent / total:5.1f} %  {module}")
    print(f"top {top} functions by own time:")
    rows = sorted(raw.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), entry in rows:
        where = f"{_module_of(filename)}:{Path(filename).name}:{line}({name})"
        print(f"  {100 * entry[2] / total:5.1f} %  {entry[1]:>8} calls  {where}")
    print(
        f"top {top} of our functions by cumulative time per update (rough for coroutines: "
        "cProfile counts each resumption as a call):"
    )
    ours = [
        item for item in raw.items() if str(ROOT) in item[0][0] and "/bench/" not in item[0][0]
    ]
    for (filename, line, name), entry in sorted(ours, key=lambda item: -item[1][3])[:top]:
        short = filename.split(str(ROOT) + "/", 1)[1]
        print(f"  {1000 * entry[3] / updates:7.3f} ms  {short}:{line}({name})")


def _package_of(frame: str) -> str:
    """``function (path/file.py:line)`` as py-spy writes it → the package (or stdlib module)."""
    where = frame.rsplit(" (", 1)[-1].rstrip(")")
    path = where.rsplit(":", 1)[0]
    if path.startswith("<"):
        return path
    return path.split("/")[0] if "/" in path else path.removesuffix(".py")


def _print_py_spy(raw: Path, updates: int, top: int = 25) -> None:
    """py-spy's collapsed stacks: own samples by package and function, and the share of
    samples inside each of our functions (inclusive)."""
    own: dict[str, int] = {}
    leaves: dict[str, int] = {}
    inside: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaf = frames[-1]
        own[_package_of(leaf)] = own.get(_package_of(leaf), 0) + count
        leaves[leaf] = leaves.get(leaf, 0) + count
        for frame in set(frames):
            if _package_of(frame) in ("bot", "db"):
                inside[frame] = inside.get(frame, 0) + count
    if not total:
        print("py-spy recorded no samples")
        return
    print()
    print(f"where the bot's CPU goes (py-spy, {total} samples over {updates} updates of /me):")
    print("own samples by package:")
    for package, count in sorted(own.items(), key=lambda item: -item[1])[:15]:
        print(f"  {100 * count / total:5.1f} %  {package}")
    print(f"top {top} functions by own samples:")
    for frame, count in sorted(leaves.items(), key=lambda item: -item[1])[:top]:
        print(f"  {100 * count / total:5.1f} %  {frame}")
    print(f"top {top} of our functions by samples inside them (inclusive):")
    for frame, count in sorted(inside.items(), key=lambda item: -item[1])[:top]:
        print(f"  {100 * count / total:5.1f} %  {frame}")


def _profile(bot: Process, clinic: Clinic, rounds: int, py_spy: str | None) -> None:
    chats = _flow_chats("me", clinic)
    if py_spy is None:
        bot.start_profile()
        phase = _measure(bot, "me", chats, rounds)
        _print_profile(bot.stop_profile(), phase.updates)
        return
    raw = bot.profile.with_suffix(".py-spy.txt")
    command = [py_spy, "record", "--pid", str(bot.popen.pid), "--format", "raw"]
    command += ["--output", str(raw), "--rate", "250", "--function", "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    phase = _measure(bot, "me", chats, rounds)
    spy.send_signal(signal.SIGINT)
    _, stderr = spy.communicate(timeout=60)
    if not raw.exists():
        print(f"py-spy wrote nothing: {stderr.decode(errors='replace').strip()[-400:]}")
        return
    _print_py_spy(raw, phase.updates)


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--chats", type=int, default=20, help="chats at once in each flow")
    parser.add_argument("--rounds", type=int, default=10, help="times each chat runs a flow")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each flow")
    parser.add_argument("--users", type=int, default=10_000, help="registered patients")
    parser.add_argument("--storm", type=int, default=200, help="patients in the storm (0: none)")
    parser.add_argument(
        "--flows",
        default=",".join(LABELS),
        help="comma list of the flows to measure (default: all)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the bot over one more /me phase"
    )
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="with --profile: sample with this py-spy executable instead of cProfile",
    )
    parser.add_argument(
        "--logs", type=Path, help="keep the processes' logs and reports in this directory"
    )
    args = parser.parse_args()
    flows = [f.strip() for f in args.flows.split(",") if f.strip()]
    if unknown := set(flows) - set(LABELS):
        parser.error(f"unknown flows: {', '.join(sorted(unknown))}")
    if not 1 <= args.chats <= 100:
        parser.error("--chats must be between 1 and 100")
    if not 0 <= args.storm <= DOCTORS * (DAY_END - DAY_START) // SLOT:
        parser.error("--storm must be between 0 and 480")
    if args.users < STORM_PATIENT - FIRST_PATIENT + 2 * args.storm:
        parser.error(f"--users must be at least {STORM_PATIENT - FIRST_PATIENT + 2 * args.storm}")

    now = datetime.now(UTC)
    clinic = Clinic(
        users=args.users,
        chats=args.chats,
        storm=args.storm,
        now=now,
        today=now.astimezone(ZoneInfo(TIMEZONE)).date(),
    )
    missing = {}
    if "schedule" in flows and (why := _schedule_missing()):
        missing["schedule"] = why
    url = _scratch(args.server_url)
    fakes: Fakes | None = None
    running: list[Process] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench_updates_") as scratch_dir:
            cwd = Path(scratch_dir)
            workdir = (args.logs or cwd).resolve()
            workdir.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            upgrade_to_head(url)
            _seed(url, clinic)
            total_users = args.users + DOCTORS
            print(
                f"clinic: {total_users:,} users, each with a live session and a past "
                f"conversation; {DOCTORS} doctors in {len(SPECIALTIES)} specialties "
                f"(loaded in {time.perf_counter() - started:.0f} s)"
            )
            print(f"machine: {_load()} at the start")
            print(
                f"REMINDER_SCAN_SECONDS={REMINDER_SCAN_SECONDS} during the measurements, so the "
                "reminder scan does not run inside them; statements outside updates (jobs) "
                "are counted apart"
            )
            fakes = Fakes()
            bot = Process("bot", "bot", fakes, url, workdir, limiter=True, cwd=cwd)
            running.append(bot)
            echo = Process("echo", "echo", fakes, url, workdir, limiter=True, cwd=cwd)
            running.append(echo)
            measured = [f for f in flows if f not in missing]
            # Warm up: every chat runs every flow once on both, unmeasured; the start-up jobs
            # (the first reminder scan, today's agendas) are over by then.
            time.sleep(6)
            for flow in measured:
                for process in (bot, echo):
                    _measure(process, flow, _flow_chats(flow, clinic), 1)
            figures = {flow: FlowFigures() for flow in measured}
            background = [0, 0, 0]
            errors: list[str] = []
            for repeat in range(args.repeat):
                # Alternate which goes first, so a drift in the machine's load hits both alike.
                order = (bot, echo) if repeat % 2 == 0 else (echo, bot)
                for flow in measured:
                    for process in order:
                        phase = _measure(process, flow, _flow_chats(flow, clinic), args.rounds)
                        getattr(figures[flow], process.kind).append(phase)
                        errors += phase.errors
                        if phase.counts is not None:
                            for i in range(3):
                                background[i] += phase.counts["background"][i]
            print(
                f"{args.chats} chats, closed loops, {args.rounds} rounds; CPU per update is the "
                f"median of {args.repeat} measurements; the echo bot answers the same updates"
            )
            _print_flows(figures, missing)
            print(
                f"outside updates during the measurements: {background[0]} statements in "
                f"{background[2]} transactions; errors: {len(errors)}"
            )
            for error in errors[:5]:
                print(f"  {error}")
            served = sum(p.updates for f in figures.values() for p in f.bot)
            memory, echo_memory = bot.memory, echo.memory
            print()
            print(
                f"memory: the bot's resident size with {total_users:,} users, after serving "
                f"{served:,} updates: {memory['VmRSS']:.1f} MB (peak {memory['VmHWM']:.1f} MB); "
                f"goal ≤ 120 MB {'ok' if memory['VmRSS'] <= 120 else 'over'}; "
                f"the echo bot: {echo_memory['VmRSS']:.1f} MB"
            )
            if args.profile:
                _profile(bot, clinic, args.rounds, args.py_spy)
            if args.storm:
                _storm(bot, echo, clinic, 0, url, "as clinic-bot run builds the bot")
                for process in (bot, echo):
                    process.stop()
                    running.remove(process)
                bot = Process("bot", "bot-nolimit", fakes, url, workdir, limiter=False, cwd=cwd)
                running.append(bot)
                echo = Process("echo", "echo-nolimit", fakes, url, workdir, limiter=False, cwd=cwd)
                running.append(echo)
                time.sleep(6)
                _storm(
                    bot,
                    echo,
                    clinic,
                    1,
                    url,
                    "without the rate limiter (a diagnostic: the bot's own latency)",
                )
            print()
            print(f"machine: {_load()} at the end")
    finally:
        for process in running:
            process.stop()
        if fakes is not None:
            fakes.stop()
        _drop(args.server_url, url)


if __name__ == "__main__":
    main()
