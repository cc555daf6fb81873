"""A harness run: the load lock, its audit.etl_run row, and how it ends.

One run at a time: the run holds a row lock on ctl.load_lock (`SELECT ... FOR UPDATE`) in
an open transaction of a connection of its own, for its whole life; a second run gets
AlreadyRunning and changes nothing. Only roles with UPDATE on ctl.load_lock (etl_writer,
dw_owner) can take that lock: bi_reader cannot hold the ETL back. The run row records
the lock's backend (lock_pid); rows of runs whose lock session is gone (the process was
killed, or the database stopped under it) are closed as 'stale' by the next run, with
the last step they started (audit.etl_run_step) and why.

The audit is append-only for etl_writer: the run row is inserted 'running' and ends
once, through audit.fn_encerrar_execucao. It is written in autocommit, outside the
entity transactions, so a failed entity still leaves its failure recorded. Every error
message is redacted (harness.redact) before it is stored or logged.
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
from harness.errors import AlreadyRunning, ConfigError, DatabaseUnavailable, HarnessError, NotInstalled
from harness.paths import database_dir, project_dir
from harness.redact import redact, redact_obj

TRIGGERS = ("manual", "schedule", "simulate", "test", "bench")   # audit.etl_run.trigger accepts these only


class RunFailed(HarnessError):
    exit_code = 1


@dataclass
class Run:
    run_id: int
    conn: psycopg.Connection     # autocommit: the audit row's connection
    command: str
    step: str | None = None
    final_status: str = "succeeded"   # a run may end 'blocked' (quality gate) without an exception

    def set_step(self, step: str) -> None:
        """The step the run is in; recorded at once, so a run killed in it is known to have died there."""
        self.step = step
        try:
            self.conn.execute("INSERT INTO audit.etl_run_step (run_id, step) VALUES (%s, %s)", (self.run_id, step))
        except psycopg.Error as exc:  # the step's own work meets the same failure and reports it
            logs.get_logger().warning("run_step_not_recorded", step=step, error=_one_line(exc))


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


def _take_load_lock() -> psycopg.Connection:
    """A connection whose open transaction holds ctl.load_lock, or AlreadyRunning naming the holder."""
    lock = db.connect("dw", "etl", options="-c idle_in_transaction_session_timeout=0")
    try:
        try:
            if lock.execute("SELECT 1 FROM ctl.load_lock WHERE lock_name = 'load' FOR UPDATE NOWAIT").fetchone():
                return lock
            raise NotInstalled("the load lock's row (ctl.load_lock 'load') is missing: run `harness migrate`")
        except psycopg.errors.UndefinedTable:
            raise NotInstalled("the warehouse has no load lock (ctl.load_lock): run `harness migrate`") from None
        except psycopg.errors.LockNotAvailable:
            lock.rollback()
        holder = lock.execute(  # the holder is the transaction whose id is in the row's xmax
            "SELECT r.run_id, r.command, r.started_at, r.pid, l.pid FROM ctl.load_lock k "
            "JOIN pg_locks l ON l.locktype = 'transactionid' AND l.transactionid = k.xmax AND l.granted "
            "AND l.mode = 'ExclusiveLock' "
            "LEFT JOIN audit.etl_run r ON r.lock_pid = l.pid AND r.status = 'running' "
            "WHERE k.lock_name = 'load' ORDER BY r.run_id DESC NULLS LAST LIMIT 1").fetchone()
        if holder and holder[0] is not None:
            detail = f": run {holder[0]} ({holder[1]}) started at {holder[2]:%Y-%m-%d %H:%M:%S %Z}, pid {holder[3]}"
        elif holder:
            detail = f": database session pid {holder[4]}"
        else:
            detail = ""
        raise AlreadyRunning(f"another harness run holds the load lock{detail}; nothing was changed")
    except BaseException:
        lock.close()
        raise


def _check_schema_current(conn: psycopg.Connection) -> None:
    """Refuse to run code newer than the warehouse's schema (a `harness migrate` is due)."""
    from harness import migrate

    applied = {r[0] for r in conn.execute("SELECT version FROM ctl.schema_migrations WHERE type = 'V'")}
    pending = [s.name for s in migrate.discover() if s.target == "dw" and s.kind == "V" and s.version not in applied]
    if pending:
        raise NotInstalled(f"the warehouse's schema is older than this code ({len(pending)} migration(s) pending, "
                           f"first {pending[0]}): run `harness migrate`")


@contextmanager
def exclusive_run(command: str, trigger: str = "manual", business_date: date | None = None,
                  parameters: dict | None = None):
    """Yield a Run holding the load lock; close its audit row as succeeded, blocked or failed."""
    if trigger not in TRIGGERS:
        raise ConfigError(f"unknown trigger {trigger!r}: one of {', '.join(TRIGGERS)}")
    lock = _take_load_lock()
    try:
        conn = db.connect("dw", "etl", autocommit=True)
        try:
            _check_schema_current(conn)
            stale = [r[0] for r in conn.execute("SELECT * FROM audit.fn_marcar_execucoes_abandonadas()")]
            run_id = conn.execute(
                "INSERT INTO audit.etl_run (command, trigger, business_date, host, pid, code_version, procs_checksum,"
                " parameters, lock_pid) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING run_id",
                (command, trigger, business_date, socket.gethostname(), os.getpid(), code_version(),
                 procs_checksum(), Jsonb(redact_obj(parameters or {})), lock.info.backend_pid)).fetchone()[0]
            logs.bind_run(run_id)
            log = logs.get_logger()
            log.info("run_started", command=command, trigger=trigger, business_date=business_date,
                     stale_runs=stale)
            run = Run(run_id, conn, command)
            try:
                yield run
            except BaseException as exc:
                _close_failed(run, exc)
                raise
            else:
                conn.execute("SELECT audit.fn_encerrar_execucao(%s, %s, %s)",
                             (run_id, run.final_status, None if run.final_status == "succeeded" else run.step))
                log.info("run_finished", status=run.final_status)
            finally:
                logs.unbind_run()
        finally:
            conn.close()
    finally:
        lock.close()  # ends the lock's transaction: the load lock is released


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
        run.conn.execute("SELECT audit.fn_encerrar_execucao(%s, %s, %s, %s, %s)",
                         (run.run_id, status, run.step, sqlstate, message))
    except psycopg.Error:
        # the database went away: the run row stays 'running'; the next run marks it stale,
        # with this step (audit.etl_run_step) and the reason
        log.error("run_row_not_closed", reason="database unreachable")


def _one_line(exc: BaseException) -> str:
    """The error in one redacted line (at most 2000 characters), for the audit row and the log."""
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        text = exc.diag.message_primary
        if exc.diag.context:
            text += f" ({exc.diag.context.strip().splitlines()[-1]})"
        return redact(text)[:2000]
    return redact((str(exc).strip().splitlines() or [type(exc).__name__])[0])[:2000]


def fail_from_db_error(step: str, exc: psycopg.Error) -> HarnessError:
    """The operator's one-line error for a database error in a step; keeps the SQLSTATE for the audit row."""
    if isinstance(exc, psycopg.OperationalError):
        err: HarnessError = DatabaseUnavailable(f"{step}: the database connection was lost ({_one_line(exc)})")
    else:
        err = RunFailed(f"{step} failed: {_one_line(exc)} [SQLSTATE {exc.sqlstate}]")
    err.sqlstate = exc.sqlstate  # type: ignore[attr-defined]
    return err
