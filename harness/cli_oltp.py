"""`harness oltp ...`: the shop database (generate, advance, import the Olist sample)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.clitools import out, run

oltp_app = typer.Typer(help="The shop (OLTP) database: generate demo data, advance days, import Olist CSVs.",
                       no_args_is_help=True)


def _date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (yyyy-mm-dd)") from None


def _progress(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=out, transient=True)


def _counts_table(title: str, rows, headers=("what", "rows")) -> Table:
    table = Table(title=title)
    for h in headers:
        table.add_column(h, justify="left" if h == headers[0] else "right")
    for row in rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    return table


@oltp_app.command("seed")
def seed_cmd(
    scale: Annotated[float, typer.Option(help="1 = about 1,000,000 order lines; 0.01 = about 10,000.")] = 0.01,
    seed: Annotated[int, typer.Option(help="Random seed: the same scale, seed and end date give the same data.")] = 42,
    end_date: Annotated[Optional[str], typer.Option(help="Last day of the three years of orders (yyyy-mm-dd).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Empty a shop that already holds data first.")] = False,
) -> None:
    """Fill the empty shop with three years of realistic, deterministic orders (refuses a non-empty shop)."""
    from harness.oltp import seed as seed_mod

    end = _date(end_date) or seed_mod.DEFAULT_END_DATE
    with _progress("generating orders") as bar:
        task = bar.add_task("seed", total=None)
        result = run(seed_mod.seed, scale, seed, end_date=end, replace=replace,
                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.print(_counts_table(f"shop seeded: scale {scale}, seed {seed}, orders {result.start_date} .. {result.end_date}",
                            sorted(result.rows.items())))
    out.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s ({result.total_rows / max(result.seconds, 1e-9):,.0f} rows/s)")


@oltp_app.command("advance")
def advance_cmd(
    days: Annotated[int, typer.Option(help="How many days to play forward.")] = 1,
    date: Annotated[Optional[str], typer.Option(help="First day to play (yyyy-mm-dd); default: the day after the last order.")] = None,
    bad_rows: Annotated[float, typer.Option("--bad-rows", help="Share of new lines that are wrong for analytics (0-0.5); at least one of each kind when > 0.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Random seed (with the day, decides everything the day does).")] = 0,
) -> None:
    """Advance the shop by whole days: new customers, products, orders; status changes, price changes, returns,
    cancellations, hard deletes, late-arriving rows, customer moves, product re-categorisations and seller
    team changes (some backdated: recorded now, effective days or months before), and optionally bad rows."""
    from harness.oltp import advance as advance_mod

    with _progress("advancing days") as bar:
        task = bar.add_task("advance", total=days)
        summary = run(advance_mod.advance, days=days, date=_date(date), bad_rows=bad_rows, seed=seed,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
    first, last = summary.pop("first_day"), summary.pop("last_day")
    out.print(_counts_table(f"shop advanced: {first} .. {last}", summary.items(), headers=("what", "count")))


@oltp_app.command("import-olist")
def import_olist_cmd(
    directory: Annotated[Path, typer.Argument(help="Directory holding the Olist CSV files.")],
) -> None:
    """Import the Olist CSV layout into the shop (validates every file first; re-importing changes nothing)."""
    from harness.oltp import olist

    report = run(olist.import_olist, directory)
    table = Table(title=f"Olist import from {report.directory}")
    for h in ("table / file", "read", "inserted", "updated", "unchanged", "skipped", "why skipped"):
        table.add_column(h, justify="left" if h in ("table / file", "why skipped") else "right")
    for name, t in report.tables.items():
        why = "; ".join(f"{reason}: {n:,}" for reason, n in t.skipped.items())
        inserted = f"{t.inserted:,}" + (f" (+{t.used:,} used)" if t.used else "")
        table.add_row(name, f"{t.read:,}", inserted, f"{t.updated:,}", f"{t.unchanged:,}",
                      f"{sum(t.skipped.values()):,}", why)
    out.print(table)
    for note in report.notes:
        out.print(f"note: {note}")
