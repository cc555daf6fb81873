"""Where the project's SQL lives (the repository root of an editable install)."""

from __future__ import annotations

import os
from pathlib import Path


def project_dir() -> Path:
    override = os.environ.get("HARNESS_PROJECT_DIR")
    return Path(override).resolve() if override else Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    return project_dir() / "migrations"


def database_dir() -> Path:
    return project_dir() / "database"
