"""Settings read from the environment, in one place.

Nothing here holds a credential: passwords only ever come from the environment
(`WAREHOUSE_URL`, `OLTP_URL`, `HARNESS_<ROLE>_PASSWORD`) and are never logged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ConfigError

# The three roles of RNF-06; `admin` is the server's superuser (embedded) or the
# account of WAREHOUSE_URL (external), used only to create databases and roles.
ROLES = {
    "owner": "dw_owner",
    "etl": "etl_writer",
    "bi": "bi_reader",
}


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str | None
    oltp_url: str | None
    dw_db: str
    oltp_db: str
    role_passwords: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def embedded(self) -> bool:
        return self.warehouse_url is None

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"


def _why(exc: Exception) -> str:
    """libpq's reason without the quoted pieces of the string it quotes (they may hold the password)."""
    from harness.redact import redact

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redact(re.sub(r'"([^"]{3,}|)"', '"..."', first)).rstrip(": ")


def check_connection_string(name: str, value: str) -> None:
    """Refuse a malformed WAREHOUSE_URL/OLTP_URL with a message that names the variable, never its text."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(value)
    except psycopg.Error as exc:
        raise ConfigError(f"{name} is not a valid PostgreSQL connection string ({_why(exc)}); expected "
                          "postgresql://user@host:5432/dbname or 'host=... dbname=...'") from None
    port = str(parts.get("port") or "")
    if port and not all(p.strip().isdigit() for p in port.split(",")):
        raise ConfigError(f"{name}: the port is not a number")


def home_dir() -> Path:
    """$HARNESS_HOME (default ./.warehouse), without validating the rest of the configuration:
    the JSON log must work even when a connection string is refused."""
    return Path(os.environ.get("HARNESS_HOME", ".warehouse")).expanduser().resolve()


def load_settings() -> Settings:
    env = os.environ
    for name in ("WAREHOUSE_URL", "OLTP_URL"):
        if env.get(name):
            check_connection_string(name, env[name])
    home = home_dir()
    passwords = {
        key: env[f"HARNESS_{key.upper()}_PASSWORD"]
        for key in ROLES
        if env.get(f"HARNESS_{key.upper()}_PASSWORD")
    }
    return Settings(
        home=home,
        warehouse_url=env.get("WAREHOUSE_URL") or None,
        oltp_url=env.get("OLTP_URL") or None,
        dw_db=env.get("HARNESS_DW_DB", "dw_ecommerce"),
        oltp_db=env.get("HARNESS_OLTP_DB", "ecommerce_oltp"),
        role_passwords=passwords,
    )
