"""Structured JSON logs (RNF-05): one line per event, every line of a run carrying its run_id.

Lines go to `$HARNESS_HOME/logs/harness.jsonl`. Exceptions are logged by type and
message only: structlog's rich/better-exceptions renderers print local variables,
which can hold connection strings, so they are never used here.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import structlog

from harness.config import load_settings

_configured: Path | None = None


def _file_logger_factory(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)

    def factory(*_args):
        return structlog.WriteLogger(open(path, "a", encoding="utf-8", buffering=1))  # noqa: SIM115
    return factory


def configure() -> None:
    global _configured
    path = load_settings().log_dir / "harness.jsonl"
    if _configured == path:
        return
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.JSONRenderer(default=str),
    ]
    structlog.configure(processors=processors, logger_factory=_file_logger_factory(path),
                        cache_logger_on_first_use=False)
    _configured = path


def get_logger(**bind):
    configure()
    return structlog.get_logger("harness").bind(**bind)


def bind_run(run_id: int) -> None:
    structlog.contextvars.bind_contextvars(run_id=run_id)


def unbind_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")
