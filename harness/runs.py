"""A harness run: the advisory lock, its audit.etl_run row, and how it ends.

One run at a time: the run holds a session advisory lock on the warehouse for its
whole life; a second run gets AlreadyRunning and changes nothing. Rows of runs that
were killed (status still 'running' while nobody holds the lock) are marked 'stale'
by the next run. The run row is written in autocommit, outside the entity
transactions, so a failed entity still leaves its failure recorded.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.types.json import Jsonb

from harness import db, logs
from harness.errors import AlreadyRunning, DatabaseUnavailable, HarnessError
from harness.paths import database_dir, project_dir

RUN_LOCK_KEY = 0x6C6F6164  # "load": shared by load-daily, reprocess and simulate


class RunFailed(HarnessError):
    exit_code = 1


@dataclass
class Run:
    run_id: int
    conn: psycopg.Connection     # autocommit, holds the advisory lock
    command: str
    step: str | None = None
    final_status: str = "succeeded"   # a run may end 'blocked' (quality gate) without an exception

    def set_step(self, step: str) -> None:
        self.step = step


def code_version() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=project_dir(),
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def procs_checksum() -> str:
    digest = hashlib.sha256()
    for path in sorted((database_dir() / "procs").glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def exclusive_run(command: str, trigger: str = "manual", business_date: date | None = None,
                  parameters: dict | None = None):
    """Yield a Run holding the load lock; close its audit row as succeeded or failed."""
    conn = db.connect("dw", "etl", autocommit=True)
    try:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,)).fetchone()[0]
        if not got:
            holder = conn.execute(
                "SELECT run_id, command, started_at, pid FROM audit.etl_run WHERE status = 'running' "
                "ORDER BY run_id DESC LIMIT 1").fetchone()
            detail = (f": run {holder[0]} ({holder[1]}) started at {holder[2]:%Y-%m-%d %H:%M:%S %Z}, pid {holder[3]}"
                      if holder else "")
            raise AlreadyRunning(f"another harness run holds the load lock{detail}; nothing was changed")
        stale = conn.execute(
            "UPDATE audit.etl_run SET status = 'stale', finished_at = clock_timestamp(), "
            "error_message = coalesce(error_message, 'process ended without closing its run (killed or crashed); "
            "marked stale by the next run') WHERE status = 'running' RETURNING run_id").fetchall()
        run_id = conn.execute(
            "INSERT INTO audit.etl_run (command, trigger, business_date, host, pid, code_version, procs_checksum, parameters)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING run_id",
            (command, trigger, business_date, socket.gethostname(), os.getpid(), code_version(), procs_checksum(),
             Jsonb(parameters or {}))).fetchone()[0]
        logs.bind_run(run_id)
        log = logs.get_logger()
        log.info("run_started", command=command, trigger=trigger, business_date=business_date,
                 stale_runs=[r[0] for r in stale])
        run = Run(run_id, conn, command)
        try:
            yield run
        except BaseException as exc:
            _close_failed(run, exc)
            raise
        else:
            conn.execute("UPDATE audit.etl_run SET status = %s, finished_at = clock_timestamp(), failed_step = %s "
                         "WHERE run_id = %s", (run.final_status, None if run.final_status == "succeeded" else run.step,
                                               run_id))
            log.info("run_finished", status=run.final_status)
        finally:
            logs.unbind_run()
    finally:
        conn.close()  # ends the session, releasing the advisory lock


def _close_failed(run: Run, exc: BaseException) -> None:
    log = logs.get_logger()
    try:  # let callers (alerts) name the run and the step without another query
        exc.run_id, exc.step = run.run_id, run.step  # type: ignore[attr-defined]
    except AttributeError:
        pass
    sqlstate = getattr(exc, "sqlstate", None)
    message = _one_line(exc)
    status = getattr(exc, "run_status", "failed")
    log.error("run_failed", step=run.step, sqlstate=sqlstate, error=message, error_type=type(exc).__name__)
    try:
        run.conn.execute(
            "UPDATE audit.etl_run SET status = %s, finished_at = clock_timestamp(), failed_step = %s, "
            "error_sqlstate = %s, error_message = %s WHERE run_id = %s",
            (status, run.step, sqlstate, message, run.run_id))
    except psycopg.Error:
        # the database went away: the run row stays 'running' and the next run marks it stale
        log.error("run_row_not_closed", reason="database unreachable")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        text = exc.diag.message_primary
        if exc.diag.context:
            text += f" ({exc.diag.context.strip().splitlines()[-1]})"
        return text[:2000]
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:2000]


def fail_from_db_error(step: str, exc: psycopg.Error) -> HarnessError:
    """The operator's one-line error for a database error in a step; keeps the SQLSTATE for the audit row."""
    if isinstance(exc, psycopg.OperationalError):
        err: HarnessError = DatabaseUnavailable(f"{step}: the database connection was lost ({_one_line(exc)})")
    else:
        err = RunFailed(f"{step} failed: {_one_line(exc)} [SQLSTATE {exc.sqlstate}]")
    err.sqlstate = exc.sqlstate  # type: ignore[attr-defined]
    return err
