"""`harness simulate --days N`: N business days run unattended (CA-01).

Each day the shop advances one day (with some bad and late-arriving rows), then
load-daily runs with its quality gates, then the smoke test. On one day a transient
failure is injected for real (the ETL's database session is terminated while it
waits in fact_vendas) and the day is retried, as a scheduler with one retry would.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import psycopg

from harness import db, jobs, smoke
from harness.errors import DatabaseUnavailable, HarnessError, QualityGateFailed
from harness.runs import RunFailed

RETRYABLE = (DatabaseUnavailable, RunFailed)


@dataclass
class DayResult:
    day: date
    status: str
    attempts: int
    rows: int = 0
    rejected: int = 0
    seconds: float = 0.0
    checks_passed: int = 0
    checks_total: int = 0
    smoke_ok: bool = False
    notes: list[str] = field(default_factory=list)


def _business_days(start: date, n: int) -> list[date]:
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


class TransientFailure:
    """Terminates the ETL session once, when it waits for fact.fact_vendas."""

    def __init__(self) -> None:
        self.fired = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc):
        self._thread.join(90)

    def _run(self) -> None:
        with db.connect("dw", "admin", autocommit=True) as conn:
            conn.execute("BEGIN")
            conn.execute("LOCK TABLE fact.fact_vendas IN ACCESS EXCLUSIVE MODE")
            self._ready.set()
            deadline = time.time() + 60
            while time.time() < deadline:
                pids = conn.execute(
                    "SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'fact.fact_vendas'::regclass").fetchall()
                if pids:
                    conn.execute("SELECT pg_terminate_backend(%s)", (pids[0][0],))
                    self.fired.set()
                    break
                time.sleep(0.05)
            conn.execute("ROLLBACK")


def simulate(days: int, start: date | None = None, bad_rows: float = 0.01, fail_on_day: int | None = 3,
             seed: int = 7, on_day=None) -> list[DayResult]:
    from harness.oltp import advance as advance_mod

    if start is None:
        with db.connect("oltp", "etl", autocommit=True) as shop:
            last = shop.execute("SELECT max((ordered_at AT TIME ZONE 'America/Sao_Paulo')::date) FROM shop.orders").fetchone()[0]
        start = (last or date.today()) + timedelta(days=1)
    results = []
    for index, day in enumerate(_business_days(start, days), start=1):
        advance_mod.advance(days=1, date=day, bad_rows=bad_rows, seed=seed + index)
        result = DayResult(day, "failed", 0)
        started = time.perf_counter()
        for attempt in (1, 2):
            result.attempts = attempt
            try:
                if attempt == 1 and index == fail_on_day:
                    with TransientFailure() as fault:
                        summary = jobs.load_daily_job(day, "simulate")
                    if not fault.fired.is_set():
                        result.notes.append("injected failure did not fire")
                else:
                    summary = jobs.load_daily_job(day, "simulate")
            except QualityGateFailed as exc:
                result.status = "blocked"
                result.notes.append(str(exc))
                break
            except RETRYABLE as exc:
                result.notes.append(f"attempt {attempt}: {exc}")
                continue
            result.status = "succeeded"
            result.rows = sum(e["rows_inserted"] + e["rows_updated"] + e["rows_deleted"] for e in summary.entities
                              if e["entity"].startswith("fact"))
            result.rejected = sum(e["rows_rejected"] for e in summary.entities)
            result.checks_total = len(summary.checks)
            result.checks_passed = sum(1 for c in summary.checks if c.status == "pass")
            break
        result.seconds = round(time.perf_counter() - started, 2)
        if result.status == "succeeded":
            try:
                lines = smoke.run_smoke()
                result.smoke_ok = not any(line.fails for line in lines)
                result.notes += [f"smoke{' (aviso)' if l.warning else ''}: {l.name}: {l.detail}"
                                 for l in lines if not l.ok]
            except (HarnessError, psycopg.Error) as exc:
                result.notes.append(f"smoke: {exc}")
            if not result.smoke_ok:
                result.status = "failed"
        results.append(result)
        if on_day:
            on_day(result)
    return results
