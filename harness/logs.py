"""Structured JSON logs (RNF-05): one line per event, every line of a run carrying its run_id.

Lines go to `$HARNESS_HOME/logs/harness.jsonl`, and also to stdout when
HARNESS_LOG_STDOUT=1 (what the systemd units and cron examples set, so the scheduler's
journal holds them too). Every event goes through harness.redact (values, keys and
formatted tracebacks), so no password or token reaches a log line. Tracebacks are
plain text (structlog's format_exc_info): the rich/better-exceptions renderers print
local variables, which can hold connection strings, so they are never used here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import structlog

from harness.config import home_dir
from harness.redact import redact_obj

_configured: tuple | None = None


class _Tee:
    """structlog logger writing each rendered line to several streams (structlog has
    one-stream loggers only; a logging.Handler setup would be longer than this)."""

    def __init__(self, streams):
        self._streams = streams

    def msg(self, message: str) -> None:
        for stream in self._streams:
            stream.write(message + "\n")
            stream.flush()

    info = warning = error = debug = critical = exception = msg


def _logger_factory(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    streams = [open(path, "a", encoding="utf-8")]  # noqa: SIM115 - kept open for the process
    if os.environ.get("HARNESS_LOG_STDOUT") == "1":
        streams.append(sys.stdout)

    def factory(*_args):
        return _Tee(streams)
    return factory


def redact_processor(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: passwords and tokens out of every value (and key) of the event."""
    return redact_obj(event_dict)


def configure() -> None:
    global _configured
    path = home_dir() / "logs" / "harness.jsonl"   # = Settings.log_dir, without validating URLs
    key = (path, os.environ.get("HARNESS_LOG_STDOUT"))
    if _configured == key:
        return
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
        structlog.processors.JSONRenderer(default=lambda o: redact_obj(str(o))),
    ]
    structlog.configure(processors=processors, logger_factory=_logger_factory(path),
                        cache_logger_on_first_use=False)
    _configured = key


def get_logger(**bind):
    configure()
    return structlog.get_logger("harness").bind(**bind)


def bind_run(run_id: int) -> None:
    structlog.contextvars.bind_contextvars(run_id=run_id)


def unbind_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")
