"""Real-world Olist files (tests/olist_variants.py) through `harness oltp import-olist` and `load-daily`:
every order lands on the date written in its CSV, and every KPI by day (receita bruta/líquida,
descontos, pedidos, itens, clientes distintos by person), read through the catalog's expressions
over mart.vw_vendas as bi_reader, equals the computation from the raw rows; broken extracts
are refused, naming the file, the line and the value, and write nothing.

The variants holding the clean sample's content share one shop and warehouse (the clean sample
is imported and loaded first, each variant must then import to the very same shop); the others
get their own databases."""

from __future__ import annotations

import csv
import re

import pytest
from psycopg import sql
from typer.testing import CliRunner

from harness import db, load, metrics
from harness.cli import app
from tests import olist_variants as ov
from tests.oltp_helpers import checksums

KPIS = ("receita_bruta", "desconto_concedido", "receita_liquida", "pedidos", "itens", "clientes_ativos")


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    return ov.build_variants(tmp_path_factory.mktemp("olist_variants"))


@pytest.fixture(scope="module")
def shared(template_dbs, variants):
    """One pair of databases for the module: the clean sample imported and loaded."""
    tag = f"{template_dbs[0]}_olv"
    names = {"dw": f"{tag}_dw", "oltp": f"{tag}_oltp"}
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for key, template in zip(("dw", "oltp"), template_dbs):
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
                sql.Identifier(names[key]), sql.Identifier(template)))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HARNESS_DW_DB", names["dw"])
            mp.setenv("HARNESS_OLTP_DB", names["oltp"])
            result = import_cli(variants["clean"])
            assert result.exit_code == 0, result.output
            summary = load.load_daily()
            yield {"checksums": checksums(), "summary": summary, "output": result.output}
    finally:
        with db.connect("postgres", "admin", autocommit=True) as conn:
            for name in names.values():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def import_cli(variant: ov.Variant, *extra: str):
    return CliRunner().invoke(app, ["oltp", "import-olist", str(variant.directory), *variant.args, *extra],
                              env={"COLUMNS": "400"})  # the report's table unwrapped


def warehouse_by_day() -> dict:
    """The six KPIs per day, each through its catalog expression over mart.vw_vendas, as bi_reader."""
    catalog = metrics.load_catalog()
    exprs = sql.SQL(", ").join(sql.SQL("{} AS {}").format(sql.SQL(catalog.metric(k).sql), sql.Identifier(k))
                               for k in KPIS)
    with db.connect("dw", "bi") as dw:
        assert all(catalog.metric(k).source == "mart.vw_vendas" for k in KPIS)
        cur = dw.execute(sql.SQL("SELECT data, {} FROM mart.vw_vendas GROUP BY data HAVING bool_or(NOT eh_cancelado)")
                         .format(exprs))
        return {r[0]: dict(zip(KPIS, r[1:])) for r in cur}


def assert_lands_like_the_csv(truth: dict) -> None:
    """Every order's business day = its CSV date (shop and warehouse); every KPI by day = raw rows."""
    days = ov.csv_days(truth)
    with db.connect("oltp", "etl") as shop:
        shop_days = dict(shop.execute("SELECT order_id, (ordered_at AT TIME ZONE 'America/Sao_Paulo')::date "
                                      "FROM shop.orders").fetchall())
    assert set(shop_days) == set(days)
    wrong = {o: (shop_days[o], d) for o, d in days.items() if shop_days[o] != d}
    assert wrong == {}, f"{len(wrong)} orders on another day than their CSV date, e.g. {list(wrong.items())[:3]}"
    with db.connect("dw", "bi") as dw:
        fact_days = dict(dw.execute("SELECT DISTINCT pedido_id, data FROM mart.vw_vendas").fetchall())
    with_lines = {r["order_id"] for r in truth["order_items"].dicts()} & set(days)
    assert set(fact_days) == with_lines
    wrong = {o: (fact_days[o], days[o]) for o in with_lines if fact_days[o] != days[o]}
    assert wrong == {}, f"{len(wrong)} orders on another business day, e.g. {list(wrong.items())[:3]}"

    want = ov.raw_kpis_by_day(truth)
    got = warehouse_by_day()
    assert len(want) > 100 and set(got) == set(want)
    diff = {(d, k): (got[d][k], w[k]) for d, w in want.items() for k in KPIS if got[d][k] != w[k]}
    assert diff == {}, f"{len(diff)} KPI x day differ (warehouse, raw), e.g. {list(diff.items())[:5]}"


def test_clean_sample_puts_every_order_on_its_csv_date(shared, variants):
    """The done-when of the issue: with a fixed -03 offset, 101 orders of the sample (those placed
    at 23:xx in summer time) landed on the next day, 2018-01-31 23:58 in February."""
    assert shared["summary"].status == "succeeded"
    truth = variants["clean"].truth
    assert_lands_like_the_csv(truth)
    late_summer = [r["order_id"] for r in truth["orders"].dicts()
                   if r["order_purchase_timestamp"][11:13] == "23" and r["order_purchase_timestamp"][5:7] in
                   ("10", "11", "12", "01", "02")]
    assert len(late_summer) > 50  # the sample does hold the case
    out = shared["output"]
    assert "iso" in out and "8,135" in out and "8,365" in out  # the per-file report


@pytest.mark.parametrize("name", ["renamed", "bom_crlf_quoted", "us_dates", "day_first_dates", "duplicates",
                                  "extra_columns", "spreadsheet"])
def test_messy_files_of_the_same_content_import_to_the_same_shop(shared, variants, name):
    variant = variants[name]
    result = import_cli(variant)
    assert result.exit_code == 0, result.output
    now = checksums()
    if name == "spreadsheet":  # minutes only: ordered_at loses its seconds, nothing else moves
        assert {t: c for t, c in now.items() if t != "orders"} == \
            {t: c for t, c in shared["checksums"].items() if t != "orders"}
        assert now["orders"][0] == shared["checksums"]["orders"][0]
        assert re.search(r"m/d/yyyy \(line \d+ ", result.output)
    else:
        assert now == shared["checksums"], f"{name} imported something else than the clean sample"
    if name == "duplicates":
        dupes = variant.notes["duplicates"]
        for kind, n in dupes.items():
            assert re.search(rf"{kind}\s.*?\s{n:,}\s", result.output), (kind, n)
    if name == "day_first_dates":
        assert "d/m/yyyy" in result.output
    summary = load.load_daily()
    assert summary.status == "succeeded", summary
    assert_lands_like_the_csv(variant.truth)


def test_orphan_heavy_extract_is_refused_and_writes_nothing(shared, variants):
    variant = variants["orphan_heavy"]
    before = checksums()
    result = import_cli(variant)
    assert result.exit_code == 1
    kept = {r["order_id"] for r in variant.truth["orders"].dicts()}
    orphans = sum(1 for r in variant.truth["order_items"].dicts() if r["order_id"] not in kept)
    assert f"{orphans:,} lines without their order" in result.output
    assert "--accept-orphans" in result.output and "nothing was written" in result.output
    assert checksums() == before


@pytest.mark.parametrize("name, extra, why", [
    ("excel_serial_dates", [], "8,135 of 8,135 rows (100.0%) cannot be used, more than 5.0% (--max-bad-share): "
                               "bad purchase timestamp: 8,135"),
    ("ambiguous_dates", [], "ambiguous dates: no value has a day above 12"),
    # one impossible date in a US spreadsheet export: refused when no unusable row is allowed
    ("spreadsheet_bad_date", ["--max-bad-share", "0"], "1 of 8,135 rows (0.0%) cannot be used, more than 0.0%"),
])
def test_unparseable_or_ambiguous_dates_are_refused_naming_file_line_and_value(shared, variants, name, extra, why):
    variant = variants[name]
    before = checksums()
    result = import_cli(variant, *extra)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    path = next(p for p in variant.directory.iterdir() if p.name.startswith(("olist_orders", "orders_")))
    line, value = variant.notes["bad"]
    assert str(path) in output and f"line {line}" in output and repr(value) in output, output
    assert why in output and "nothing was written" in output
    if name == "ambiguous_dates":
        assert "--date-order" in output
    assert checksums() == before


def test_a_few_unusable_rows_are_skipped_and_reported(fresh_dbs, variants):
    variant = variants["spreadsheet_bad_date"]
    result = import_cli(variant)
    assert result.exit_code == 0, result.output
    line, value = variant.notes["bad"]
    assert f"bad purchase timestamp: 1 (line {line}: {value!r})" in " ".join(result.output.split())
    assert load.load_daily().status == "succeeded"
    skipped = variant.notes["bad_order"]
    truth = {**variant.truth, "orders": ov.Table(variant.truth["orders"].header,
                                                 [r for r in variant.truth["orders"].rows if r[0] != skipped])}
    assert_lands_like_the_csv(truth)


@pytest.mark.parametrize("name", ["missing_products_sellers", "missing_customers_payments", "summer_time"])
def test_variants_of_other_content_land_like_their_csv(fresh_dbs, variants, name):
    variant = variants[name]
    refused = import_cli(ov.Variant(name, variant.directory, [], variant.truth)) if variant.args else None
    if refused is not None:  # without --allow-missing: refused, naming the files and the flag
        assert refused.exit_code == 1
        output = " ".join(refused.output.split())
        missing = [k for k, t in variant.truth.items() if t is None]
        assert all(ov.NAMES[k] in output for k in missing) and "--allow-missing" in output, output
    result = import_cli(variant)
    assert result.exit_code == 0, result.output
    summary = load.load_daily()
    assert summary.status == "succeeded", summary
    assert_lands_like_the_csv(variant.truth)
    with db.connect("oltp", "etl") as shop:
        if name == "missing_products_sellers":
            used = {r["product_id"] for r in variant.truth["order_items"].dicts()}
            assert dict(shop.execute("SELECT category, count(*) FROM shop.products GROUP BY 1").fetchall()) == \
                {"Não informado": len(used)}
            sellers = {r["seller_id"] for r in variant.truth["order_items"].dicts()}
            assert shop.execute("SELECT count(*), count(team_id) FROM shop.sellers").fetchone() == (len(sellers), 0)
        elif name == "missing_customers_payments":
            assert shop.execute("SELECT count(*) FROM shop.discounts").fetchone()[0] == 0
            assert shop.execute("SELECT count(*), count(customer_unique_id), count(state) FROM shop.customers"
                                ).fetchone() == (len({r["customer_id"] for r in variant.truth["orders"].dicts()}), 0, 0)
        else:
            moved = variant.notes["moved"]
            got = dict(shop.execute("SELECT order_id, to_char(ordered_at AT TIME ZONE 'America/Sao_Paulo', "
                                    "'YYYY-MM-DD HH24:MI:SS') FROM shop.orders WHERE order_id = ANY(%s)",
                                    (list(moved),)).fetchall())
            # the wall-clock time itself, not only its date; the midnight hour that did not exist when
            # summer time began is read as standard time (one hour later on the clock, the same day)
            gap = {"2017-10-15 00:30:00": "2017-10-15 01:30:00", "2016-10-16 00:10:00": "2016-10-16 01:10:00"}
            assert got == {o: gap.get(t, t) for o, t in moved.items()}
            assert len(moved) > 1000


def test_ambiguous_dates_import_with_the_order_given(fresh_dbs, variants):
    variant = variants["ambiguous_dates"]
    result = import_cli(variant, "--date-order", "mdy")
    assert result.exit_code == 0, result.output
    assert "--date-order mdy" in " ".join(result.output.split())
    assert load.load_daily().status == "succeeded"
    assert_lands_like_the_csv(variant.truth)


def test_orphan_heavy_extract_imports_only_when_accepted_and_warns(fresh_dbs, variants):
    variant = variants["orphan_heavy"]
    result = import_cli(variant, "--accept-orphans")
    assert result.exit_code == 0, result.output
    kept = {r["order_id"] for r in variant.truth["orders"].dicts()}
    items = variant.truth["order_items"].dicts()
    orphans = sum(1 for r in items if r["order_id"] not in kept)
    output = " ".join(result.output.split())
    assert f"warning: {orphans:,} lines without their order ({orphans / len(items):.1%}" in output
    with db.connect("oltp", "etl") as shop:
        assert shop.execute("SELECT count(*) FROM shop.orders").fetchone()[0] == len(kept)
        assert shop.execute("SELECT count(*) FROM shop.order_items").fetchone()[0] == len(items)  # orphans kept
