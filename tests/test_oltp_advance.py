"""`harness oltp advance`: every count of its summary matches what changed in the shop."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from harness import db
from harness.cli import app
from harness.errors import HarnessError
from harness.oltp import advance, seed
from tests.oltp_helpers import another_shop, one, rows

SCALE = 0.01


def snapshot() -> dict:
    with db.connect("oltp", "admin") as conn:
        q = lambda s: conn.execute(s).fetchall()  # noqa: E731
        return {
            "customers": {r[0] for r in q("SELECT customer_id FROM shop.customers")},
            "products": {r[0]: (r[1], r[2]) for r in q("SELECT product_id, list_price, unit_cost FROM shop.products")},
            "orders": {r[0]: r[1] for r in q("SELECT order_id, status FROM shop.orders")},
            "lines": {r[0]: r[1] for r in q("SELECT order_item_id, returned_quantity FROM shop.order_items")},
            "max_updated": conn.execute("SELECT greatest((SELECT max(updated_at) FROM shop.orders), "
                                        "(SELECT max(updated_at) FROM shop.order_items))").fetchone()[0],
            "tombstones": dict(q("SELECT table_name, count(*) FROM shop.deleted_rows GROUP BY 1")),
        }


def test_advance_does_what_its_summary_says(fresh_dbs):
    seed.seed(SCALE, 5)
    before = snapshot()
    s = advance.advance(days=1, bad_rows=0.05, seed=11)
    after = snapshot()
    assert s["days"] == 1 and s["first_day"] == "2026-01-01" == s["last_day"]

    new_customers = after["customers"] - before["customers"]
    assert len(new_customers) == s["customers_inserted"] + s["late_customers_inserted"] > 0
    assert s["late_customers_inserted"] == 0  # nothing was pending after a seed
    new_products = set(after["products"]) - set(before["products"])
    assert len(new_products) == s["products_inserted"] > 0
    changed_prices = [p for p in before["products"] if after["products"][p] != before["products"][p]]
    assert len(changed_prices) == s["price_changes"] > 0

    new_orders = set(after["orders"]) - set(before["orders"])
    gone_orders = set(before["orders"]) - set(after["orders"])
    assert len(new_orders) == s["orders_inserted"] > 0
    assert len(gone_orders) == s["orders_deleted"] == 1
    new_lines = set(after["lines"]) - set(before["lines"])
    gone_lines = set(before["lines"]) - set(after["lines"])
    assert len(new_lines) == s["lines_inserted"] > 0
    assert len(gone_lines) == s["lines_deleted"] + s["lines_deleted_with_orders"]
    assert s["lines_deleted"] == 1 and s["lines_deleted_with_orders"] >= 1
    # hard deletes left tombstones naming the deleted keys
    tomb = dict(rows("SELECT table_name, count(*) FROM shop.deleted_rows GROUP BY 1"))
    assert tomb.get("order_items", 0) - before["tombstones"].get("order_items", 0) == len(gone_lines)
    assert tomb.get("orders", 0) - before["tombstones"].get("orders", 0) == 1
    assert {r[0] for r in rows("SELECT row_key FROM shop.deleted_rows WHERE table_name = 'orders'")} == gone_orders
    assert {r[0] for r in rows("SELECT row_key FROM shop.deleted_rows WHERE table_name = 'order_items'")} == gone_lines

    kept = set(before["orders"]) & set(after["orders"])
    canceled = [o for o in kept if after["orders"][o] == "canceled" != before["orders"][o]]
    changed = [o for o in kept if after["orders"][o] != before["orders"][o]]
    assert len(canceled) == s["cancellations"]
    assert len(changed) == s["status_changes"] + s["cancellations"] and s["status_changes"] > 0
    assert any(after["orders"][o] == "delivered" for o in changed)
    returned = [i for i in set(before["lines"]) & set(after["lines"]) if after["lines"][i] != before["lines"][i]]
    assert len(returned) == s["returns"] > 0
    assert one("SELECT count(*) FROM shop.order_items WHERE returned_at = '2026-01-01'") == s["returns"]

    # the order naming a customer that only arrives the next advanced day
    orphans = rows("SELECT o.order_id, o.customer_id FROM shop.orders o LEFT JOIN shop.customers c USING (customer_id) "
                   "WHERE c.customer_id IS NULL")
    assert len(orphans) == s["orders_with_late_customer"] == 1
    # late commits: rows written with an updated_at before the newest one already in the shop
    late_new = one("SELECT (SELECT count(*) FROM shop.orders WHERE updated_at < %(m)s AND order_id <> ALL(%(old)s)) "
                   "+ (SELECT count(*) FROM shop.order_items WHERE updated_at < %(m)s AND order_item_id <> ALL(%(lines)s))",
                   {"m": before["max_updated"], "old": list(before["orders"]), "lines": list(before["lines"])})
    late_existing = one("SELECT count(*) FROM shop.orders WHERE updated_at < %s AND order_id = ANY(%s)",
                        (before["max_updated"], changed))
    assert late_new >= 2 and late_existing == 1
    assert late_new + late_existing == s["late_rows"]

    # bad rows, one query per kind
    assert one("SELECT count(*) FROM shop.order_items WHERE quantity <= 0") == s["bad_quantity_not_positive"] >= 1
    assert one("SELECT count(*) FROM shop.order_items WHERE unit_price < 0") == s["bad_negative_price"] >= 1
    assert one("SELECT count(*) FROM shop.orders WHERE status = 'lost_in_space'") == s["bad_unknown_status"] >= 1
    assert one("SELECT count(*) FROM shop.order_items i WHERE NOT EXISTS "
               "(SELECT 1 FROM shop.products p WHERE p.product_id = i.product_id)") == s["bad_unknown_product"] >= 1
    assert one("SELECT count(*) - count(DISTINCT (order_id, line_number)) FROM shop.order_items") \
        == s["bad_duplicate_line"] >= 1

    # the next day inserts the late customer
    s2 = advance.advance(days=1, seed=11)
    assert s2["first_day"] == "2026-01-02"
    assert s2["late_customers_inserted"] == 1
    assert one("SELECT count(*) FROM shop.customers WHERE customer_id = %s", (orphans[0][1],)) == 1
    assert all(v == 0 for k, v in s2.items() if k.startswith("bad_"))


def test_without_bad_rows_nothing_wrong_is_written_and_new_lines_use_new_prices(fresh_dbs):
    seed.seed(0.003, 9)
    s = advance.advance(days=3, seed=1)
    assert s["days"] == 3 and s["last_day"] == "2026-01-03"
    assert one("SELECT count(*) FROM shop.order_items WHERE quantity <= 0 OR unit_price < 0") == 0
    assert one("SELECT count(*) FROM shop.orders WHERE status NOT IN "
               "('created','approved','invoiced','processing','shipped','delivered','canceled')") == 0
    assert one("SELECT count(*) - count(DISTINCT (order_id, line_number)) FROM shop.order_items") == 0
    # lines sold on a day after a price change carry the product's current cost; older lines keep theirs
    assert one("""SELECT count(*) FROM shop.order_items i JOIN shop.orders o USING (order_id)
                  JOIN shop.products p USING (product_id)
                  WHERE o.ordered_at >= '2026-01-03 00:00-03' AND i.unit_cost IS DISTINCT FROM p.unit_cost""") == 0
    assert one("""SELECT count(*) FROM shop.order_items i JOIN shop.products p USING (product_id)
                  JOIN shop.orders o USING (order_id)
                  WHERE o.ordered_at < '2026-01-01 00:00-03' AND i.unit_cost <> p.unit_cost""") > 0


def test_advance_needs_a_shop_and_sane_options(fresh_dbs):
    with pytest.raises(HarnessError, match="seed"):
        advance.advance(days=1)
    with pytest.raises(HarnessError, match="bad-rows"):
        advance.advance(days=1, bad_rows=2)


def test_advance_cli_prints_its_summary(fresh_dbs):
    seed.seed(0.002, 3)
    result = CliRunner().invoke(app, ["oltp", "advance", "--days", "2", "--date", "2026-02-01", "--bad-rows", "0.1"])
    assert result.exit_code == 0, result.output
    assert "orders_inserted" in result.output and "bad_duplicate_line" in result.output
    assert all(k in result.output for k in advance.TRACKED_KINDS) and "customers_moved_backdated" in result.output
    assert one("SELECT max((ordered_at AT TIME ZONE 'America/Sao_Paulo')::date) FROM shop.orders") == dt.date(2026, 2, 2)
    empty = CliRunner().invoke(app, ["oltp", "advance", "--bad-rows", "-1"])
    assert empty.exit_code == 2 and "bad-rows" in empty.output   # a usage error


def test_advance_numbers_new_products_past_the_padding_width(fresh_dbs):
    # scale 10 generates P00000..P99999: the first advance adds P100000, which sorts among the
    # five-digit ids as text; the second advance used to take P99999 as the last and clash with it
    seed.seed(0.002, 3)
    with db.connect("oltp", "admin") as conn:
        conn.execute("INSERT INTO shop.products (product_id, name, category, subcategory, list_price, unit_cost) "
                     "SELECT 'P99999', name, category, subcategory, list_price, unit_cost "
                     "FROM shop.products ORDER BY product_id LIMIT 1")
    first = advance.advance(days=1, seed=1)
    second = advance.advance(days=1, seed=2)
    added = [r[0] for r in rows("SELECT product_id FROM shop.products WHERE length(product_id) > 6 ORDER BY 1")]
    assert len(added) == first["products_inserted"] + second["products_inserted"]
    assert sorted(int(p[1:]) for p in added) == list(range(100_000, 100_000 + len(added)))


def test_advance_gives_every_seller_a_goal_for_each_month_it_enters(fresh_dbs):
    """The seed's goals end with its last month; advancing into the next months creates theirs (once),
    from each seller's realised sales of the three months before (what the dashboards' Metas page needs)."""
    seed.seed(SCALE, 5)
    sellers = {r[0] for r in rows("SELECT seller_id FROM shop.sellers")}
    assert one("SELECT count(*) FROM shop.sales_targets WHERE month = '2026-01-01'") == 0
    first = advance.advance(days=1, seed=3)  # 2026-01-01: a new month
    assert first["targets_inserted"] == len(sellers)
    # the goal follows the seller's sales of October-December 2025 (as they were that day; later days
    # delete and cancel some of them), within the 0.95-1.15 band
    realised = dict(rows(
        "SELECT coalesce(i.seller_id, o.seller_id), sum(i.quantity * i.unit_price - i.discount_amount) / 3 "
        "FROM shop.orders o JOIN shop.order_items i USING (order_id) WHERE o.status NOT IN ('canceled', 'unavailable') "
        "AND o.ordered_at >= '2025-10-01 00:00-03' AND o.ordered_at < '2026-01-01 00:00-03' GROUP BY 1"))
    for seller, target in rows("SELECT seller_id, target_amount FROM shop.sales_targets WHERE month = '2026-01-01'"):
        base = float(realised.get(seller) or 0)
        if base > 100:
            assert 0.95 * base - 5 <= float(target) <= 1.15 * base + 5, (seller, target, base)
    s = advance.advance(days=32, seed=3)  # 2026-01-02 .. 2026-02-02: one more new month
    assert s["last_day"] == "2026-02-02" and s["targets_inserted"] == len(sellers)
    for month in ("2026-01-01", "2026-02-01"):
        assert {r[0] for r in rows("SELECT seller_id FROM shop.sales_targets WHERE month = %s", (month,))} == sellers
    again = advance.advance(days=1, seed=3)  # the month already has its goals: none added
    assert again["targets_inserted"] == 0
    assert one("SELECT count(*) FROM shop.sales_targets WHERE month = '2026-02-01'") == len(sellers)


# the change-log rows of tracked (type-2) changes written after history_id `mark`: a row whose
# tracked attributes differ from the key's previous state; (key, new values, effective time)
TRACKED_CHANGES = {
    "customers_moved": ("customers", "customer_id", "state, city"),
    "products_recategorised": ("products", "product_id", "category, subcategory"),
    "sellers_transferred": ("sellers", "seller_id", "team_id"),
}


def tracked_changes(marks: dict) -> dict[str, list[tuple]]:
    out = {}
    for kind, (table, key, columns) in TRACKED_CHANGES.items():
        out[kind] = rows(f"""
            SELECT {key}, ({columns})::text, updated_at FROM (
                SELECT h.*, ({columns}) IS DISTINCT FROM (lag(({columns})) OVER w) AS changed,
                       lag(history_id) OVER w IS NOT NULL AS has_previous
                FROM shop.{table}_history h WINDOW w AS (PARTITION BY {key} ORDER BY history_id)) x
            WHERE history_id > %s AND changed AND has_previous ORDER BY 1, 3""", (marks[table],))
    return out


def test_advance_writes_tracked_changes_some_backdated_and_reports_them(fresh_dbs, template_dbs, monkeypatch):
    """Every advanced day moves customers, re-categorises products and transfers sellers (type-2 changes),
    some with an effective time (updated_at) before the day, recorded now; the summary counts each kind,
    and the same seed gives the same changes."""
    seed.seed(0.003, 5)
    marks = {t: one(f"SELECT max(history_id) FROM shop.{t}_history") for t in ("customers", "products", "sellers")}
    s = advance.advance(days=1, seed=13)
    changes = tracked_changes(marks)
    day_start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    for kind, found in changes.items():
        assert len(found) == s[kind] >= 1, kind
        backdated = [c for c in found if c[2] < day_start]
        assert len(backdated) == s[f"{kind}_backdated"], kind
        # the others take effect on the day itself; the backdated ones days or months before it
        assert all(day_start <= c[2] < day_start + dt.timedelta(days=1) for c in found if c not in backdated)
        assert all(day_start - dt.timedelta(days=401) <= c[2] for c in backdated)
    assert sum(s[f"{k}_backdated"] for k in advance.TRACKED_KINDS) >= 1
    # recorded now (recorded_at), effective earlier (updated_at): what the warehouse extracts by
    assert one("SELECT count(*) FROM shop.customers_history WHERE history_id > %s AND recorded_at > updated_at",
               (marks["customers"],)) >= s["customers_moved"]
    # the same seed on the same shop: the same changes
    with another_shop(template_dbs, monkeypatch):
        seed.seed(0.003, 5)
        assert advance.advance(days=1, seed=13) == s
        assert tracked_changes(marks) == changes
