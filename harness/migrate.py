"""Migration runner: versioned files applied once, repeatable objects re-applied on change.

Flyway's model, kept small because no maintained Python library does Flyway-style
versioned *and* repeatable SQL migrations against psycopg 3 with per-file
transactions and line-accurate errors (yoyo and alembic have no repeatables;
Flyway itself needs a JVM). The rules:

- `migrations/<target>/V<nnn>__<description>.sql` (target `oltp` or `dw`) are applied
  once, in version order, each in its own transaction together with its history row
  in `ctl.schema_migrations`. An applied file whose checksum changed is an error; so is
  an applied file that is missing or renamed, and a new file numbered below the highest
  applied version (unless `allow_out_of_order`, for the rare hotfix).
- `database/procs/*.sql` then `database/views/*.sql` are repeatable objects of the
  warehouse: re-applied (each in its own transaction) whenever their checksum differs
  from the last applied one.
- Files run as `dw_owner`, so it owns every object. A file whose header contains
  `-- harness:run-as admin` runs as the server's administrator instead (event
  triggers and extensions need it).
- Concurrent runs serialize on a row lock (`SELECT ... FOR UPDATE`) of ctl.migrate_lock in
  the warehouse database, taken by dw_owner after the roles and databases exist (their
  creation tolerates a concurrent creator); bi_reader, with no access to schema ctl,
  cannot take it. A run that finds it held says so (`on_wait`) and gives up after
  `lock_timeout` seconds (AlreadyRunning, exit code 4). A dry run takes no lock. A file
  that waits longer than `lock_timeout` for a lock another session holds (a dashboard's
  open transaction on a view being replaced) fails, naming the file, instead of hanging.
- Database privileges: the warehouse and shop databases are closed to PUBLIC (etl_writer
  connects to both, bi_reader to the warehouse only), and so are the maintenance
  databases `postgres` and `template1`.
- A failing file rolls back entirely (the history is unchanged) and the error names
  the file and the line.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import sqlparse
from psycopg import sql

from harness import db
from harness.config import ROLES, Settings, load_settings
from harness.errors import AlreadyRunning, MigrationError
from harness.paths import database_dir, migrations_dir

MAINTENANCE_DATABASES = ("postgres", "template1")
VERSIONED = re.compile(r"^V(?P<version>\d+)__(?P<description>[\w-]+)\.sql$")
RUN_AS_ADMIN = "-- harness:run-as admin"

HISTORY_DDL = """
CREATE SCHEMA IF NOT EXISTS ctl;
CREATE TABLE IF NOT EXISTS ctl.schema_migrations (
    installed_rank integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version        text,
    description    text        NOT NULL,
    type           char(1)     NOT NULL CHECK (type IN ('V', 'R')),
    script         text        NOT NULL,
    checksum       text        NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now(),
    duration_ms    integer     NOT NULL,
    applied_by     text        NOT NULL DEFAULT current_user,
    UNIQUE (version)
);
COMMENT ON TABLE ctl.schema_migrations IS
    'Migration history written by harness migrate: one row per versioned file, one per re-application of a repeatable file.';
"""

MIGRATE_LOCK_DDL = """
CREATE SCHEMA IF NOT EXISTS ctl;
CREATE TABLE IF NOT EXISTS ctl.migrate_lock (lock_name text PRIMARY KEY);
INSERT INTO ctl.migrate_lock VALUES ('migrate') ON CONFLICT DO NOTHING;
COMMENT ON TABLE ctl.migrate_lock IS
    'Trava de harness migrate: a migração em curso segura a linha ''migrate'' (SELECT ... FOR UPDATE); só dw_owner.';
REVOKE ALL ON ctl.migrate_lock FROM PUBLIC;
"""


LOCK_MIGRATE = "SELECT lock_name FROM ctl.migrate_lock WHERE lock_name = 'migrate' FOR UPDATE"


class MigrationHistoryError(MigrationError):
    """The applied history no longer matches the files: refused before anything runs."""

    exit_code = 2


@dataclass(frozen=True)
class Script:
    target: str          # 'oltp' or 'dw'
    kind: str            # 'V' or 'R'
    path: Path
    version: str | None
    description: str

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def name(self) -> str:
        return f"{self.path.parent.parent.name}/{self.path.parent.name}/{self.path.name}"


@dataclass
class MigrationReport:
    created_databases: list[str] = field(default_factory=list)
    created_roles: list[str] = field(default_factory=list)
    applied: list[Script] = field(default_factory=list)
    pending: list[Script] = field(default_factory=list)   # dry run: what would be applied
    dry_run: bool = False

    @property
    def up_to_date(self) -> bool:
        return not (self.created_databases or self.created_roles or self.applied or self.pending)


def discover(root_migrations: Path | None = None, root_database: Path | None = None) -> list[Script]:
    """All scripts in application order: versioned oltp, versioned dw, then repeatables."""
    mig = root_migrations or migrations_dir()
    dbdir = root_database or database_dir()
    scripts: list[Script] = []
    for target in ("oltp", "dw"):
        found = []
        for path in sorted((mig / target).glob("*.sql")):
            match = VERSIONED.match(path.name)
            if not match:
                raise MigrationError(f"{path}: a versioned migration must be named V<number>__<description>.sql")
            found.append(Script(target, "V", path, str(int(match["version"])), match["description"]))
        versions = [s.version for s in found]
        if len(set(versions)) != len(versions):
            raise MigrationError(f"migrations/{target}: two files share a version number")
        scripts += sorted(found, key=lambda s: int(s.version))
    for folder in ("procs", "views"):
        for path in sorted((dbdir / folder).glob("*.sql")):
            scripts.append(Script("dw", "R", path, None, path.stem))
    return scripts


def _statements(text: str) -> list[tuple[int, str]]:
    """Split a file into statements, each with the line it starts on (1-based)."""
    out, cursor = [], 0
    for stmt in sqlparse.split(text):
        if not stmt.strip() or not sqlparse.format(stmt, strip_comments=True).strip():
            continue
        start = text.find(stmt, cursor)
        cursor = start + len(stmt)
        out.append((text.count("\n", 0, start) + 1, stmt))
    return out


def _run_script(conn: psycopg.Connection, script: Script) -> None:
    text = script.text
    for line, stmt in _statements(text):
        try:
            conn.execute(stmt.encode())  # bytes: psycopg must not look for %s placeholders
        except psycopg.Error as err:
            diag = err.diag
            at = line
            if diag.statement_position:
                at = line + stmt.count("\n", 0, int(diag.statement_position) - 1)
            where = f" ({diag.context.strip().splitlines()[0]})" if diag.context else ""
            if isinstance(err, psycopg.errors.LockNotAvailable):
                where += (": another session (a dashboard's open transaction, a psql) holds a lock on an object "
                          "this file changes; nothing was applied, run migrate again when it ends")
            raise MigrationError(
                f"{script.name}, line {at}: {diag.message_primary or err}{where} [SQLSTATE {err.sqlstate}]"
            ) from err


_ALREADY_THERE = (psycopg.errors.DuplicateObject, psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation,
                  psycopg.errors.DuplicateTable, psycopg.errors.DuplicateSchema)


def _ensure_roles(admin: psycopg.Connection, settings: Settings, report: MigrationReport,
                  passwords: bool = True) -> None:
    for key, role in ROLES.items():
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            if report.dry_run:
                report.created_roles.append(role)
                continue
            try:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
                report.created_roles.append(role)
            except _ALREADY_THERE:
                pass  # a concurrent migrate created it first
        password = settings.role_passwords.get(key)
        if password and passwords and not report.dry_run:
            # DDL takes no bind parameters; Literal quotes it. The statement is never logged.
            admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))


def _ensure_database(admin: psycopg.Connection, name: str, report: MigrationReport) -> bool:
    if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        return True
    if report.dry_run:
        report.created_databases.append(name)
        return False
    try:
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER dw_owner").format(sql.Identifier(name)))
        report.created_databases.append(name)
    except _ALREADY_THERE:
        pass  # a concurrent migrate created it first
    return True  # who may connect is set under the migrate lock (set_database_privileges)


def set_database_privileges(admin: psycopg.Connection, dw_name: str, oltp_name: str | None) -> None:
    """Who may connect where: etl_writer to both databases, bi_reader to the warehouse only,
    PUBLIC (so bi_reader) to none of them nor to the maintenance databases. Idempotent.
    oltp_name None: the shop is an external database (OLTP_URL) this harness does not own."""
    ident = sql.Identifier
    stmts = [sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(dw_name)),
             sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO etl_writer").format(ident(dw_name)),
             sql.SQL("GRANT CONNECT ON DATABASE {} TO bi_reader").format(ident(dw_name))]
    if oltp_name:
        stmts += [sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(oltp_name)),
                  sql.SQL("REVOKE ALL ON DATABASE {} FROM bi_reader").format(ident(oltp_name)),
                  sql.SQL("GRANT CONNECT ON DATABASE {} TO etl_writer").format(ident(oltp_name))]
    present = {r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                                           (list(MAINTENANCE_DATABASES),))}
    for name in MAINTENANCE_DATABASES:
        if name in present:  # an account that does not own them gets a warning, not an error
            stmts.append(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(ident(name)))
    for stmt in stmts:
        for attempt in range(5):
            try:
                admin.execute(stmt)
                break
            except psycopg.errors.InternalError_ as exc:  # "tuple concurrently updated": a migrate of
                if attempt == 4 or "concurrently" not in str(exc):  # another warehouse on this server
                    raise
                time.sleep(0.1 * (attempt + 1))


def _history(conn: psycopg.Connection) -> tuple[dict[str, str], dict[str, str]]:
    """(version -> checksum of versioned files, description -> last checksum of repeatables)."""
    exists = conn.execute("SELECT to_regclass('ctl.schema_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return {}, {}
    versioned = dict(conn.execute(
        "SELECT version, checksum FROM ctl.schema_migrations WHERE type = 'V'").fetchall())
    repeatable = dict(conn.execute(
        "SELECT DISTINCT ON (script) script, checksum FROM ctl.schema_migrations "
        "WHERE type = 'R' ORDER BY script, installed_rank DESC").fetchall())
    return versioned, repeatable


def _apply(script: Script, settings: Settings, lock_timeout: float = 0) -> None:
    """One file in one transaction with its history row; a lock it waits for longer than
    lock_timeout seconds (0: for ever) fails the file instead of hanging the migrate."""
    role = "admin" if RUN_AS_ADMIN in script.text.split("\n\n", 1)[0] else "owner"
    started = time.perf_counter()
    with db.connect(script.target, role, settings=settings) as conn:
        if lock_timeout > 0:
            conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout * 1000)}ms")))
            conn.commit()
        with conn.transaction():
            _run_script(conn, script)
            conn.execute(
                "INSERT INTO ctl.schema_migrations (version, description, type, script, checksum, duration_ms)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (script.version, script.description, script.kind, script.name, script.checksum,
                 int((time.perf_counter() - started) * 1000)),
            )


def _bootstrap_lock_table(settings: Settings) -> None:
    """ctl.migrate_lock in the warehouse, created once (a concurrent creator is no error)."""
    for attempt in range(5):
        try:
            with db.connect("dw", "owner", autocommit=True, settings=settings) as conn:
                if conn.execute("SELECT to_regclass('ctl.migrate_lock') IS NOT NULL").fetchone()[0]:
                    return
                with conn.transaction():
                    conn.execute(MIGRATE_LOCK_DDL.encode())
                return
        except _ALREADY_THERE:
            time.sleep(0.1 * (attempt + 1))
    raise MigrationError("could not create ctl.migrate_lock (created and dropped concurrently?)")


def _take_migrate_lock(settings: Settings, lock_timeout: float, on_wait) -> psycopg.Connection:
    """A dw_owner connection whose open transaction holds ctl.migrate_lock; waits (saying so)
    up to lock_timeout seconds for another migrate, then raises AlreadyRunning."""
    _bootstrap_lock_table(settings)
    # its transaction stays open, idle, for the whole migrate
    conn = db.connect("dw", "owner", settings=settings, options="-c idle_in_transaction_session_timeout=0")
    try:
        try:
            conn.execute(LOCK_MIGRATE + " NOWAIT")
            return conn
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
        holder = conn.execute(  # the holder is the transaction whose id is in the row's xmax
            "SELECT a.pid, a.application_name, a.backend_start FROM ctl.migrate_lock k "
            "JOIN pg_locks l ON l.locktype = 'transactionid' AND l.transactionid = k.xmax AND l.granted "
            "AND l.mode = 'ExclusiveLock' JOIN pg_stat_activity a ON a.pid = l.pid").fetchone()
        conn.rollback()
        who = (f"backend pid {holder[0]} ({holder[1] or 'no application name'}"
               + (f", connected since {holder[2]:%Y-%m-%d %H:%M:%S}" if holder[2] else "") + ")") if holder else "another session"
        if lock_timeout <= 0:
            raise AlreadyRunning(f"another harness migrate holds the migrate lock ({who}); nothing was changed")
        if on_wait:
            on_wait(f"waiting for the migrate lock: another harness migrate holds it ({who}); "
                    f"giving up after {lock_timeout:g} s")
        conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout * 1000)}ms")))
        try:
            conn.execute(LOCK_MIGRATE)
        except psycopg.errors.LockNotAvailable:
            raise AlreadyRunning(f"another harness migrate held the migrate lock for {lock_timeout:g} s ({who}); "
                                 "gave up, nothing was changed") from None
        conn.execute("SET lock_timeout = 0")
        return conn
    except BaseException:
        conn.close()
        raise


def migrate(dry_run: bool = False, settings: Settings | None = None, scripts: list[Script] | None = None,
            lock_timeout: float = 300, allow_out_of_order: bool = False, on_wait=None) -> MigrationReport:
    """Bring both databases up to date; see the module docstring for the rules."""
    settings = settings or load_settings()
    scripts = discover() if scripts is None else scripts
    report = MigrationReport(dry_run=dry_run)
    targets = {"dw": db.database_name("dw", settings), "oltp": db.database_name("oltp", settings)}
    exists = {}
    with db.connect("postgres", "admin", autocommit=True, settings=settings) as admin:
        _ensure_roles(admin, settings, report, passwords=False)
        for target, name in targets.items():
            if target == "oltp" and settings.oltp_url:
                exists[target] = True  # an external shop database is never created by us
                continue
            exists[target] = _ensure_database(admin, name, report)
    if dry_run:
        for target in ("oltp", "dw"):
            _migrate_target(target, [s for s in scripts if s.target == target], exists[target], settings, report,
                            allow_out_of_order, lock_timeout)
        return report
    lock = _take_migrate_lock(settings, lock_timeout, on_wait)
    try:
        with db.connect("postgres", "admin", autocommit=True, settings=settings) as admin:
            _ensure_roles(admin, settings, report, passwords=True)
            set_database_privileges(admin, targets["dw"], None if settings.oltp_url else targets["oltp"])
        for target in ("oltp", "dw"):
            _migrate_target(target, [s for s in scripts if s.target == target], exists[target], settings, report,
                            allow_out_of_order, lock_timeout)
    finally:
        lock.close()  # ends the transaction: the lock is released
    return report


def _check_history(target: str, scripts: list[Script], applied: dict[str, str], allow_out_of_order: bool) -> None:
    """Refuse a history that no longer matches the files, naming them."""
    files = {s.version: s for s in scripts if s.kind == "V"}
    problems = []
    for version, script in sorted(applied.items(), key=lambda kv: int(kv[0])):
        if version not in files:
            problems.append(f"{script} was applied but its file is missing")
        elif files[version].name != script:
            problems.append(f"V{version} was applied as {script} but the file is now {files[version].name}")
    if problems:
        raise MigrationHistoryError(
            f"migrations/{target}: the applied history does not match the files: {'; '.join(problems)}. "
            "Put back the applied files under their names (see ctl.schema_migrations); "
            "a change goes into a new migration")
    if not applied or allow_out_of_order:
        return
    highest = max(int(v) for v in applied)
    behind = [s.name for s in files.values() if s.version not in applied and int(s.version) < highest]
    if behind:
        raise MigrationHistoryError(
            f"{', '.join(sorted(behind))} numbered below the highest applied version V{highest} of "
            f"migrations/{target}: renumber above V{highest}, or apply it as a hotfix with "
            "`harness migrate --allow-out-of-order`")


def _migrate_target(target: str, scripts: list[Script], exists: bool, settings: Settings,
                    report: MigrationReport, allow_out_of_order: bool = False, lock_timeout: float = 0) -> None:
    versioned, repeatable = ({}, {})
    if exists:
        with db.connect(target, "owner", autocommit=True, settings=settings) as conn:
            if not report.dry_run:
                conn.execute(HISTORY_DDL.encode())
            versioned, repeatable = _history(conn)
            applied_names = dict(conn.execute(
                "SELECT version, script FROM ctl.schema_migrations WHERE type = 'V'").fetchall()) if versioned else {}
        _check_history(target, scripts, applied_names, allow_out_of_order)
    for script in scripts:
        if script.kind == "V" and script.version in versioned:
            if versioned[script.version] != script.checksum:
                raise MigrationError(
                    f"{script.name} was changed after it was applied (checksum differs from "
                    f"ctl.schema_migrations version {script.version}); add a new migration instead of editing it"
                )
            continue
        if script.kind == "R" and repeatable.get(script.name) == script.checksum:
            continue
        if report.dry_run:
            report.pending.append(script)
            continue
        _apply(script, settings, lock_timeout)
        report.applied.append(script)
