"""`harness oltp ...`: the shop database (generate, advance, import the Olist sample)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.clitools import err, out, run
from harness.errors import HarnessError

oltp_app = typer.Typer(help="The shop (OLTP) database: generate demo data, advance days, import Olist CSVs.",
                       no_args_is_help=True)


def _date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (yyyy-mm-dd)") from None


def _yesterday_in_sao_paulo() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date() - dt.timedelta(days=1)


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
    end_date: Annotated[Optional[str], typer.Option(
        help="Last day of the three years of orders (yyyy-mm-dd); default: yesterday in America/Sao_Paulo, "
             "so a new shop is up to date. Give it to get the same data on another day.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Empty a shop that already holds data first.")] = False,
) -> None:
    """Fill the empty shop with three years of realistic, deterministic orders (refuses a non-empty shop)."""
    from harness.oltp import seed as seed_mod

    end = _date(end_date) or _yesterday_in_sao_paulo()
    with _progress("generating orders") as bar:
        task = bar.add_task("seed", total=None)
        result = run(seed_mod.seed, scale, seed, end_date=end, replace=replace,
                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.print(_counts_table(f"shop seeded: scale {scale}, seed {seed}, orders {result.start_date} .. {result.end_date}",
                            sorted(result.rows.items())))
    out.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s ({result.total_rows / max(result.seconds, 1e-9):,.0f} rows/s)")


@oltp_app.command("advance")
def advance_cmd(
    days: Annotated[int, typer.Option(min=1, help="How many days to play forward.")] = 1,
    date: Annotated[Optional[str], typer.Option(help="First day to play (yyyy-mm-dd); default: the day after the last order.")] = None,
    bad_rows: Annotated[float, typer.Option("--bad-rows", min=0, max=0.5, help="Share of new lines that are wrong for analytics (0-0.5); at least one of each kind when > 0.")] = 0.0,
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


class DateOrder(str, Enum):
    auto = "auto"
    mdy = "mdy"
    dmy = "dmy"


@oltp_app.command("import-olist")
def import_olist_cmd(
    directory: Annotated[Path, typer.Argument(help="Directory holding the Olist CSV files.")],
    file: Annotated[Optional[list[str]], typer.Option(
        "--file", metavar="KIND=PATH",
        help="A file with another name or place (repeatable). KIND: customers, orders, order_items, payments, "
             "products, sellers, category_translation; a relative PATH is looked for as given, then in DIR.")] = None,
    allow_missing: Annotated[Optional[list[str]], typer.Option(
        "--allow-missing", metavar="KIND,...",
        help="Import without these files (not orders, order_items): products and sellers become placeholders "
             "from the order lines, customers from the orders; no payments means no vouchers.")] = None,
    max_bad_share: Annotated[float, typer.Option(
        min=0, max=1, help="Refuse (nothing written) when more than this share of a file's rows cannot be used.")] = 0.05,
    max_orphan_share: Annotated[float, typer.Option(
        min=0, max=1, help="Refuse (nothing written) when more than this share of a file's rows are orphans "
                           "(lines without their order, orders without their customer...).")] = 0.01,
    accept_orphans: Annotated[bool, typer.Option(
        "--accept-orphans", help="Import even above --max-orphan-share (the warehouse rejects orphan lines).")] = False,
    date_order: Annotated[DateOrder, typer.Option(
        help="Day/month order of slash dates: auto (decided from the values), mdy or dmy.")] = DateOrder.auto,
) -> None:
    """Import the Olist CSV layout into the shop: every file is checked first, nothing is written when one is
    refused; re-importing changes nothing (docs/olist-mapping.md)."""
    from harness.oltp import olist

    try:
        files, allowed = olist.parse_file_options(file), olist.parse_kinds(allow_missing)
    except HarnessError as exc:
        raise typer.BadParameter(str(exc)) from None
    report = run(olist.import_olist, directory, files=files, allow_missing=allowed, max_bad_share=max_bad_share,
                 max_orphan_share=max_orphan_share, accept_orphans=accept_orphans, date_order=date_order.value)
    print_olist_report(report)


def print_olist_report(report) -> None:
    files = Table(title=f"Olist import from {report.directory}: files")
    for h in ("kind", "file", "read", "duplicates", "skipped", "why skipped (first line: value)", "imported",
              "orphans"):
        files.add_column(h, justify="right" if h in ("read", "duplicates", "skipped", "imported") else "left")
    notes = []
    for kind, f in report.files.items():
        why = "; ".join(f"{reason}: {n:,} (line {f.examples[reason][0]}: {f.examples[reason][1]!r})"
                        for reason, n in f.skipped.most_common())
        imported = f"{f.imported:,}" if f.path else f"{f.placeholders:,} placeholders"
        if f.path is None:
            name = "(missing)"
        else:
            name = str(f.path.relative_to(report.directory)) if f.path.is_relative_to(report.directory) else str(f.path)
        orphans = "; ".join(f"{n:,} {what}" for what, n in f.orphans.items())
        files.add_row(kind, escape(name), f"{f.read:,}", f"{f.duplicates:,}", f"{f.bad:,}", escape(why), imported,
                      orphans)
        if f.date_format:
            notes.append(f"{kind}: dates {f.date_format}")
        if f.encoding == "latin-1":
            notes.append(f"{kind}: read as Latin-1 (not UTF-8)")
        notes += [f"{kind}: {n:,} rows not used: {reason}" for reason, n in f.not_used.items()]
    out.print(files)
    tables = _counts_table("shop tables", [(name, t.rows, t.inserted, t.updated, t.unchanged)
                                           for name, t in report.tables.items()],
                           headers=("table", "rows", "inserted", "updated", "unchanged"))
    out.print(tables)
    for note in notes + report.notes:
        out.print(f"note: {escape(note)}", highlight=False)
    for warning in report.warnings:
        err.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
