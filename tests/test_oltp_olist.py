"""`harness oltp import-olist`: the Olist sample lands in the shop, idempotently; broken input changes nothing."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.oltp import olist
from tests.oltp_helpers import checksums, one, rows

SAMPLE = Path(__file__).resolve().parent / "data" / "olist"


def csv_rows(name: str) -> list[dict]:
    with open(SAMPLE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_sample_imports_with_independently_counted_rows_and_reimports_idempotently(fresh_dbs):
    orders = csv_rows("olist_orders_dataset.csv")
    items = csv_rows("olist_order_items_dataset.csv")
    payments = csv_rows("olist_order_payments_dataset.csv")
    report = olist.import_olist(SAMPLE)

    assert one("SELECT count(*) FROM shop.orders") == len({r["order_id"] for r in orders})
    assert one("SELECT count(*) FROM shop.order_items") == len(items)
    assert one("SELECT count(*) FROM shop.customers") == len(csv_rows("olist_customers_dataset.csv"))
    assert one("SELECT count(*) FROM shop.products") == len(csv_rows("olist_products_dataset.csv"))
    assert one("SELECT count(*) FROM shop.sellers") == len(csv_rows("olist_sellers_dataset.csv"))
    assert report.tables["order_items"].read == len(items) == report.tables["order_items"].inserted
    assert report.tables["orders"].inserted == len(orders)
    # money: delivered lines, computed from the CSVs
    delivered = {r["order_id"] for r in orders if r["order_status"] == "delivered"}
    price = sum(Decimal(r["price"]) for r in items if r["order_id"] in delivered)
    freight = sum(Decimal(r["freight_value"]) for r in items if r["order_id"] in delivered)
    assert rows("SELECT sum(unit_price * quantity), sum(freight_value) FROM shop.order_items i "
                "JOIN shop.orders o USING (order_id) WHERE o.status = 'delivered'")[0] == (price, freight)
    # statuses kept as in Olist
    by_status = defaultdict(int)
    for r in orders:
        by_status[r["order_status"]] += 1
    assert dict(rows("SELECT status, count(*) FROM shop.orders GROUP BY 1")) == by_status
    # vouchers: one discount per order paid partly with a voucher, spread over its lines, capped at line value
    voucher_orders = {r["order_id"] for r in payments if r["payment_type"] == "voucher"}
    assert one("SELECT count(*) FROM shop.discounts WHERE campaign = 'Voucher Olist'") == len(voucher_orders)
    assert one("SELECT count(*) FROM shop.orders WHERE discount_id IS NOT NULL") == len(voucher_orders)
    assert one("SELECT count(*) FROM shop.order_items WHERE discount_amount > unit_price * quantity "
               "OR discount_amount < 0") == 0
    with_lines = voucher_orders & {r["order_id"] for r in items}
    assert one("SELECT count(DISTINCT order_id) FROM shop.order_items WHERE discount_amount > 0") <= len(with_lines)
    assert one("SELECT count(DISTINCT order_id) FROM shop.order_items WHERE discount_amount > 0") > 0.8 * len(with_lines)
    # order seller = seller of line 1; sellers in one team per region
    first = {r["order_id"]: r["seller_id"] for r in items if r["order_item_id"] == "1"}
    got = dict(rows("SELECT order_id, seller_id FROM shop.orders WHERE seller_id IS NOT NULL"))
    assert got == first
    assert {r[0] for r in rows("SELECT name FROM shop.teams")} >= {"Equipe Sudeste", "Equipe Nordeste"}
    assert one("SELECT count(*) FROM shop.sellers s JOIN shop.teams t USING (team_id) "
               "JOIN shop.states st ON st.state = s.state WHERE st.region_id <> t.region_id") == 0
    assert one("SELECT count(*) FROM shop.products WHERE list_price IS NOT NULL AND "
               "NOT (unit_cost BETWEEN list_price * 0.55 - 0.01 AND list_price * 0.75 + 0.01)") == 0  # rounding
    assert one("SELECT count(*) FROM shop.sales_targets") > 0

    # the change log (oltp V002) holds one state per imported customer, product and seller
    for table, key in (("customers", "customer_id"), ("products", "product_id"), ("sellers", "seller_id")):
        assert one(f"SELECT count(*) FROM shop.{table}_history") == one(f"SELECT count(*) FROM shop.{table}") > 0
        assert one(f"SELECT count(*) FROM shop.{table} t LEFT JOIN shop.{table}_history h USING ({key}) "
                   "WHERE h.updated_at IS DISTINCT FROM t.updated_at") == 0
    logged = one("SELECT count(*) FROM shop.customers_history")

    before = checksums()
    again = olist.import_olist(SAMPLE)
    assert checksums() == before
    assert one("SELECT count(*) FROM shop.customers_history") == logged  # nothing changed, nothing logged
    assert all(t.inserted == 0 and t.updated == 0 for t in again.tables.values())
    assert again.tables["orders"].unchanged == len(orders)
    result = CliRunner().invoke(app, ["oltp", "import-olist", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert checksums() == before


def small_copy(tmp_path: Path, orders_limit: int = 200) -> Path:
    """A consistent little subset: the first orders, their lines, everything else whole."""
    target = tmp_path / "olist"
    shutil.copytree(SAMPLE, target)
    orders = csv_rows("olist_orders_dataset.csv")[:orders_limit]
    keep = {r["order_id"] for r in orders}
    for name, rows_ in (("olist_orders_dataset.csv", orders),
                        ("olist_order_items_dataset.csv",
                         [r for r in csv_rows("olist_order_items_dataset.csv") if r["order_id"] in keep])):
        with open(target / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows_[0]))
            writer.writeheader()
            writer.writerows(rows_)
    return target


def test_missing_file_and_malformed_csv_are_errors_that_change_nothing(fresh_dbs, tmp_path):
    good = small_copy(tmp_path)
    olist.import_olist(good)
    before = checksums()

    broken = tmp_path / "missing"
    shutil.copytree(good, broken)
    (broken / "olist_orders_dataset.csv").unlink()
    with pytest.raises(HarnessError, match="olist_orders_dataset.csv"):
        olist.import_olist(broken)

    truncated = tmp_path / "truncated"
    shutil.copytree(good, truncated)
    path = truncated / "olist_order_items_dataset.csv"
    lines = path.read_text().splitlines()
    lines[3] = ",".join(lines[3].split(",")[:4])  # a line cut short
    # and change an order so a partial write would show
    path.write_text("\n".join(lines) + "\n")
    orders_path = truncated / "olist_orders_dataset.csv"
    orders_path.write_text(orders_path.read_text().replace("delivered", "shipped", 1))
    with pytest.raises(HarnessError, match=r"olist_order_items_dataset.csv, line 4: 4 fields"):
        olist.import_olist(truncated)

    header = tmp_path / "header"
    shutil.copytree(truncated, header)
    shutil.copy(good / "olist_order_items_dataset.csv", header / "olist_order_items_dataset.csv")
    sellers = header / "olist_sellers_dataset.csv"
    sellers.write_text(sellers.read_text().replace("seller_id", "vendor_id", 1))
    with pytest.raises(HarnessError, match="lacks required column.*seller_id"):
        olist.import_olist(header)

    unterminated = tmp_path / "quote"
    shutil.copytree(header, unterminated)
    shutil.copy(good / "olist_sellers_dataset.csv", unterminated / "olist_sellers_dataset.csv")
    products = unterminated / "olist_products_dataset.csv"
    products.write_text(products.read_text() + 'abc,"cama_mesa_banho,1,2,3,4,5,6,7\n')
    with pytest.raises(HarnessError, match="olist_products_dataset.csv"):
        olist.import_olist(unterminated)

    assert checksums() == before
    result = CliRunner().invoke(app, ["oltp", "import-olist", str(broken)])
    assert result.exit_code == 1 and "missing" in result.output


def test_messy_but_valid_input_is_imported(fresh_dbs, tmp_path):
    """BOM, Latin-1, a missing optional column, orphans and bad rows: imported or skipped with a reason."""
    messy = small_copy(tmp_path, orders_limit=100)
    customers = messy / "olist_customers_dataset.csv"
    text = customers.read_text(encoding="utf-8")
    text += "ffffffffffffffffffffffffffffffff,eeee,01001,são paulo,SP\n"
    customers.write_bytes(text.encode("latin-1"))  # Latin-1 with a non-ASCII city
    sellers = messy / "olist_sellers_dataset.csv"
    sellers.write_bytes(b"\xef\xbb\xbf" + sellers.read_bytes())  # a BOM
    items = list(csv.DictReader(open(messy / "olist_order_items_dataset.csv", newline="", encoding="utf-8")))
    with open(messy / "olist_order_items_dataset.csv", "w", newline="", encoding="utf-8") as f:
        fields = [c for c in items[0] if c != "freight_value"]  # optional column left out
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(items)
        writer.writerow({**items[0], "order_id": "0" * 32, "order_item_id": "1"})  # orphan line: kept
        writer.writerow({**items[0], "order_item_id": "x"})  # unusable line number: skipped
        writer.writerow(items[0])  # duplicate key: skipped
    report = olist.import_olist(messy)
    assert report.encodings["olist_customers_dataset.csv"] == "latin-1"
    assert report.encodings["olist_sellers_dataset.csv"] == "utf-8"
    assert one("SELECT city FROM shop.customers WHERE customer_id = %s", ("f" * 32,)) == "são paulo"
    assert one("SELECT count(*) FROM shop.sellers") == len(csv_rows("olist_sellers_dataset.csv"))
    assert one("SELECT sum(freight_value) FROM shop.order_items") == 0
    assert one("SELECT count(*) FROM shop.order_items WHERE order_id = %s", ("0" * 32,)) == 1
    line_report = report.tables["order_items"]
    assert line_report.read == len(items) + 3
    assert line_report.inserted == len(items) + 1
    assert line_report.skipped == {"bad order_item_id": 1, "duplicate key": 1}
