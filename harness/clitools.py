"""What every `harness` sub-command module shares: the consoles and the error-to-exit-code helper.

Lives outside harness/cli.py so that sub-command modules (harness/cli_oltp.py, ...) can use it
without importing the main CLI module, which imports them (a cycle)."""

from __future__ import annotations

import typer
from rich.console import Console

from harness.errors import HarnessError

out = Console()
err = Console(stderr=True)


def run(fn, *args, **kwargs):
    """Call a module function; turn an expected failure into a message and an exit code."""
    try:
        return fn(*args, **kwargs)
    except HarnessError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
