"""`harness oltp import-olist DIR`: the Olist CSV layout into the shop schema.

Mapping: docs/olist-mapping.md. Two phases:
1. read and validate every file (encoding utf-8-sig, else latin-1; header with the
   required columns; every record with the header's field count; no unterminated quote).
   Any file-level problem is a HarnessError before anything is written. Row-level
   problems (no key, duplicate key, unparsable number or timestamp) skip the row and are
   counted with their reason; orphans are kept (the warehouse copes with them).
2. write everything in ONE transaction: rows are COPYed into temporary tables, then
   upserted (INSERT ... ON CONFLICT DO UPDATE ... WHERE the row differs), so importing
   the same directory twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from psycopg import sql

from harness import db
from harness.errors import HarnessError
from harness.oltp import reference as ref
from harness.oltp.shopdb import SHOP_TABLES

# file key: (file name, required columns, optional columns, required file?)
FILES = {
    "customers": ("olist_customers_dataset.csv", ("customer_id",),
                  ("customer_unique_id", "customer_zip_code_prefix", "customer_city", "customer_state"), True),
    "orders": ("olist_orders_dataset.csv", ("order_id", "customer_id", "order_status", "order_purchase_timestamp"),
               (), True),
    "order_items": ("olist_order_items_dataset.csv", ("order_id", "order_item_id", "product_id", "seller_id", "price"),
                    ("freight_value", "shipping_limit_date"), True),
    "payments": ("olist_order_payments_dataset.csv", ("order_id", "payment_type", "payment_value"),
                 ("payment_sequential", "payment_installments"), True),
    "products": ("olist_products_dataset.csv", ("product_id",), ("product_category_name",), True),
    "sellers": ("olist_sellers_dataset.csv", ("seller_id",), ("seller_zip_code_prefix", "seller_city", "seller_state"),
                True),
    "translation": ("product_category_name_translation.csv",
                    ("product_category_name", "product_category_name_english"), (), False),
}
VOUCHER_CAMPAIGN = "Voucher Olist"
CANCELED = ("canceled", "unavailable")


@dataclass
class TableReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    used: int = 0  # rows of a file with no table of its own, folded into another (voucher payments)
    skipped: Counter = field(default_factory=Counter)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.used


@dataclass
class ImportReport:
    directory: Path
    tables: dict[str, TableReport] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())


# ------------------------------------------------------------------ reading
def decode(raw: bytes) -> tuple[str, str]:
    """Text of a CSV file: UTF-8 (a BOM dropped), else Latin-1."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return raw.decode("latin-1"), "latin-1"


def read_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> tuple[list[dict], str]:
    """Every record of a file as a dict; a HarnessError names the file and line of any structural fault."""
    try:
        text, encoding = decode(path.read_bytes())
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read ({exc.strerror})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise HarnessError(f"{path}: empty file (no header)")
        header = [h.strip().lower() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise HarnessError(f"{path}: header lacks required column(s) {', '.join(missing)} "
                               f"(found: {', '.join(header)})")
        records = []
        for fields in reader:
            if not fields:
                continue  # a blank line
            if len(fields) != len(header):
                raise HarnessError(f"{path}, line {reader.line_num}: {len(fields)} fields where the header has "
                                   f"{len(header)} (truncated or malformed line)")
            records.append(dict(zip(header, (f.strip() for f in fields))))
    except csv.Error as exc:
        raise HarnessError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    for column in optional:
        for rec in records:
            rec.setdefault(column, "")
    return records, encoding


def read_all(directory: Path, report: ImportReport) -> dict[str, list[dict]]:
    if not directory.is_dir():
        raise HarnessError(f"{directory} is not a directory")
    missing = [name for key, (name, _, _, required) in FILES.items() if required and not (directory / name).exists()]
    if missing:
        raise HarnessError(f"{directory}: required file(s) missing: {', '.join(missing)}; nothing was imported")
    data = {}
    for key, (name, required, optional, _) in FILES.items():
        path = directory / name
        if not path.exists():
            report.notes.append(f"{name} not found (optional)")
            data[key] = []
            continue
        data[key], report.encodings[name] = read_csv(path, required, optional)
    return data


# ------------------------------------------------------------------ mapping
def money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ".")) if text else None
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value is not None and value.is_finite() else None


def timestamp(text: str) -> str | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S") + "-03"  # Olist times are Brasília time


def cost_factor(product_id: str) -> Decimal:
    """Deterministic cost share of the price, 0.55 to 0.75, from the product id."""
    spread = int(hashlib.md5(product_id.encode()).hexdigest()[:8], 16) % 2001  # 0..2000
    return Decimal("0.55") + Decimal(spread) / Decimal(10000)


def uf(text: str) -> str | None:
    text = text.upper()
    return text if text in ref.STATES else None


def unique(records, key, report: TableReport, check=None):
    """Rows with a key, first occurrence of each key; skips counted with their reason."""
    seen = set()
    for rec in records:
        report.read += 1
        k = key(rec)
        if not all(k if isinstance(k, tuple) else (k,)):
            report.skipped["missing key"] += 1
            continue
        if k in seen:
            report.skipped["duplicate key"] += 1
            continue
        reason = check(rec) if check else None
        if reason:
            report.skipped[reason] += 1
            continue
        seen.add(k)
        yield rec


def build(data: dict[str, list[dict]], report: ImportReport) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """The shop rows of every table, from the validated records."""
    out: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}
    region_of = {s: r for s, (_, r, _, _) in ref.STATES.items()}

    out["regions"] = (("region_id", "name"), list(ref.REGIONS.items()))
    out["states"] = (("state", "name", "region_id", "population"),
                     [(s, n, r, p) for s, (n, r, p, _) in ref.STATES.items()])
    out["teams"] = (("team_id", "name", "region_id"),
                    [(f"T{r}", ref.region_team_name(r), r) for r in ref.REGIONS])

    sellers = []
    for rec in unique(data["sellers"], lambda r: r["seller_id"], report.table("sellers")):
        state = uf(rec["seller_state"])
        sellers.append((rec["seller_id"], f"Vendedor {rec['seller_id'][:8]}",
                        f"T{region_of[state]}" if state else None, rec["seller_city"] or None, state))
    out["sellers"] = (("seller_id", "name", "team_id", "city", "state"), sellers)

    customers = []
    for rec in unique(data["customers"], lambda r: r["customer_id"], report.table("customers")):
        customers.append((rec["customer_id"], rec["customer_unique_id"] or None, f"Cliente {rec['customer_id'][:8]}",
                          rec["customer_city"] or None, uf(rec["customer_state"]), "varejo"))
    out["customers"] = (("customer_id", "customer_unique_id", "name", "city", "state", "segment"), customers)

    orders = {}
    for rec in unique(data["orders"], lambda r: r["order_id"], report.table("orders"),
                      check=lambda r: None if timestamp(r["order_purchase_timestamp"]) else "bad purchase timestamp"):
        orders[rec["order_id"]] = rec

    def line_check(r):
        if not r["order_item_id"].isdigit():
            return "bad order_item_id"
        if money(r["price"]) is None:
            return "bad price"
        if r["freight_value"] and money(r["freight_value"]) is None:
            return "bad freight_value"
        return None

    lines = list(unique(data["order_items"], lambda r: (r["order_id"], r["order_item_id"]),
                        report.table("order_items"), check=line_check))
    lines.sort(key=lambda r: (r["order_id"], int(r["order_item_id"])))
    prices = defaultdict(list)
    gross = defaultdict(Decimal)
    first_seller = {}
    for rec in lines:
        price = money(rec["price"])
        prices[rec["product_id"]].append(price)
        gross[rec["order_id"]] += price
        first_seller.setdefault(rec["order_id"], rec["seller_id"] or None)

    products = []
    product_cost = {}
    for rec in unique(data["products"], lambda r: r["product_id"], report.table("products")):
        pid = rec["product_id"]
        category = rec["product_category_name"] or None
        list_price = statistics.median(prices[pid]).quantize(Decimal("0.01")) if prices.get(pid) else None
        cost = (list_price * cost_factor(pid)).quantize(Decimal("0.01")) if list_price is not None else None
        product_cost[pid] = cost
        products.append((pid, f"{(category or 'produto').replace('_', ' ')} {pid[:8]}", category, None, list_price, cost))
    out["products"] = (("product_id", "name", "category", "subcategory", "list_price", "unit_cost"), products)

    # vouchers -> discounts
    vouchers = defaultdict(Decimal)
    pay = report.table("payments")
    for rec in data["payments"]:
        pay.read += 1
        if not rec["order_id"]:
            pay.skipped["missing key"] += 1
        elif rec["payment_type"] != "voucher":
            pay.skipped["not a voucher (payments have no shop table)"] += 1
        elif rec["order_id"] not in orders:
            pay.skipped["voucher of an order not in the orders file"] += 1
        elif money(rec["payment_value"]) is None:
            pay.skipped["bad payment_value"] += 1
        else:
            vouchers[rec["order_id"]] += money(rec["payment_value"])
            pay.used += 1
    discounts = []
    discount_of = {}
    for oid in sorted(vouchers):
        did = f"V{oid}"
        day = orders[oid]["order_purchase_timestamp"][:10]
        discount_of[oid] = did
        discounts.append((did, f"VOUCHER-{oid[:8].upper()}", VOUCHER_CAMPAIGN, "fixed", vouchers[oid], day, day,
                          vouchers[oid]))
    out["discounts"] = (("discount_id", "code", "campaign", "kind", "value", "valid_from", "valid_to", "campaign_cost"),
                        discounts)
    report.table("discounts").read = len(discounts)

    out["orders"] = (("order_id", "customer_id", "seller_id", "status", "ordered_at", "discount_id"),
                     [(oid, r["customer_id"] or None, first_seller.get(oid), r["order_status"] or "created",
                       timestamp(r["order_purchase_timestamp"]), discount_of.get(oid)) for oid, r in orders.items()])

    items = []
    revenue = defaultdict(Decimal)  # (seller, month) -> sales of orders not canceled
    for rec in lines:
        oid, pid = rec["order_id"], rec["product_id"]
        price = money(rec["price"])
        discount = Decimal(0)
        if oid in vouchers and gross[oid] > 0:
            discount = min((vouchers[oid] * price / gross[oid]).quantize(Decimal("0.01")), price)
        unit_cost = (price * cost_factor(pid)).quantize(Decimal("0.01")) if pid else None
        items.append((f"{oid}-{rec['order_item_id']}", oid, int(rec["order_item_id"]), pid or None,
                      rec["seller_id"] or None, 1, price, unit_cost, discount, money(rec["freight_value"]) or 0))
        order = orders.get(oid)
        if order and rec["seller_id"] and order["order_status"] not in CANCELED:
            month = dt.date.fromisoformat(order["order_purchase_timestamp"][:7] + "-01")
            revenue[(rec["seller_id"], month)] += price - discount
    out["order_items"] = (("order_item_id", "order_id", "line_number", "product_id", "seller_id", "quantity",
                           "unit_price", "unit_cost", "discount_amount", "freight_value"), items)

    out["sales_targets"] = (("seller_id", "month", "target_amount"), sales_targets(revenue))
    report.table("sales_targets").read = len(out["sales_targets"][1])
    trans = report.table("translation")
    trans.read = len(data["translation"])
    if trans.read:
        trans.skipped["reference only: categories are kept in Portuguese"] = trans.read
    return out


def _add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.month - 1 + n, 12)
    return dt.date(month.year + y, m + 1, 1)


def sales_targets(revenue: dict[tuple[str, dt.date], Decimal]) -> list[tuple]:
    """Target of a seller for month M (from the month after its first sale to the last month of
    the data) = 1.1 x its average monthly net sales over M-3..M-1 (months before its first sale
    not counted), rounded to R$ 10, at least R$ 100; no target when that average is 0."""
    if not revenue:
        return []
    last = max(m for _, m in revenue)
    first_of = {}
    for seller, month in revenue:
        first_of[seller] = min(first_of.get(seller, month), month)
    rows = []
    for seller in sorted(first_of):
        month = _add_months(first_of[seller], 1)
        while month <= last:
            window = [_add_months(month, -k) for k in (1, 2, 3)]
            window = [w for w in window if w >= first_of[seller]]
            average = sum((revenue.get((seller, w), Decimal(0)) for w in window), Decimal(0)) / len(window)
            if average > 0:
                target = max(Decimal(100), (average * Decimal("1.1")).quantize(Decimal("1E1")))
                rows.append((seller, month, target.quantize(Decimal("0.01"))))
            month = _add_months(month, 1)
    return rows


# ------------------------------------------------------------------ writing
def upsert(conn, table: str, columns: tuple[str, ...], rows: list[tuple], report: TableReport) -> None:
    key = SHOP_TABLES[table]
    stage = f"olist_{table}"
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE shop.{} INCLUDING DEFAULTS) ON COMMIT DROP").format(
        sql.Identifier(stage), sql.Identifier(table)))
    with conn.cursor() as cur:
        stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(stage),
                                                         sql.SQL(", ").join(map(sql.Identifier, columns)))
        with cur.copy(stmt) as copy:
            for row in rows:
                copy.write_row(row)
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    others = [c for c in columns if c not in key]
    query = sql.SQL(
        "INSERT INTO shop.{t} AS t ({cols}) SELECT {cols} FROM {s} "
        "ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE ({tcols}) IS DISTINCT FROM ({ecols}) "
        "RETURNING (xmax = 0)").format(
        t=sql.Identifier(table), cols=cols, s=sql.Identifier(stage),
        key=sql.SQL(", ").join(map(sql.Identifier, key)),
        sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in others),
        tcols=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in others),
        ecols=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in others))
    flags = [r[0] for r in conn.execute(query)]
    report.inserted += sum(flags)
    report.updated += len(flags) - sum(flags)
    report.unchanged += len(rows) - len(flags)


def import_olist(directory: Path | str) -> ImportReport:
    """Validate every file, then upsert everything in one transaction."""
    directory = Path(directory)
    report = ImportReport(directory)
    data = read_all(directory, report)
    tables = build(data, report)
    with db.connect("oltp", "owner") as conn:
        for table in ("regions", "states", "teams"):
            report.table(table).read = len(tables[table][1])
        for table in ("regions", "states", "teams", "sellers", "customers", "products", "discounts", "orders",
                      "order_items", "sales_targets"):
            columns, rows = tables[table]
            upsert(conn, table, columns, rows, report.table(table))
        conn.commit()
    return report

