"""pgTAP for the test databases: Debian's `postgresql-15-pgtap` ships `pgtap.sql`,
which loads into PostgreSQL 18 as plain SQL (no extension control file needed)."""

from __future__ import annotations

import glob
import os
import subprocess

from harness import db
from harness.errors import ConfigError

PACKAGE = "postgresql-15-pgtap"


def pgtap_sql_path() -> str:
    override = os.environ.get("HARNESS_PGTAP_SQL")
    candidates = [override] if override else sorted(glob.glob("/usr/share/postgresql/*/extension/pgtap.sql"))
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise ConfigError(
        f"pgTAP is not installed: no pgtap.sql found. Install the Debian package {PACKAGE} "
        "(apt-get install postgresql-15-pgtap) or set HARNESS_PGTAP_SQL to its pgtap.sql"
    )


def load_pgtap(which: str = "dw", settings=None) -> None:
    """Load pgTAP's functions into a database (schema public), failing on the first error."""
    path = pgtap_sql_path()
    info = db.conninfo(which, "admin", settings)
    result = subprocess.run(
        [str(db.embedded_bin("psql")), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path, "-d", info],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise ConfigError(f"loading {path} failed: {result.stderr.strip().splitlines()[-1:]}")
