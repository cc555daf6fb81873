"""`harness docs ...`: documents generated from the code (the metric dictionary)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from harness.errors import HarnessError

docs_app = typer.Typer(help="Generate the documents that come from the code (metric dictionary, screenshots).",
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


@docs_app.command("screenshots")
def docs_screenshots(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for the PNG files "
                                                   "(default docs/screenshots).")] = None,
    largura: Annotated[int, typer.Option("--width", min=320, help="Browser width in pixels.")] = 1440,
) -> None:
    """Refresh the dashboards' screenshots (one PNG per page) from the warehouse this command reads:
    starts the production dashboards server and headless Chromium. The only command that writes
    docs/screenshots/; the test suite never does."""
    from bench import browser

    pasta = output or Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    pasta.mkdir(parents=True, exist_ok=True)
    try:
        with browser.servidor() as url:
            driver = browser.navegador(largura, 900)
            try:
                for caminho, nome in (("/", "vendas"), ("/metas", "metas"), ("/descontos", "descontos"),
                                      ("/monitor", "monitor"), ("/dicionario", "dicionario")):
                    driver.set_window_size(largura, 900)
                    driver.get(f"{url}{caminho}")
                    browser.esperar_pronta(driver)
                    altura = driver.execute_script("return document.body.scrollHeight")
                    driver.set_window_size(largura, min(max(altura + 40, 900), 3000))
                    browser.esperar_pronta(driver)
                    driver.save_screenshot(str(pasta / f"{nome}.png"))
                    _out.print(f"wrote {pasta / f'{nome}.png'}")
            finally:
                driver.quit()
    except (RuntimeError, TimeoutError, OSError) as exc:
        _err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
