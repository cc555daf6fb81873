"""`harness dashboards`: serve the Dash app (its own module so the CLI needs Dash only when asked)."""

from __future__ import annotations

from typing import Annotated

import typer


def dashboards(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 to serve the network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8050,
    debug: Annotated[bool, typer.Option("--debug", help="Dash dev tools and reloader (never in production).")] = False,
) -> None:
    """Serve the dashboards (vendas, metas, descontos, monitor ETL, dicionário) in pt-BR, reading the
    mart views as bi_reader. Without --debug no stack trace or dev tools are ever shown."""
    try:
        from dashboards.app import app as dash_app
    except ImportError as err:
        typer.echo(f"error: the dashboards need the 'dash' extra: pip install -e '.[dash]' ({err})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"dashboards on http://{host}:{port}/  (Ctrl+C stops)")
    dash_app.run(host=host, port=port, debug=debug, dev_tools_ui=debug, dev_tools_props_check=debug,
                 use_reloader=debug)
