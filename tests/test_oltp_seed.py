"""`harness oltp seed`: deterministic, realistic, refuses to overwrite a shop by accident."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.oltp import advance, reference, seed
from tests.oltp_helpers import another_shop, checksums, one, rows

SCALE = 0.01
ALLOWED_STATUSES = {"created", "approved", "invoiced", "processing", "shipped", "delivered", "canceled"}


def test_same_seed_gives_identical_shops_and_another_seed_does_not(fresh_dbs, template_dbs, monkeypatch):
    seed.seed(SCALE, 7)
    first = checksums()
    advance.advance(days=2, bad_rows=0.05, seed=3)
    first_advanced = checksums(include_deleted_rows=True)
    with another_shop(template_dbs, monkeypatch):
        seed.seed(SCALE, 7)
        assert checksums() == first
        advance.advance(days=2, bad_rows=0.05, seed=3)
        assert checksums(include_deleted_rows=True) == first_advanced
        seed.seed(SCALE, 8, replace=True)
        other = checksums()
    assert all(count > 0 for count, _ in first.values()), first
    for table in ("customers", "products", "orders", "order_items", "sales_targets"):
        assert other[table][1] != first[table][1], table
    assert other["regions"] == first["regions"] and other["states"] == first["states"]


def test_seeded_shop_looks_like_a_real_shop(fresh_dbs):
    result = seed.seed(SCALE, 42)
    lines = one("SELECT count(*) FROM shop.order_items")
    orders = one("SELECT count(*) FROM shop.orders")
    assert 8_000 <= lines <= 12_000 and result.rows["order_items"] == lines
    assert result.rows["orders"] == orders
    # ids
    assert one(r"SELECT bool_and(order_id ~ '^O\d{8}$') FROM shop.orders")
    assert one(r"SELECT bool_and(customer_id ~ '^C\d{7}$') FROM shop.customers")
    assert one(r"SELECT bool_and(product_id ~ '^P\d{5}$') FROM shop.products")
    assert one(r"SELECT bool_and(seller_id ~ '^S\d{4}$') FROM shop.sellers")
    assert one("SELECT bool_and(order_item_id = order_id || '-' || line_number) FROM shop.order_items")
    # geography: five regions, 27 states, teams per region, every seller in a team
    assert one("SELECT count(*) FROM shop.regions") == 5 and one("SELECT count(*) FROM shop.states") == 27
    assert one("SELECT count(DISTINCT region_id) FROM shop.teams") == 5
    assert one("SELECT count(*) FROM shop.sellers s LEFT JOIN shop.teams t USING (team_id) WHERE t.team_id IS NULL") == 0
    # customers follow population: SP is the biggest state, near its share of Brazil's people
    by_state = dict(rows("SELECT state, count(*) FROM shop.customers GROUP BY state"))
    sp_share = reference.STATES["SP"][2] / sum(s[2] for s in reference.STATES.values())
    assert max(by_state, key=by_state.get) == "SP"
    assert abs(by_state["SP"] / sum(by_state.values()) - sp_share) < 0.04
    # statuses, cancellations, coupons, returns
    assert {r[0] for r in rows("SELECT DISTINCT status FROM shop.orders")} <= ALLOWED_STATUSES
    canceled = one("SELECT avg((status = 'canceled')::int)::float FROM shop.orders")
    assert 0.02 <= canceled <= 0.06
    coupon = one("SELECT avg((discount_id IS NOT NULL)::int)::float FROM shop.orders")
    assert 0.08 <= coupon <= 0.18
    assert one("SELECT count(*) FROM shop.order_items i JOIN shop.orders o USING (order_id) "
               "WHERE (o.discount_id IS NULL) <> (i.discount_amount = 0)") == 0
    assert one("SELECT count(*) FROM shop.order_items WHERE discount_amount > quantity * unit_price") == 0
    # the coupon was valid on the order's day
    assert one("SELECT count(*) FROM shop.orders o JOIN shop.discounts d USING (discount_id) "
               "WHERE (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date "
               "NOT BETWEEN d.valid_from AND coalesce(d.valid_to, 'infinity')") == 0
    returned = one("SELECT avg((returned_quantity > 0)::int)::float FROM shop.order_items")
    assert 0.02 <= returned <= 0.05
    assert one("SELECT count(*) FROM shop.order_items i JOIN shop.orders o USING (order_id) "
               "WHERE i.returned_quantity > 0 AND (o.status <> 'delivered' OR i.returned_quantity > i.quantity "
               "OR i.returned_at < (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date)") == 0
    # prices: cost below price, sold near the list price
    assert one("SELECT count(*) FROM shop.products WHERE NOT (0 < unit_cost AND unit_cost < list_price)") == 0
    ratio = one("SELECT avg(i.unit_price / p.list_price)::float FROM shop.order_items i JOIN shop.products p USING (product_id)")
    assert 0.9 < ratio < 1.05
    assert one("SELECT count(*) FROM shop.order_items WHERE quantity <= 0 OR unit_price <= 0") == 0
    # three years ending on the default end date, with a weekday pattern and retail peaks
    first_day, last_day = rows("SELECT min((ordered_at AT TIME ZONE 'America/Sao_Paulo')::date), "
                               "max((ordered_at AT TIME ZONE 'America/Sao_Paulo')::date) FROM shop.orders")[0]
    assert last_day == seed.DEFAULT_END_DATE and first_day == dt.date(2023, 1, 1)
    daily = dict(rows("SELECT (ordered_at AT TIME ZONE 'America/Sao_Paulo')::date, count(*) FROM shop.orders GROUP BY 1"))
    average = orders / len(daily)
    for year in (2023, 2024, 2025):
        late_nov_dec = [v for d, v in daily.items() if d.year == year and
                        (d >= dt.date(year, 11, 20) and d <= dt.date(year, 12, 20))]
        year_avg = sum(v for d, v in daily.items() if d.year == year) / 365
        assert sum(late_nov_dec) / len(late_nov_dec) > 1.3 * year_avg, year
        bf = reference.black_friday(year)
        assert daily[bf] > 2.5 * year_avg
    weekday = dict(rows("SELECT extract(isodow FROM ordered_at AT TIME ZONE 'America/Sao_Paulo')::int, count(*) "
                        "FROM shop.orders GROUP BY 1"))
    assert weekday[1] > 1.15 * weekday[6]
    assert average > 0
    # popularity is skewed: the top 5 % of products sell well over a quarter of the lines
    counts = [r[0] for r in rows("SELECT count(*) FROM shop.order_items GROUP BY product_id ORDER BY 1 DESC")]
    top = max(1, round(0.05 * one("SELECT count(*) FROM shop.products")))
    assert sum(counts[:top]) > 0.25 * lines
    # Portuguese categories
    assert {r[0] for r in rows("SELECT DISTINCT category FROM shop.products")} <= set(reference.CATEGORIES)
    assert "Cama, Mesa e Banho" in {r[0] for r in rows("SELECT DISTINCT category FROM shop.products")}
    # monthly targets for every seller, near realised sales: some met, some missed
    assert one("SELECT count(*) FROM shop.sales_targets") == one("SELECT count(*) FROM shop.sellers") * 36
    met, missed = rows("""
        WITH sold AS (SELECT coalesce(i.seller_id, o.seller_id) AS seller_id,
                             date_trunc('month', o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS month,
                             sum(i.quantity * i.unit_price - i.discount_amount) AS amount
                      FROM shop.order_items i JOIN shop.orders o USING (order_id)
                      WHERE o.status <> 'canceled' GROUP BY 1, 2)
        SELECT count(*) FILTER (WHERE s.amount >= t.target_amount), count(*) FILTER (WHERE s.amount < t.target_amount)
        FROM shop.sales_targets t JOIN sold s USING (seller_id, month)""")[0]
    assert met > 0.15 * (met + missed) and missed > 0.15 * (met + missed)


def test_seed_refuses_a_shop_with_data_unless_replace(fresh_dbs):
    seed.seed(0.002, 1)
    before = checksums()
    with pytest.raises(HarnessError, match="--replace"):
        seed.seed(0.002, 2)
    assert checksums() == before
    runner = CliRunner()
    refused = runner.invoke(app, ["oltp", "seed", "--scale", "0.002", "--seed", "2"])
    assert refused.exit_code == 1 and "--replace" in refused.output
    replaced = runner.invoke(app, ["oltp", "seed", "--scale", "0.002", "--seed", "2", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "order_items" in replaced.output
    after = checksums()
    assert after["orders"] != before["orders"]
    assert one("SELECT count(*) FROM shop.deleted_rows") == 0  # TRUNCATE leaves no tombstones
    # the change log was emptied with the shop: one state per row of the new shop, numbered from 1
    for table in ("customers", "products", "sellers"):
        assert one(f"SELECT count(*) FROM shop.{table}_history") == one(f"SELECT count(*) FROM shop.{table}")
        assert one(f"SELECT min(history_id) FROM shop.{table}_history") == 1


def test_scale_out_of_range_is_an_error(fresh_dbs):
    with pytest.raises(HarnessError, match="scale"):
        seed.seed(0, 1)


def test_cli_seed_ends_yesterday_in_sao_paulo_unless_given_an_end_date(fresh_dbs):
    """A new demo shop is up to date (its first SLA check is green); --end-date stays explicit and
    deterministic."""
    from zoneinfo import ZoneInfo

    runner = CliRunner()
    last_day = ("SELECT max((ordered_at AT TIME ZONE 'America/Sao_Paulo')::date) FROM shop.orders")
    assert runner.invoke(app, ["oltp", "seed", "--scale", "0.002", "--seed", "4"]).exit_code == 0
    assert one(last_day) == dt.datetime.now(ZoneInfo("America/Sao_Paulo")).date() - dt.timedelta(days=1)
    explicit = runner.invoke(app, ["oltp", "seed", "--scale", "0.002", "--seed", "4", "--replace",
                                   "--end-date", "2025-12-31"])
    assert explicit.exit_code == 0, explicit.output
    assert one(last_day) == dt.date(2025, 12, 31)
