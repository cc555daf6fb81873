"""Migration runner: versioned files applied once, repeatable objects re-applied on change.

Flyway's model, kept small because no maintained Python library does Flyway-style
versioned *and* repeatable SQL migrations against psycopg 3 with per-file
transactions and line-accurate errors (yoyo and alembic have no repeatables;
Flyway itself needs a JVM). The rules:

- `migrations/<target>/V<nnn>__<description>.sql` (target `oltp` or `dw`) are applied
  once, in version order, each in its own transaction together with its history row
  in `ctl.schema_migrations`. An applied file whose checksum changed is an error.
- `database/procs/*.sql` then `database/views/*.sql` are repeatable objects of the
  warehouse: re-applied (each in its own transaction) whenever their checksum differs
  from the last applied one.
- Files run as `dw_owner`, so it owns every object. A file whose header contains
  `-- harness:run-as admin` runs as the server's administrator instead (event
  triggers and extensions need it).
- Concurrent runs serialize on an advisory lock in the maintenance database.
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
from harness.errors import MigrationError
from harness.paths import database_dir, migrations_dir

LOCK_KEY = 0x6861726E  # "harn": one advisory lock for every migrate on the server
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
            raise MigrationError(
                f"{script.name}, line {at}: {diag.message_primary or err}{where} [SQLSTATE {err.sqlstate}]"
            ) from err


def _ensure_roles(admin: psycopg.Connection, settings: Settings, report: MigrationReport) -> None:
    for key, role in ROLES.items():
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            if report.dry_run:
                report.created_roles.append(role)
                continue
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            report.created_roles.append(role)
        password = settings.role_passwords.get(key)
        if password and not report.dry_run:
            # DDL takes no bind parameters; Literal quotes it. The statement is never logged.
            admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))


def _ensure_database(admin: psycopg.Connection, name: str, report: MigrationReport) -> bool:
    if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        return True
    report.created_databases.append(name)
    if report.dry_run:
        return False
    admin.execute(sql.SQL("CREATE DATABASE {} OWNER dw_owner").format(sql.Identifier(name)))
    admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    return True


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


def _apply(script: Script, settings: Settings) -> None:
    role = "admin" if RUN_AS_ADMIN in script.text.split("\n\n", 1)[0] else "owner"
    started = time.perf_counter()
    with db.connect(script.target, role, settings=settings) as conn:
        with conn.transaction():
            _run_script(conn, script)
            conn.execute(
                "INSERT INTO ctl.schema_migrations (version, description, type, script, checksum, duration_ms)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (script.version, script.description, script.kind, script.name, script.checksum,
                 int((time.perf_counter() - started) * 1000)),
            )


def migrate(dry_run: bool = False, settings: Settings | None = None, scripts: list[Script] | None = None) -> MigrationReport:
    """Bring both databases up to date; see the module docstring for the rules."""
    settings = settings or load_settings()
    scripts = discover() if scripts is None else scripts
    report = MigrationReport(dry_run=dry_run)
    with db.connect("postgres", "admin", autocommit=True, settings=settings) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            _ensure_roles(admin, settings, report)
            targets = {"dw": db.database_name("dw", settings), "oltp": db.database_name("oltp", settings)}
            exists = {}
            for target, name in targets.items():
                if target == "oltp" and settings.oltp_url:
                    exists[target] = True  # an external shop database is never created by us
                    continue
                exists[target] = _ensure_database(admin, name, report)
            for target in ("oltp", "dw"):
                _migrate_target(target, [s for s in scripts if s.target == target], exists[target], settings, report)
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return report


def _migrate_target(target: str, scripts: list[Script], exists: bool, settings: Settings,
                    report: MigrationReport) -> None:
    versioned, repeatable = ({}, {})
    if exists:
        with db.connect(target, "owner", autocommit=True, settings=settings) as conn:
            if not report.dry_run:
                conn.execute(HISTORY_DDL.encode())
            versioned, repeatable = _history(conn)
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
        _apply(script, settings)
        report.applied.append(script)
