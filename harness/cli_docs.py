"""`harness docs ...`: documents generated from the code (the metric dictionary)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from harness.errors import HarnessError

docs_app = typer.Typer(help="Generate the documents that come from the code (metric dictionary).",
                       no_args_is_help=True)
_out = Console()
_err = Console(stderr=True)


@docs_app.command("metrics")
def docs_metrics(
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if the file is stale.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write or check "
                                                   "(default docs/metricas.md).")] = None,
) -> None:
    """Render docs/metricas.md (Portuguese metric dictionary) from metrics/catalog.yaml."""
    from harness import metrics

    try:
        target = output or metrics.docs_path()
        if check:
            if metrics.docs_are_current(target):
                _out.print(f"{target} is up to date")
                return
            _err.print(f"[bold red]error:[/] {target} is stale: run `harness docs metrics`", highlight=False)
            raise typer.Exit(1)
        path = metrics.write_docs(target)
    except HarnessError as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    _out.print(f"wrote {path}")
