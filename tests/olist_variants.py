"""Messy variants of the Olist sample (tests/data/olist/), and the KPIs by day computed from raw rows.

Written with Python's csv module only, independently of harness/oltp/olist.py: the file names,
the date formats and the business rules are spelled out here again, so that a mistake in the
import is not repeated by its test.

A variant is a directory in a temporary folder holding the files as a user would receive them
(renamed, BOM, CRLF, US or day-first dates, duplicated rows, extra columns, files missing, an
orphan-heavy subset...), with the import options it needs, and `truth`: the clean rows it stands
for, from which `raw_kpis_by_day` computes what the warehouse must show.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "data" / "olist"
NAMES = {
    "customers": "olist_customers_dataset.csv",
    "orders": "olist_orders_dataset.csv",
    "order_items": "olist_order_items_dataset.csv",
    "payments": "olist_order_payments_dataset.csv",
    "products": "olist_products_dataset.csv",
    "sellers": "olist_sellers_dataset.csv",
    "category_translation": "product_category_name_translation.csv",
}
ORDER_TIMES = ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
               "order_delivered_customer_date", "order_estimated_delivery_date")
CANCELED = ("canceled", "unavailable")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.header, r)) for r in self.rows]

    def copy(self) -> "Table":
        return Table(list(self.header), [list(r) for r in self.rows])

    def col(self, name: str) -> int:
        return self.header.index(name)


def sample() -> dict[str, Table]:
    out = {}
    for kind, name in NAMES.items():
        with open(SAMPLE / name, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            out[kind] = Table(header, [row for row in reader])
    return out


@dataclass
class Variant:
    name: str
    directory: Path
    args: list[str]                       # import-olist options
    truth: dict[str, Table]               # the clean rows the files stand for (None: the file is missing)
    same_shop_as_clean: bool = True       # imports to exactly the clean sample's shop
    notes: dict = field(default_factory=dict)


def write(path: Path, table: Table, *, bom: bool = False, crlf: bool = False, quote_all: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n" if crlf else "\n",
                            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(table.header)
        writer.writerows(table.rows)


def write_all(directory: Path, tables: dict[str, Table], names: dict[str, str] | None = None, **style) -> None:
    for kind, table in tables.items():
        if table is not None:
            write(directory / (names or NAMES).get(kind, NAMES[kind]), table, **style)


# ------------------------------------------------------------------ transformations
def reformat_times(table: Table, fmt) -> Table:
    """Every timestamp column of the orders file rewritten by fmt(datetime)."""
    out = table.copy()
    for name in ORDER_TIMES:
        i = out.col(name)
        for row in out.rows:
            if row[i]:
                row[i] = fmt(dt.datetime.fromisoformat(row[i]))
    return out


def us_seconds(t: dt.datetime) -> str:
    return f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}"


def us_spreadsheet(t: dt.datetime) -> str:  # what a US spreadsheet saves: no seconds, no leading zeros
    return f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}"


def day_first(t: dt.datetime) -> str:
    return f"{t.day:02d}/{t.month:02d}/{t.year} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def with_duplicates(table: Table, rng: random.Random, share: float = 0.05) -> tuple[Table, int]:
    """Some rows repeated (identical), scattered through the file."""
    out = table.copy()
    picks = rng.sample(range(len(table.rows)), max(1, int(len(table.rows) * share)))
    for i in picks:
        out.rows.insert(rng.randrange(len(out.rows) + 1), list(table.rows[i]))
    return out, len(picks)


def with_extra_columns(table: Table, rng: random.Random) -> Table:
    """Two more columns (one with commas, quotes and a line break) and the columns shuffled."""
    header = table.header + ["observacao", "exportado_por"]
    rows = [r + [f'nota "{i}", revisada\nsegunda linha', "planilha"] for i, r in enumerate(table.rows)]
    order = list(range(len(header)))
    rng.shuffle(order)
    return Table([header[i] for i in order], [[r[i] for i in order] for r in rows])


def summer_time_edges(orders: Table) -> tuple[Table, dict[str, str]]:
    """Orders moved to the edges of Brazilian summer time (the written date stays the business day):
    23:xx on summer days, the day summer time ended (23:xx happened twice), the midnight hour that
    did not exist when it began, and the issue's example 2018-01-31 23:58."""
    out = orders.copy()
    i = out.col("order_purchase_timestamp")
    edges = ["2018-01-31 23:58:00", "2018-02-17 23:30:00", "2017-02-18 23:45:10", "2017-10-15 00:30:00",
             "2016-10-16 00:10:00", "2017-12-31 23:59:59", "2016-12-24 23:00:00"]
    moved = {}
    summer = [(dt.date(2016, 10, 16), dt.date(2017, 2, 18)), (dt.date(2017, 10, 15), dt.date(2018, 2, 17))]
    for n, row in enumerate(out.rows):
        t = dt.datetime.fromisoformat(row[i])
        if n < len(edges):
            row[i] = edges[n]
        elif any(a <= t.date() <= b for a, b in summer):
            row[i] = t.replace(hour=23, minute=t.minute).isoformat(sep=" ")  # every summer order at 23:xx
        else:
            continue
        moved[row[out.col("order_id")]] = row[i]
    return out, moved


def orphan_heavy(tables: dict[str, Table], keep_share: float = 0.04) -> dict[str, Table]:
    """An orders file lacking most orders; every other file whole (the lines of the missing orders
    become orphans)."""
    out = {k: t.copy() for k, t in tables.items()}
    orders = out["orders"]
    orders.rows = orders.rows[: int(len(orders.rows) * keep_share)]
    return out


# ------------------------------------------------------------------ the variants
def build_variants(root: Path, seed: int = 16) -> dict[str, Variant]:
    rng = random.Random(seed)
    clean = sample()
    v: dict[str, Variant] = {}

    def add(name, tables, args=(), names=None, truth=None, same=True, **style):
        directory = root / name
        write_all(directory, tables, names, **style)
        v[name] = Variant(name, directory, list(args), truth or clean, same)
        return v[name]

    add("clean", clean)
    # renamed and moved: orders_dataset.csv in another folder, items renamed in DIR
    moved = {k: t for k, t in clean.items() if k not in ("orders", "order_items")}
    var = add("renamed", moved, args=["--file", f"orders={root / 'elsewhere' / 'orders_dataset.csv'}",
                                      "--file", "order_items=items.csv"])
    write(root / "elsewhere" / "orders_dataset.csv", clean["orders"])
    write(var.directory / "items.csv", clean["order_items"])
    add("bom_crlf_quoted", clean, bom=True, crlf=True, quote_all=True)
    add("us_dates", {**clean, "orders": reformat_times(clean["orders"], us_seconds)})
    add("day_first_dates", {**clean, "orders": reformat_times(clean["orders"], day_first)})
    dup = {}
    counts = {}
    for kind in ("customers", "orders", "order_items", "payments", "products", "sellers"):
        dup[kind], counts[kind] = with_duplicates(clean[kind], rng)
    var = add("duplicates", {**clean, **dup})
    var.notes["duplicates"] = counts
    add("extra_columns", {k: with_extra_columns(t, rng) for k, t in clean.items()})
    # a spreadsheet export: US dates without seconds, BOM, CRLF, renamed, extra columns
    sheet = {**clean, "orders": with_extra_columns(reformat_times(clean["orders"], us_spreadsheet), rng)}
    sheet_names = {**NAMES, "orders": "orders_dataset.csv"}
    add("spreadsheet", sheet, args=["--file", "orders=orders_dataset.csv"], names=sheet_names, same=False,
        bom=True, crlf=True)

    # the same export with one impossible date, on the 101st order (its extra column spans lines)
    bad_sheet = sheet["orders"].copy()
    bad_sheet.rows[100][bad_sheet.col("order_purchase_timestamp")] = "2/30/2018 10:15"
    var = add("spreadsheet_bad_date", {**sheet, "orders": bad_sheet}, args=["--file", "orders=orders_dataset.csv"],
              names=sheet_names, same=False, bom=True, crlf=True)
    var.notes["bad"] = (2 + sum(1 + sum(c.count("\n") for c in r) for r in bad_sheet.rows[:100]), "2/30/2018 10:15")
    var.notes["bad_order"] = clean["orders"].rows[100][0]

    # content that differs from the clean sample
    no_ps = {**clean, "products": None, "sellers": None}
    add("missing_products_sellers", no_ps, args=["--allow-missing", "products,sellers"], truth=no_ps, same=False)
    no_cp = {**clean, "customers": None, "payments": None}
    add("missing_customers_payments", no_cp, args=["--allow-missing", "customers", "--allow-missing", "payments"],
        truth=no_cp, same=False)
    summer, moved_orders = summer_time_edges(clean["orders"])
    var = add("summer_time", {**clean, "orders": summer}, truth={**clean, "orders": summer}, same=False)
    var.notes["moved"] = moved_orders
    heavy = orphan_heavy(clean)
    add("orphan_heavy", heavy, truth=heavy, same=False)

    # refused: Excel serial numbers instead of dates; day and month never above 12
    serial = clean["orders"].copy()
    i = serial.col("order_purchase_timestamp")
    for row in serial.rows:
        t = dt.datetime.fromisoformat(row[i])
        row[i] = f"{(t - dt.datetime(1899, 12, 30)).total_seconds() / 86400:.6f}"
    var = add("excel_serial_dates", {**clean, "orders": serial}, same=False)
    var.notes["bad"] = (2, serial.rows[0][i])
    ambiguous = {k: t.copy() for k, t in clean.items()}
    ambiguous["orders"].rows = [r for r in ambiguous["orders"].rows
                                if all(not r[ambiguous["orders"].col(c)] or
                                       dt.datetime.fromisoformat(r[ambiguous["orders"].col(c)]).day <= 12
                                       for c in ORDER_TIMES)]
    kept = {r[0] for r in ambiguous["orders"].rows}
    for kind in ("order_items", "payments"):  # order_id is their first column
        ambiguous[kind].rows = [r for r in ambiguous[kind].rows if r[0] in kept]
    truth = {**ambiguous, "orders": Table(clean["orders"].header, [r for r in clean["orders"].rows if r[0] in kept])}
    ambiguous["orders"] = reformat_times(ambiguous["orders"], us_seconds)
    var = add("ambiguous_dates", ambiguous, truth=truth, same=False)
    var.notes["bad"] = (2, ambiguous["orders"].rows[0][ambiguous["orders"].col("order_purchase_timestamp")])
    return v


# ------------------------------------------------------------------ the raw computation
def csv_days(truth: dict[str, Table]) -> dict[str, dt.date]:
    """Every order's date as written in the (ISO) purchase timestamp."""
    return {r["order_id"]: dt.date.fromisoformat(r["order_purchase_timestamp"][:10]) for r in truth["orders"].dicts()}


def raw_kpis_by_day(truth: dict[str, Table]) -> dict[dt.date, dict]:
    """receita_bruta, desconto_concedido, receita_liquida, pedidos, itens, clientes_ativos per order day.

    Lines count when their order is in the orders file and not canceled/unavailable; an order's
    discount is its voucher payments, at most its lines' total (a voucher beyond it paid freight);
    a customer is its person (customer_unique_id), or its customer_id when the customers file has
    no person for it (a missing file, a customer not in it)."""
    orders = {r["order_id"]: r for r in truth["orders"].dicts()}
    persons = {}
    if truth.get("customers") is not None:
        persons = {r["customer_id"]: r["customer_unique_id"] for r in truth["customers"].dicts() if r["customer_unique_id"]}
    vouchers = defaultdict(Decimal)
    if truth.get("payments") is not None:
        for r in truth["payments"].dicts():
            if r["payment_type"] == "voucher":
                vouchers[r["order_id"]] += Decimal(r["payment_value"])
    prices = defaultdict(list)
    for r in truth["order_items"].dicts():
        if r["order_id"] in orders:
            prices[r["order_id"]].append(Decimal(r["price"]))
    days = csv_days(truth)
    out: dict[dt.date, dict] = {}
    for oid, line_prices in prices.items():
        order = orders[oid]
        if order["order_status"] in CANCELED:
            continue
        k = out.setdefault(days[oid], {"receita_bruta": Decimal(0), "desconto_concedido": Decimal(0),
                                       "receita_liquida": Decimal(0), "pedidos": 0, "itens": 0, "clientes": set()})
        gross = sum(line_prices, Decimal(0))
        discount = min(vouchers[oid], gross)
        k["receita_bruta"] += gross
        k["desconto_concedido"] += discount
        k["receita_liquida"] += gross - discount
        k["pedidos"] += 1
        k["itens"] += len(line_prices)
        if order["customer_id"]:
            k["clientes"].add(persons.get(order["customer_id"], order["customer_id"]))
    for k in out.values():
        k["clientes_ativos"] = len(k.pop("clientes"))
    return out
