"""Settings read from the environment, in one place.

Nothing here holds a credential: passwords only ever come from the environment
(`WAREHOUSE_URL`, `OLTP_URL`, `HARNESS_<ROLE>_PASSWORD`) and are never logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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


def load_settings() -> Settings:
    env = os.environ
    home = Path(env.get("HARNESS_HOME", ".warehouse")).expanduser().resolve()
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
