"""harness load-daily end to end on a small hand-made shop: reconciliation, idempotency,
deletes, late-arriving rows, bad rows, failures, a concurrent run and a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

import pytest

from harness import db, load
from harness.errors import AlreadyRunning
from tests import fingerprint, shopdata


def dw_query(query, params=()):
    with db.connect("dw", "admin") as conn:
        return conn.execute(query, params).fetchall()


def warehouse_daily() -> dict[date, dict]:
    rows = dw_query("""
        SELECT d.data, sum(valor_total_liquido), sum(custo_total), sum(quantidade_vendida), count(DISTINCT pedido_id)
        FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk)
        WHERE NOT eh_cancelado GROUP BY d.data""")
    return {r[0]: {"receita": float(r[1]), "custo": float(r[2]), "quantidade": int(r[3]), "pedidos": r[4]} for r in rows}


def shop_daily() -> dict[date, dict]:
    """An independent computation straight from the shop tables."""
    with db.connect("oltp", "admin") as conn:
        rows = conn.execute("""
            SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date,
                   sum(i.quantity * i.unit_price - i.discount_amount), sum(i.quantity * i.unit_cost),
                   sum(i.quantity), count(DISTINCT o.order_id)
            FROM shop.orders o JOIN shop.order_items i ON i.order_id = o.order_id
            WHERE o.status NOT IN ('canceled', 'unavailable') GROUP BY 1""").fetchall()
    return {r[0]: {"receita": float(r[1]), "custo": float(r[2]), "quantidade": int(r[3]), "pedidos": r[4]} for r in rows}


def shop_exec(query, params=()):
    with db.connect("oltp", "owner") as conn:
        conn.execute(query, params)


def test_first_load_reconciles_with_the_shop_to_the_cent(shop):
    summary = load.load_daily()
    assert summary.status == "succeeded"
    assert warehouse_daily() == shopdata.expected_daily() == shop_daily()
    lines = sum(len(o[6]) for o in shopdata.ORDERS)
    assert dw_query("SELECT count(*) FROM fact.fact_vendas")[0][0] == lines
    discounted = sum(1 for o in shopdata.ORDERS for line in o[6] if line[6] > 0)
    assert dw_query("SELECT count(*) FROM fact.fact_descontos")[0][0] == discounted
    assert dw_query("SELECT count(*), sum(valor_meta) FROM fact.fact_metas")[0] == (
        len(shopdata.TARGETS), Decimal(sum(t[2] for t in shopdata.TARGETS)).quantize(Decimal("0.01")))
    by_entity = {e["entity"]: e for e in summary.entities}
    assert by_entity["fact_vendas"]["rows_inserted"] == lines
    for e in summary.entities:  # extracted = loaded + rejected, always
        assert e["rows_read"] == e["rows_inserted"] + e["rows_updated"] + e["rows_unchanged"] + e["rows_rejected"]


def test_no_orphans_and_no_unknown_members_where_a_key_was_given(shop):
    load.load_daily()
    assert dw_query("""SELECT count(*) FROM fact.fact_vendas
                       WHERE cliente_sk = -1 OR produto_sk = -1 OR vendedor_sk = -1 OR data_sk = -1""")[0][0] == 0


def test_rerun_changes_nothing(shop):
    load.load_daily()
    with db.connect("dw", "admin") as conn:
        before = fingerprint.raw_tables(conn)
    second = load.load_daily()
    with db.connect("dw", "admin") as conn:
        after = fingerprint.raw_tables(conn)
    assert after == before
    assert all(e["rows_inserted"] == e["rows_updated"] == e["rows_deleted"] == 0 for e in second.entities)
    assert "agg_vendas_diarias" not in {e["entity"] for e in second.entities}  # no day changed: nothing refreshed


def test_changes_deletes_and_cancellations_are_reflected(shop):
    load.load_daily()
    shop_exec("UPDATE shop.orders SET status = 'canceled' WHERE order_id = 'O001'")
    shop_exec("DELETE FROM shop.order_items WHERE order_item_id = 'O002-1'")
    shop_exec("DELETE FROM shop.order_items WHERE order_id = 'O003'")
    shop_exec("DELETE FROM shop.orders WHERE order_id = 'O003'")
    shop_exec("UPDATE shop.order_items SET returned_quantity = quantity, returned_at = '2024-11-30' WHERE order_item_id = 'O005-1'")
    shop_exec("UPDATE shop.customers SET city = 'Campinas' WHERE customer_id = 'C1'")
    summary = load.load_daily()
    assert warehouse_daily() == shop_daily()
    assert dw_query("SELECT eh_cancelado FROM fact.fact_vendas WHERE pedido_id = 'O001'") == [(True,)] * len(
        [o for o in shopdata.ORDERS if o[0] == "O001"][0][6])
    assert dw_query("SELECT count(*) FROM fact.fact_vendas WHERE item_pedido_id = 'O002-1' OR pedido_id = 'O003'")[0][0] == 0
    assert dw_query("SELECT quantidade_devolvida = quantidade_vendida FROM fact.fact_vendas WHERE item_pedido_id = 'O005-1'") == [(True,)]
    assert dw_query("SELECT cidade FROM dim.dim_cliente WHERE cliente_id = 'C1' AND eh_atual") == [("Campinas",)]
    vendas = {e["entity"]: e for e in summary.entities}["fact_vendas"]
    assert vendas["rows_deleted"] >= 2


def test_late_arriving_customer_is_inferred_then_completed(shop):
    shop_exec("INSERT INTO shop.orders (order_id, customer_id, seller_id, status, ordered_at) "
              "VALUES ('LATE1', 'C_NEW', 'S1', 'approved', '2024-11-20 10:00-03')")
    shop_exec("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, quantity, unit_price, unit_cost) "
              "VALUES ('LATE1-1', 'LATE1', 1, 'P_NEW', 2, 10, 4)")
    load.load_daily()
    assert dw_query("SELECT inferido FROM dim.dim_cliente WHERE cliente_id = 'C_NEW'") == [(True,)]
    assert dw_query("SELECT inferido FROM dim.dim_produto WHERE produto_id = 'P_NEW'") == [(True,)]
    assert dw_query("SELECT c.cliente_id FROM fact.fact_vendas f JOIN dim.dim_cliente c USING (cliente_sk) "
                    "WHERE item_pedido_id = 'LATE1-1'") == [("C_NEW",)]
    shop_exec("INSERT INTO shop.customers (customer_id, name, city, state, segment) VALUES ('C_NEW', 'Nova', 'Recife', 'BA', 'varejo')")
    shop_exec("INSERT INTO shop.products (product_id, name, category, list_price, unit_cost) VALUES ('P_NEW', 'Caneca', 'casa', 10, 4)")
    load.load_daily()
    assert dw_query("SELECT inferido, nome, regiao_id FROM dim.dim_cliente WHERE cliente_id = 'C_NEW'") == [(False, "Nova", "NE")]
    assert dw_query("SELECT inferido, categoria FROM dim.dim_produto WHERE produto_id = 'P_NEW'") == [(False, "casa")]
    assert dw_query("SELECT count(*) FROM dim.dim_cliente WHERE cliente_id = 'C_NEW'") == [(1,)]


BAD_LINES = {
    "quantity_not_positive": "('BAD-Q', 'O001', 91, 'P1', 0, 10, 5, 0)",
    "negative_price": "('BAD-P', 'O001', 92, 'P1', 1, -10, 5, 0)",
    "discount_out_of_range": "('BAD-D', 'O001', 93, 'P1', 1, 10, 5, 50)",
    "duplicate_line": "('O001-1-DUP', 'O001', 1, 'P1', 1, 10, 5, 0)",
    "orphan_order": "('BAD-O', 'NO_SUCH_ORDER', 1, 'P1', 1, 10, 5, 0)",
}


def test_bad_rows_are_rejected_with_their_rule_and_nothing_is_lost(shop):
    for values in BAD_LINES.values():
        shop_exec("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, quantity, unit_price,"
                  f" unit_cost, discount_amount) VALUES {values}")
    shop_exec("INSERT INTO shop.orders (order_id, customer_id, seller_id, status, ordered_at) "
              "VALUES ('BAD-S', 'C1', 'S1', 'lost_in_space', '2024-11-12 10:00-03')")
    shop_exec("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, quantity, unit_price, unit_cost)"
              " VALUES ('BAD-S-1', 'BAD-S', 1, 'P1', 1, 10, 5)")
    summary = load.load_daily()
    rejected = dict(dw_query("SELECT natural_key, rule FROM audit.rejected_rows WHERE entity = 'fact_vendas'"))
    expected = {values.split("'")[1]: rule for rule, values in BAD_LINES.items()}
    expected["BAD-S-1"] = "unknown_status"
    assert rejected == expected
    vendas = {e["entity"]: e for e in summary.entities}["fact_vendas"]
    assert vendas["rows_rejected"] == len(expected)
    assert vendas["rows_read"] == vendas["rows_inserted"] + vendas["rows_rejected"]
    assert dw_query("SELECT count(*) FROM fact.fact_vendas WHERE item_pedido_id = ANY(%s)", (list(expected),))[0][0] == 0
    raw = dw_query("SELECT raw ->> 'quantity' FROM audit.rejected_rows WHERE natural_key = 'BAD-Q'")
    assert raw == [("0",)]
    assert warehouse_daily() == shopdata.expected_daily()  # the good rows are all there


def test_concurrent_run_exits_with_a_clear_message_and_changes_nothing(shop):
    with db.connect("dw", "etl") as holder:  # what a running load-daily holds: the load lock's row
        holder.execute("SELECT 1 FROM ctl.load_lock WHERE lock_name = 'load' FOR UPDATE")
        before = dw_query("SELECT count(*) FROM audit.etl_run")[0][0]
        with pytest.raises(AlreadyRunning, match="another harness run holds the load lock"):
            load.load_daily()
        assert dw_query("SELECT count(*) FROM audit.etl_run")[0][0] == before
        assert dw_query("SELECT count(*) FROM fact.fact_vendas")[0][0] == 0


def test_failed_entity_is_recorded_and_rerun_resumes(shop):
    load.load_daily()
    shop_exec("UPDATE shop.order_items SET quantity = quantity + 1 WHERE order_item_id = 'O004-1'")
    shop_exec("UPDATE shop.sales_targets SET target_amount = target_amount + 1")
    with db.connect("dw", "admin", autocommit=True) as conn:  # sabotage fact_metas only
        conn.execute("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    from harness.runs import RunFailed
    with pytest.raises(RunFailed, match="fact_metas failed"):
        load.load_daily()
    failed = dw_query("SELECT status, failed_step, error_sqlstate FROM audit.etl_run ORDER BY run_id DESC LIMIT 1")
    assert failed == [("failed", "fact_metas", "23514")]
    # fact_vendas of the failed run committed; fact_metas did not
    assert dw_query("SELECT quantidade_vendida FROM fact.fact_vendas f WHERE item_pedido_id = 'O004-1'")[0][0] == \
        [line[3] for o in shopdata.ORDERS for line in o[6] if line[0] == "O004-1"][0] + 1
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("ALTER TABLE fact.fact_metas DROP CONSTRAINT sabotage")
    summary = load.load_daily()
    by_entity = {e["entity"]: e for e in summary.entities}
    assert by_entity["fact_metas"]["rows_updated"] == len(shopdata.TARGETS)
    assert by_entity["fact_vendas"]["rows_updated"] == 0
    assert warehouse_daily() == shop_daily()


def test_killed_load_leaves_a_stale_run_and_rerun_equals_an_uninterrupted_load(shop, template_dbs):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    with db.connect("dw", "admin") as blocker:
        blocker.execute("LOCK TABLE fact.fact_vendas IN ACCESS EXCLUSIVE MODE")  # the load will wait here
        child = subprocess.Popen([sys.executable, "-m", "harness.cli", "load-daily"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            waiting = blocker.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'fact.fact_vendas'::regclass").fetchone()[0]
            if waiting:
                break
            time.sleep(0.2)
        assert waiting, "the load never reached fact_vendas"
        child.send_signal(signal.SIGKILL)
        child.wait()
        waited_in = [line.strip()[:-4] for line in child.stderr.read().splitlines() if line.endswith(" ...")][-1]
        blocker.rollback()
    time.sleep(0.5)  # let the server notice the dead client and end its session
    assert dw_query("SELECT status FROM audit.etl_run ORDER BY run_id DESC LIMIT 1") == [("running",)]
    summary = load.load_daily()
    assert summary.status == "succeeded"
    # marked stale with the step the killed process was in (its last progress line) and why
    assert dw_query("SELECT status, failed_step, error_message LIKE 'o processo do harness terminou%%' "
                    "FROM audit.etl_run ORDER BY run_id LIMIT 1") == [("stale", waited_in, True)]
    with db.connect("dw", "admin") as conn:
        resumed = fingerprint.warehouse(conn)
    assert warehouse_daily() == shop_daily()
    # an uninterrupted load of the same shop into a second warehouse
    with db.connect("postgres", "admin", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {shop['dw']}_clean TEMPLATE {template_dbs[0]}")
    try:
        os.environ["HARNESS_DW_DB"] = f"{shop['dw']}_clean"
        load.load_daily()
        with db.connect("dw", "admin") as conn:
            clean = fingerprint.warehouse(conn)
    finally:
        os.environ["HARNESS_DW_DB"] = shop["dw"]
        with db.connect("postgres", "admin", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {shop['dw']}_clean WITH (FORCE)")
    assert resumed == clean


def test_reprocess_of_a_window_gives_the_same_warehouse_and_records_evidence(shop):
    load.load_daily()
    with db.connect("dw", "admin") as conn:
        before = fingerprint.warehouse(conn)
    summary = load.reprocess(date(2024, 11, 1), date(2024, 11, 30))
    with db.connect("dw", "admin") as conn:
        after = fingerprint.warehouse(conn)
    assert after == before
    evidence = load.reprocess_evidence(summary.run_id)
    assert evidence and all(e["igual"] for e in evidence)
    assert {e["entity"] for e in evidence} == {"fact_vendas", "fact_descontos", "fact_metas"}


def test_reprocess_repairs_a_damaged_window(shop):
    load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("DELETE FROM fact.fact_vendas WHERE pedido_id = 'O002'")
        conn.execute("UPDATE fact.fact_vendas SET valor_bruto = valor_bruto + 1, valor_total_liquido = valor_total_liquido + 1 "
                     "WHERE pedido_id = 'O004'")
    assert warehouse_daily() != shop_daily()
    summary = load.reprocess(date(2024, 11, 10), date(2024, 11, 11), entity="fact_vendas")
    assert warehouse_daily() == shop_daily()
    changed = [e for e in load.reprocess_evidence(summary.run_id) if not e["igual"]]
    assert [str(e["dia"]) for e in changed] == ["2024-11-10", "2024-11-11"]


def test_plan_shows_windows_and_counts_without_changing_anything(shop):
    rows = {r["entity"]: r for r in load.plan()}
    lines = sum(len(o[6]) for o in shopdata.ORDERS)
    assert rows["fact_vendas"]["rows"]["order_lines"] == lines
    assert rows["dim_cliente"]["rows"]["customers"] == len(shopdata.CUSTOMERS)
    assert dw_query("SELECT count(*) FROM audit.etl_run")[0][0] == 0
    load.load_daily()
    rows = {r["entity"]: r for r in load.plan()}
    assert rows["fact_vendas"]["watermark"] != "-infinity"


def test_status_reports_runs_watermarks_and_freshness(shop):
    load.load_daily()
    info = load.status()
    assert info["runs"][0]["status"] == "succeeded"
    assert {w["entity"] for w in info["watermarks"]} >= {"fact_vendas", "dim_cliente"}
    assert info["freshness"]["ultima_venda"] == max(o[4] for o in shopdata.ORDERS).date()


def agg_by_category():
    return dict(dw_query("SELECT categoria, sum(valor_total_liquido) FROM mart.agg_vendas_diarias GROUP BY 1"))


def fact_by_category():
    return dict(dw_query("SELECT p.categoria, sum(f.valor_total_liquido) FROM fact.fact_vendas f "
                         "JOIN dim.dim_produto p USING (produto_sk) WHERE NOT f.eh_cancelado GROUP BY 1"))


def test_aggregate_follows_recategorisation_even_across_a_failed_run(shop):
    load.load_daily()
    assert agg_by_category() == fact_by_category()
    # SCD2: a category change dated today leaves past sales in their old category ("as it was");
    # a change dated back to the start of the sales (here through a dimension reprocess alone)
    # re-binds them, and their aggregate groups wait in ctl.agg_grupos_pendentes
    pending = "SELECT (SELECT count(*) FROM ctl.agg_refresh_pending) + (SELECT count(*) FROM ctl.agg_grupos_pendentes)"
    shop_exec("UPDATE shop.products SET category = 'eletronicos', updated_at = '2024-11-01 00:00-03' WHERE product_id = 'P2'")
    load.reprocess(date(2024, 11, 1), date(2024, 11, 30), entity="dim_produto")
    assert dw_query(pending)[0][0] > 0
    with db.connect("dw", "admin", autocommit=True) as conn:  # the run dies after dim_produto committed
        conn.execute("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    shop_exec("UPDATE shop.sales_targets SET target_amount = target_amount + 1")
    from harness.runs import RunFailed
    with pytest.raises(RunFailed):
        load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("ALTER TABLE fact.fact_metas DROP CONSTRAINT sabotage")
    load.load_daily()
    assert "eletronicos" in agg_by_category()
    assert agg_by_category() == fact_by_category()
    assert dw_query(pending) == [(0,)]


def test_aggregates_refresh_only_days_whose_figures_changed(shop):
    """A status change that moves no figure (shipped -> delivered) leaves its day's aggregate and
    reconciliation alone; a return and a cancellation rewrite the groups they fall in (the
    cancelled order's group may simply disappear), and the aggregate still equals the fact (quality
    check) and the warehouse still equals the shop."""
    first = load.load_daily()
    assert first.status == "succeeded"
    groups = "SELECT data, regiao_sk, categoria, equipe_sk, vendedor_sk, refreshed_run_id FROM mart.agg_vendas_diarias "
    before = set(dw_query(groups + "WHERE data = '2024-11-19'"))
    shop_exec("UPDATE shop.orders SET status = 'delivered' WHERE order_id = 'O023'")            # 2024-11-17
    shop_exec("UPDATE shop.order_items SET returned_quantity = 1 WHERE order_item_id = 'O025-1'")  # 2024-11-18
    shop_exec("UPDATE shop.orders SET status = 'canceled' WHERE order_id = 'O029'")               # 2024-11-19
    second = load.load_daily()
    assert second.status == "succeeded", [(c.check.name, c.offending[:2]) for c in second.failed_checks]
    refreshed = dict(dw_query("SELECT data, max(refreshed_run_id) FROM mart.agg_vendas_diarias "
                              "WHERE data BETWEEN '2024-11-17' AND '2024-11-18' GROUP BY data"))
    assert refreshed == {date(2024, 11, 17): first.run_id, date(2024, 11, 18): second.run_id}
    after = set(dw_query(groups + "WHERE data = '2024-11-19'"))
    assert after != before and all(r[-1] in (first.run_id, second.run_id) for r in after)
    assert dw_query("SELECT status FROM fact.fact_vendas WHERE pedido_id = 'O023' LIMIT 1")[0][0] == "delivered"
    assert warehouse_daily() == shop_daily()


def test_a_load_that_changes_much_of_a_table_analyzes_it(shop):
    """The first load fills every table: each is analyzed (a manual ANALYZE, not autovacuum) before
    the quality gate, so checks and dashboards get real statistics; a run that changed nothing
    analyzes nothing."""
    tables = ["dim.dim_cliente", "dim.dim_produto", "fact.fact_vendas", "fact.fact_descontos",
              "mart.agg_vendas_diarias", "mart.agg_pedidos_diarios"]
    load.load_daily()
    manual = dict(dw_query("SELECT schemaname || '.' || relname, analyze_count FROM pg_stat_user_tables "
                           "WHERE schemaname || '.' || relname = ANY(%s)", (tables,)))
    assert sorted(manual) == sorted(tables) and all(n >= 1 for n in manual.values()), manual
    with db.connect("dw", "etl") as conn:
        assert load._analyze_changed_tables(conn, 999999) == []   # a run with no changes


def test_changed_lines_watch_every_fact_column_the_aggregates_read(shop):
    """etl.load_fact_vendas decides which changed lines send their aggregate groups to
    ctl.agg_grupos_pendentes by comparing old and new values of a list of columns (RETURNING
    old/new): it must hold every fact_vendas column either aggregate refresh reads, or a change
    to that column would go stale."""
    import re
    from harness.paths import database_dir

    procs = database_dir() / "procs"
    load_text = (procs / "etl.load_fact_vendas.sql").read_text()
    compared = re.search(r"\(old\.data_sk,(.*?)\)\s*IS DISTINCT FROM", load_text, re.S)
    assert compared, "the old/new comparison of etl.load_fact_vendas is gone"
    watched = set(re.findall(r"old\.([a-z_]+)", "old.data_sk," + compared.group(1)))
    assert watched == set(load.AGGREGATED_COLUMNS), "load.AGGREGATED_COLUMNS and the procedure's list differ"
    columns = [r[0] for r in dw_query("SELECT attname FROM pg_attribute WHERE attrelid = 'fact.fact_vendas'::regclass "
                                      "AND attnum > 0 AND NOT attisdropped")]
    for name in ("etl.refresh_agg_vendas_diarias.sql", "etl.refresh_agg_vendas_grupos.sql"):
        text = (procs / name).read_text()
        read = {c for c in columns if re.search(rf"\bf\.{c}\b|\bl\.{c}\b", text)}
        # the line's key (the group refresh joins it to the lines' earlier state) is the MERGE's key: it never changes
        assert read and read - {"item_pedido_id"} <= watched, (name, read - watched)


def test_fact_descontos_takes_fact_vendas_staging_and_stays_in_step(shop, monkeypatch):
    """fact_descontos starts from fact_vendas' watermark, so it reuses the lines fact_vendas staged
    (one extraction instead of two) and ends with the same watermark; a discount changed in the shop
    reaches both facts."""
    from harness import extract

    sources = []
    real = extract.copy_into_staging
    monkeypatch.setattr(extract, "copy_into_staging",
                        lambda shop_, dw_, source, *a, **k: (sources.append(source), real(shop_, dw_, source, *a, **k))[1])
    first = load.load_daily()
    assert first.status == "succeeded"
    assert sources.count("order_lines") == 1, sources
    marks = dict(dw_query("SELECT entity, watermark FROM ctl.etl_control WHERE entity IN ('fact_vendas', 'fact_descontos')"))
    assert marks["fact_vendas"] == marks["fact_descontos"]
    shop_exec("UPDATE shop.order_items SET discount_amount = 1.00 WHERE order_item_id = 'O001-1'")
    second = load.load_daily()
    assert second.status == "succeeded"
    assert dw_query("SELECT valor_desconto_aplicado FROM fact.fact_descontos WHERE item_pedido_id = 'O001-1'") == \
        [(Decimal("1.00"),)]
    assert warehouse_daily() == shop_daily()
