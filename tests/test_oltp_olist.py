"""`harness oltp import-olist`: the Olist sample lands in the shop, idempotently; broken input changes nothing."""

from __future__ import annotations

import csv
import random
import re
import shutil
from collections import defaultdict
from datetime import date, datetime
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
    assert report.files["order_items"].read == len(items) == report.tables["order_items"].inserted
    assert report.tables["orders"].inserted == len(orders)
    # every order on the date written in the CSV (America/Sao_Paulo wall-clock time, summer time included)
    days = dict(rows("SELECT order_id, to_char(ordered_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD HH24:MI:SS') "
                     "FROM shop.orders"))
    assert days == {r["order_id"]: r["order_purchase_timestamp"] for r in orders}
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
    # vouchers: one discount per order paid partly with a voucher; its lines' discounts add up exactly to
    # the voucher, or to the lines' total when the voucher is larger (it paid freight too)
    voucher = defaultdict(Decimal)
    for r in payments:
        if r["payment_type"] == "voucher":
            voucher[r["order_id"]] += Decimal(r["payment_value"])
    assert one("SELECT count(*) FROM shop.discounts WHERE campaign = 'Voucher Olist'") == len(voucher)
    assert dict(rows("SELECT order_id, value FROM shop.discounts JOIN shop.orders USING (discount_id)")) == voucher
    gross = defaultdict(Decimal)
    for r in items:
        gross[r["order_id"]] += Decimal(r["price"])
    want = {o: min(v, gross[o]) for o, v in voucher.items() if o in gross}
    got = dict(rows("SELECT order_id, sum(discount_amount) FROM shop.order_items GROUP BY 1 HAVING bool_or(order_id IN "
                    "(SELECT order_id FROM shop.orders WHERE discount_id IS NOT NULL))"))
    assert got == want
    assert one("SELECT count(*) FROM shop.order_items WHERE discount_amount > unit_price * quantity "
               "OR discount_amount < 0") == 0
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
    """A consistent little subset: the first orders, their lines and payments, everything else whole."""
    target = tmp_path / "olist"
    shutil.copytree(SAMPLE, target)
    orders = csv_rows("olist_orders_dataset.csv")[:orders_limit]
    keep = {r["order_id"] for r in orders}
    for name, rows_ in (("olist_orders_dataset.csv", orders),
                        ("olist_order_items_dataset.csv",
                         [r for r in csv_rows("olist_order_items_dataset.csv") if r["order_id"] in keep]),
                        ("olist_order_payments_dataset.csv",
                         [r for r in csv_rows("olist_order_payments_dataset.csv") if r["order_id"] in keep])):
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
    report = olist.import_olist(messy, max_orphan_share=0.02)
    assert report.files["customers"].encoding == "latin-1"
    assert report.files["sellers"].encoding == "utf-8"
    assert one("SELECT city FROM shop.customers WHERE customer_id = %s", ("f" * 32,)) == "são paulo"
    assert one("SELECT count(*) FROM shop.sellers") == len(csv_rows("olist_sellers_dataset.csv"))
    assert one("SELECT sum(freight_value) FROM shop.order_items") == 0
    assert one("SELECT count(*) FROM shop.order_items WHERE order_id = %s", ("0" * 32,)) == 1
    line_report = report.files["order_items"]
    assert line_report.read == len(items) + 3
    assert report.tables["order_items"].inserted == line_report.imported == len(items) + 1
    assert line_report.skipped == {"bad order_item_id": 1} and line_report.duplicates == 1
    assert line_report.examples["bad order_item_id"] == (len(items) + 3, "x")
    assert line_report.orphans == {"lines without their order": 1}
    assert report.warnings and "1 lines without their order" in report.warnings[0]


def test_voucher_shares_add_up_exactly_by_largest_remainder():
    cents = Decimal("0.01")
    assert olist.allocate(Decimal("31.25"), [Decimal("10.00"), Decimal("10.00")]) == [Decimal("15.63"), Decimal("15.62")]
    assert olist.allocate(Decimal("10.00"), [Decimal("5")] * 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    # the largest remainder wins the cent, not the first line: 0.05 over 1.00 / 3.00 -> 0.0125 / 0.0375
    assert olist.allocate(Decimal("0.05"), [Decimal("1.00"), Decimal("3.00")]) == [Decimal("0.01"), Decimal("0.04")]
    assert olist.allocate(Decimal("0"), [Decimal("1")]) == [Decimal("0.00")]
    assert olist.allocate(Decimal("5"), [Decimal("0"), Decimal("0")]) == [Decimal("0.00")] * 2
    rng = random.Random(7)
    for _ in range(2000):
        prices = [Decimal(rng.randint(0, 50_000)) * cents for _ in range(rng.randint(1, 6))]
        voucher = min(Decimal(rng.randint(1, 60_000)) * cents, sum(prices))
        shares = olist.allocate(voucher, prices)
        assert sum(shares) == (voucher if sum(prices) else 0), (voucher, prices, shares)
        assert all(0 <= s <= p for s, p in zip(shares, prices))
        # each share within a cent of its exact proportion
        assert all(abs(s - voucher * p / sum(prices)) < cents for s, p in zip(shares, prices) if sum(prices))


def test_sales_targets_round_to_ten_half_up_as_documented():
    jan, feb = date(2018, 1, 1), date(2018, 2, 1)
    # 1.1 x 150 = 165: half up gives 170 (half even would give 160)
    assert olist.sales_targets({("S", jan): Decimal("150"), ("S", feb): Decimal("1")}) == [
        ("S", feb, Decimal("170.00"))]
    assert olist.sales_targets({("S", jan): Decimal("149.99"), ("S", feb): Decimal("1")})[0][2] == Decimal("160.00")
    assert olist.sales_targets({("S", jan): Decimal("10"), ("S", feb): Decimal("1")})[0][2] == Decimal("100.00")
    doc = (Path(__file__).resolve().parents[1] / "docs" / "olist-mapping.md").read_text(encoding="utf-8")
    assert "rounded to R$ 10 half up** (165 → 170, 164.99 → 160)" in doc


def rec(line, **values):
    base = {c: "" for c in olist.SPECS["orders"].columns + olist.SPECS["orders"].evidence}
    return {**base, **values, "_line": line}


@pytest.mark.parametrize("values, evidence, name", [
    (["2017-10-02 10:56:00", "2018-01-31 23:58:00"], [], "iso"),
    (["10/2/2017 10:56", "10/22/2017 9:05"], [], "m/d/yyyy"),            # a US spreadsheet: line 3 decides
    (["10/2/2017 10:56", "10/2/2017 11:00"], ["10/13/2017 0:00"], "m/d/yyyy"),  # another date column decides
    (["02/10/2017 10:56:00", "22/10/2017 09:05:00"], [], "d/m/yyyy"),
    (["10/2/2017 10:56 PM", "10/22/2017 9:05 AM"], [], "m/d/yyyy"),
])
def test_date_format_is_decided_per_file_from_its_values(values, evidence, name):
    records = [rec(i + 2, order_purchase_timestamp=v) for i, v in enumerate(values)]
    for r, e in zip(records, evidence):
        r["order_estimated_delivery_date"] = e
    fmt = olist.detect_date_format(Path("orders.csv"), records, "order_purchase_timestamp",
                                   olist.SPECS["orders"].evidence)
    assert fmt.name == name
    parsed = [fmt.parse(v) for v in values]
    assert all(parsed) and parsed[0].month == 10 and parsed[0].year == 2017


def test_undecidable_dates_are_refused_naming_file_line_and_value():
    ambiguous = [rec(2, order_purchase_timestamp="10/2/2017 10:56"), rec(3, order_purchase_timestamp="3/4/2018 1:00")]
    with pytest.raises(HarnessError, match=r"orders.csv: ambiguous dates.*line 2: '10/2/2017 10:56'.*--date-order"):
        olist.detect_date_format(Path("orders.csv"), ambiguous, "order_purchase_timestamp", ())
    fmt = olist.detect_date_format(Path("orders.csv"), ambiguous, "order_purchase_timestamp", (), "dmy")
    assert fmt.parse("10/2/2017 10:56") == datetime(2017, 2, 10, 10, 56)
    both = [rec(2, order_purchase_timestamp="13/2/2017 10:56"), rec(3, order_purchase_timestamp="2/13/2017 1:00")]
    with pytest.raises(HarnessError, match=r"contradictory dates: line 2 .*'13/2/2017 10:56'.*line 3 .*'2/13/2017 1:00'"):
        olist.detect_date_format(Path("orders.csv"), both, "order_purchase_timestamp", ())


def write_rows(path: Path, rows_: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows_[0]))
        writer.writeheader()
        writer.writerows(rows_)


def test_too_many_unusable_rows_refuse_the_import_and_a_few_are_skipped_with_their_line(fresh_dbs, tmp_path):
    bad = small_copy(tmp_path, orders_limit=100)
    orders = csv_rows("olist_orders_dataset.csv")[:100]
    for r in orders[10:20]:  # 10 %: more than the 5 % allowed
        r["order_purchase_timestamp"] = "32/13/2017 25:00"
    write_rows(bad / "olist_orders_dataset.csv", orders)
    before = checksums()
    with pytest.raises(HarnessError, match=r"nothing was written: \S+olist_orders_dataset.csv: 10 of 100 rows \(10.0%\) "
                                           r"cannot be used, more than 5.0% \(--max-bad-share\): bad purchase "
                                           r"timestamp: 10 \(first: line 12, value '32/13/2017 25:00'\)$"):
        olist.import_olist(bad)
    assert checksums() == before
    report = olist.import_olist(bad, max_bad_share=0.2, accept_orphans=True)
    assert report.files["orders"].skipped == {"bad purchase timestamp": 10}
    assert report.files["orders"].examples["bad purchase timestamp"] == (12, "32/13/2017 25:00")
    assert one("SELECT count(*) FROM shop.orders") == 90
    lost = {r["order_id"] for r in orders[10:20]}
    lines = [r for r in csv_rows("olist_order_items_dataset.csv") if r["order_id"] in lost]
    assert report.files["order_items"].orphans["lines without their order"] == len(lines) > 0


def test_conflicting_rows_of_one_key_are_not_imported_and_identical_ones_are_deduplicated(fresh_dbs, tmp_path):
    copy = small_copy(tmp_path, orders_limit=100)
    orders = csv_rows("olist_orders_dataset.csv")[:100]
    twin = {**orders[5], "order_status": "canceled" if orders[5]["order_status"] != "canceled" else "delivered"}
    write_rows(copy / "olist_orders_dataset.csv", orders + [dict(orders[7]), twin])
    report = olist.import_olist(copy, max_orphan_share=1, max_bad_share=0.05)
    fr = report.files["orders"]
    assert fr.read == 102 and fr.duplicates == 1 and fr.skipped == {"conflicting rows for one key": 2}
    assert fr.examples["conflicting rows for one key"] == (7, f"{orders[5]['order_id']} on lines 7, 103")
    assert one("SELECT count(*) FROM shop.orders") == 99
    assert one("SELECT count(*) FROM shop.orders WHERE order_id = %s", (orders[5]["order_id"],)) == 0
    assert one("SELECT count(*) FROM shop.orders WHERE order_id = %s", (orders[7]["order_id"],)) == 1


def test_file_options_are_checked(tmp_path):
    assert olist.parse_file_options(["orders=a/b.csv", "Order_Items = c.csv"]) == {"orders": "a/b.csv",
                                                                                   "order_items": "c.csv"}
    for bad, message in ((["orders"], "KIND=PATH"), (["reviews=x.csv"], "unknown kind 'reviews'"),
                         (["orders=a", "orders=b"], "given twice")):
        with pytest.raises(HarnessError, match=message):
            olist.parse_file_options(bad)
    assert olist.parse_kinds(["products,sellers", "customers"]) == {"products", "sellers", "customers"}
    with pytest.raises(HarnessError, match="orders and order_items are always required"):
        olist.parse_kinds(["products,orders"])
    with pytest.raises(HarnessError, match=r"--file orders=nowhere.csv \(looked for nowhere.csv and "):
        olist.locate(SAMPLE, {"orders": "nowhere.csv"}, set())
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(SAMPLE / "olist_orders_dataset.csv", empty)
    shutil.copy(SAMPLE / "olist_order_items_dataset.csv", empty)
    with pytest.raises(HarnessError, match=r"olist_customers_dataset.csv \(customers\).*--allow-missing "
                                           r"customers,payments,products,sellers to import without them"):
        olist.locate(empty, {}, set())
    result = CliRunner().invoke(app, ["oltp", "import-olist", str(empty), "--allow-missing", "orders"])
    assert result.exit_code == 2 and "are always required" in re.sub(r"[\s│]+", " ", result.output)  # usage error
