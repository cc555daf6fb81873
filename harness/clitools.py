"""What every `harness` sub-command module shares: the consoles, the error-to-exit-code helper
and the outermost handler that turns any failure into one line on stderr.

Lives outside harness/cli.py so that sub-command modules (harness/cli_oltp.py, ...) can use it
without importing the main CLI module, which imports them (a cycle)."""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.console import Console

from harness.errors import HarnessError
from harness.redact import redact

out = Console()
err = Console(stderr=True)


def debug_enabled() -> bool:
    return os.environ.get("HARNESS_DEBUG", "") not in ("", "0")


def _one_line(text: str) -> str:
    return " ".join(redact(text).split())


def print_error(message: str) -> None:
    """One redacted line on stderr (no rich markup, no wrapping: scheduler logs keep it whole)."""
    sys.stderr.write(f"error: {_one_line(message)}\n")
    sys.stderr.flush()


def run(fn, *args, **kwargs):
    """Call a module function; turn an expected failure into a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except HarnessError as exc:
        print_error(str(exc))
        detail = getattr(exc, "detail", None)  # e.g. the server's own log lines of a failed start
        if detail:
            sys.stderr.write(redact(detail).rstrip() + "\n")
        raise typer.Exit(exc.exit_code) from None


def _log_unexpected(exc: BaseException) -> None:
    try:
        from harness import logs

        logs.get_logger().error("unexpected_error", error_type=type(exc).__name__, error=str(exc), exc_info=exc)
    except Exception:  # noqa: BLE001 - the log itself may be what is broken (e.g. a bad HARNESS_HOME)
        pass


def main(invoke) -> int:
    """Run the CLI (`invoke` is the click entry point) and return its exit code.

    Usage and configuration errors: exit 2 and one line. Expected failures (HarnessError):
    their own exit code and one line. Anything else: exit 1, one line naming the error type,
    the full (redacted) trace in the JSON log, and on stderr only with --debug or
    HARNESS_DEBUG=1."""
    try:
        code = invoke(standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.TyperException as exc:  # typer's (vendored click's) usage errors
        if type(exc).__name__ == "NoArgsIsHelpError":  # `harness` or a group without a command
            exc.show()  # type: ignore[attr-defined]
            return 2
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print_error(message + (hint if getattr(exc, "exit_code", 1) == 2 else ""))
        return getattr(exc, "exit_code", 1)
    except typer.Abort:
        print_error("aborted")
        return 130
    except HarnessError as exc:
        print_error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the outermost handler
        _log_unexpected(exc)
        if debug_enabled():
            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        first = (str(exc).strip().splitlines() or [""])[0]
        print_error(f"unexpected {type(exc).__name__}: {first} (trace in the JSON log; --debug or "
                    "HARNESS_DEBUG=1 prints it here)")
        return 1
