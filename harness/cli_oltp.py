"""`harness oltp ...`: the shop database (generate, advance, import the Olist sample)."""

from __future__ import annotations

import typer

oltp_app = typer.Typer(help="The shop (OLTP) database: generate demo data, advance days, import Olist CSVs.",
                       no_args_is_help=True)
