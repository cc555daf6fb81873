"""`harness backup FILE` / `harness restore FILE`: both databases in one archive.

The archive is a tar file holding a pg_dump custom-format dump per database plus a
small manifest (versions, table row counts). Restoring needs a server where those
databases do not exist yet (a fresh server, or after dropping them): it creates the
roles and databases, then pg_restore loads each dump. No password ever reaches a
command line: libpq reads it from PGPASSWORD in the child's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from harness import db, migrate
from harness.config import load_settings
from harness.errors import ConfigError, HarnessError

DATABASES = ("oltp", "dw")


def _client(program: str, which: str, args: list[str]) -> None:
    parts = conninfo_to_dict(db.conninfo(which, "admin"))
    env = dict(os.environ)
    if parts.get("password"):
        env["PGPASSWORD"] = str(parts.pop("password"))
    result = subprocess.run([str(db.embedded_bin(program)), *args, "-d", make_conninfo(**parts)],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise HarnessError(f"{program} on {which} failed: {result.stderr.strip().splitlines()[-1:]}")


def backup(path: Path) -> dict:
    """Write an archive of both databases to `path`; returns its manifest."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ConfigError(f"{path.parent}: no such folder (create it first; backup does not guess where archives go)")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: give the archive's file name")
    manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for which in DATABASES:
            dump = Path(tmp) / f"{which}.dump"
            _client("pg_dump", which, ["-Fc", "-f", str(dump)])
            with db.connect(which, "admin") as conn:
                manifest["databases"][which] = {
                    "name": db.database_name(which, load_settings()),
                    "server_version": conn.info.server_version,
                }
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = path.with_suffix(path.suffix + ".partial")
        with tarfile.open(partial, "w") as tar:
            for name in ("manifest.json", "oltp.dump", "dw.dump"):
                tar.add(Path(tmp) / name, arcname=name)
        partial.replace(path)  # never leave a half-written archive under the final name
    return manifest


def _check_archive(path: Path) -> None:
    """Refuse, before touching the server, a file that is not an archive written by `harness backup`."""
    try:
        with tarfile.open(path) as tar:
            names = set(tar.getnames())
            manifest = json.loads(tar.extractfile("manifest.json").read()) if "manifest.json" in names else None
    except (tarfile.TarError, OSError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path} is not a harness backup archive ({type(exc).__name__}); "
                          "give a file written by `harness backup`") from None
    expected = {"manifest.json", *(f"{w}.dump" for w in DATABASES)}
    if not expected <= names or not isinstance(manifest, dict) or "databases" not in manifest:
        raise ConfigError(f"{path} is not a harness backup archive (it lacks {', '.join(sorted(expected - names)) or 'a valid manifest'})")


def restore(path: Path) -> dict:
    """Restore an archive into this server; the databases must not exist yet."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such backup file")
    _check_archive(path)
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path) as tar:
        tar.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())
        with db.connect("postgres", "admin", autocommit=True) as admin:
            migrate._ensure_roles(admin, settings, migrate.MigrationReport())
            for which in DATABASES:
                name = db.database_name(which, settings)
                if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    raise HarnessError(f"database {name} already exists: restore goes into a fresh server "
                                       "(or drop it first); nothing was changed")
            for which in DATABASES:
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER dw_owner").format(
                    sql.Identifier(db.database_name(which, settings))))
            # pg_restore without --create brings no database-level grants: set them as migrate does
            migrate.set_database_privileges(admin, db.database_name("dw", settings),
                                            None if settings.oltp_url else db.database_name("oltp", settings))
        for which in DATABASES:
            # as the administrator, keeping the dump's owners (dw_owner; the login event trigger's superuser)
            _client("pg_restore", which, ["--exit-on-error", str(Path(tmp) / f"{which}.dump")])
    return manifest
