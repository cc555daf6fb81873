"""`harness dashboards`: serve the Dash app (its own module so the CLI needs Dash only when asked)."""

from __future__ import annotations

from typing import Annotated

import typer


def dashboards(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 to serve the network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8050,
    threads: Annotated[int, typer.Option(min=1, max=64, help="Worker threads of the production server.")] = 8,
    debug: Annotated[bool, typer.Option("--debug", help="Flask's development server with Dash dev tools and "
                                                        "reloader (never in production).")] = False,
) -> None:
    """Serve the dashboards (vendas, metas, descontos, monitor ETL, dicionário) in pt-BR, reading the
    mart views as bi_reader. By default a production WSGI server (waitress) with compressed, cached
    static files; without --debug no stack trace or dev tools are ever shown."""
    try:
        from dashboards import serving
        from dashboards.app import app as dash_app
    except ImportError as err:
        typer.echo(f"error: the dashboards need the 'dash' extra: pip install -e '.[dash]' ({err})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"dashboards on http://{host}:{port}/  (Ctrl+C stops)")
    if debug:
        dash_app.run(host=host, port=port, debug=True, dev_tools_ui=True, dev_tools_props_check=True,
                     use_reloader=True)
        return
    serving.servir(dash_app.server, host, port, threads)
