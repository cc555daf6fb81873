"""The consumption layer (issue 6): every catalog KPI computed through the mart views equals
an independent Python computation from the inserted rows; the daily aggregate refresh
equals a full recomputation and touches only its days; bi_reader reads every mart object
and nothing of audit; the shop-side reconciliation helper agrees with Python too."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal as D

import psycopg
import pytest

from harness import db, metrics
from tests import mart_data as md
from tests import reconcile

JAN = (date(2024, 1, 1), date(2024, 1, 31))
FEB = (date(2024, 2, 1), date(2024, 2, 29))
FILTER_SETS = [
    {},
    {"data_inicio": JAN[0], "data_fim": JAN[1]},
    {"data_inicio": date(2024, 1, 10), "data_fim": date(2024, 2, 10)},   # months cut in the middle
    {"regiao": "SE"},
    {"regiao": "N"},                                                      # region without sales
    {"categoria": "informatica"},
    {"categoria": "Não informado"},
    {"equipe": "T1"},
    {"vendedor": "V3"},
    {"data_inicio": FEB[0], "data_fim": FEB[1], "equipe": "T2"},
]


@pytest.fixture
def mart_dw(fresh_dbs):
    """The data set in the warehouse (dims, facts, aggregates refreshed) and in the shop."""
    with db.connect("dw", "admin") as conn:
        run_id = md.insert_warehouse(conn)
        md.refresh_aggregates(conn, run_id)
        conn.commit()
    with db.connect("oltp", "admin") as conn:
        md.insert_shop(conn)
        conn.commit()
    return run_id


def _expected_goals(f):
    rows = md.goal_rows()
    start, end = f.get("data_inicio"), f.get("data_fim")
    return [r for r in rows
            if (start is None or r["mes"] >= start.replace(day=1)) and (end is None or r["mes"] <= end)
            and f.get("regiao") in (None, r["regiao_id"]) and f.get("equipe") in (None, r["equipe_id"])
            and f.get("vendedor") in (None, r["vendedor_id"])]


def _expected_discounts(f):
    start, end = f.get("data_inicio"), f.get("data_fim")
    return [r for r in md.discount_rows()
            if (start is None or r["mes"] >= start.replace(day=1)) and (end is None or r["mes"] <= end)]


def expected(metric: metrics.Metric, f: dict) -> object:
    if metric.source == "mart.vw_vendas":
        values = md.sales_kpis(md.select(md.lines(), **f))
    elif metric.source == "mart.vw_metas_atingimento":
        values = md.goal_kpis(_expected_goals(f))
    elif metric.source == "mart.vw_descontos_campanhas":
        values = md.discount_kpis(_expected_discounts(f))
    else:
        raise AssertionError(f"no independent computation for source {metric.source}")
    assert metric.name in values, f"no independent Python computation for metric {metric.name}"
    return values[metric.name]


def test_catalog_has_the_prd_kpis_with_valid_definitions():
    catalog = metrics.load_catalog()
    required = {"receita_liquida", "margem_bruta", "margem_percentual", "atingimento_meta", "roi_desconto",
                "taxa_devolucao", "ticket_medio", "pedidos", "itens", "clientes_ativos", "receita_com_desconto",
                "receita_sem_desconto"}
    assert required <= set(catalog.names)
    assert len(catalog.names) == len(set(catalog.names))
    rm = catalog.metric("receita_liquida")
    assert "SUM(valor_total_liquido)" in rm.sql and "NOT eh_cancelado" in rm.sql
    for m in catalog.metrics:
        if m.source == "mart.vw_vendas":
            assert "NOT eh_cancelado" in m.sql, f"{m.name} must state the cancelled-lines rule"


@pytest.mark.parametrize("broken, message", [
    ({"format": "money"}, "format 'money'"),
    ({"name": "Receita Liquida"}, "snake_case"),
    ({"sql": "SUM(a) / SUM(b)"}, "without NULLIF"),
    ({"filters": ["canal"]}, "unknown filter 'canal'"),
    ({"owner": None}, "missing 'owner'"),
    ({"source": "mart.vw_inexistente"}, "not declared"),
])
def test_catalog_validation_names_each_problem(broken, message):
    import yaml

    data = yaml.safe_load(metrics.catalog_path().read_text(encoding="utf-8"))
    assert metrics.validate(data) == []
    data["metrics"][0].update(broken)
    problems = metrics.validate(data)
    assert any(message in p for p in problems), problems


def test_catalog_validation_rejects_duplicate_names():
    import yaml

    data = yaml.safe_load(metrics.catalog_path().read_text(encoding="utf-8"))
    data["metrics"].append(dict(data["metrics"][0]))
    assert any("duplicate name" in p for p in metrics.validate(data))


@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_every_catalog_kpi_through_the_views_equals_python(mart_dw, filters):
    catalog = metrics.load_catalog()
    checked = 0
    with db.connect("dw", "bi") as conn:
        for metric in catalog.metrics:
            wanted = {k: v for k, v in filters.items() if k not in ("data_inicio", "data_fim")}
            if any(k not in metric.filters for k in wanted) or (
                    "data_inicio" in filters and "periodo" not in metric.filters):
                with pytest.raises(metrics.CatalogError):
                    metrics.metric_query(catalog, metric.name, **filters)
                continue
            want = expected(metric, filters)
            got = metrics.compute(conn, catalog, metric.name, **filters)
            assert reconcile.close(got, want), f"{metric.name} {filters}: view {got} != python {want}"
            if metric.sql_agg:
                fast = metrics.compute(conn, catalog, metric.name, use_aggregate=True, **filters)
                assert reconcile.close(fast, want), f"{metric.name} {filters}: aggregate {fast} != python {want}"
            checked += 1
    assert checked >= 10


def test_the_data_set_is_not_trivial():
    """Guards the fixture itself: the rules it is meant to exercise really change the numbers."""
    all_lines = md.lines()
    assert any(r.cancelled for r in all_lines) and any(r.returned for r in all_lines)
    k = md.sales_kpis(all_lines)
    gross_all = sum((r.net for r in all_lines), D(0))
    assert k["receita_liquida"] != gross_all          # cancelled lines matter
    assert k["pedidos"] == 8 and k["clientes_ativos"] == 4 + 1   # C1..C4 + inferred C9; no NULL customer
    assert k["impacto_desconto_margem"] is not None
    assert any(r["atingimento"] is None for r in md.goal_rows())  # a goal of zero


def test_views_flatten_every_line_with_unknown_members(mart_dw):
    with db.connect("dw", "bi") as conn:
        rows = conn.execute("SELECT item_pedido_id, cliente_id, regiao_nome, categoria, vendedor_nome, "
                            "equipe_nome, cupom, eh_cancelado, margem_bruta, valor_total_liquido - custo_total "
                            "FROM mart.vw_vendas ORDER BY item_pedido_id").fetchall()
    assert [r[0] for r in rows] == [i[0] for i in md.ITEMS]
    by_id = {r[0]: r for r in rows}
    assert by_id["I10"][1] == "-1" and by_id["I10"][2] == "Não informado" and by_id["I10"][3] == "Não informado"
    assert by_id["I09"][1] == "C9" and by_id["I09"][2] == "Não informado"        # inferred customer, no region
    assert by_id["I14"][4] == "Não informado" and by_id["I14"][6] == "Não informado"
    assert by_id["I08"][5] == "Equipe Sul" and by_id["I07"][5] == "Equipe Paulista"
    assert by_id["I06"][7] is True and by_id["I11"][7] is True
    assert all(r[8] == r[9] for r in rows)


def test_goal_view_equals_python_with_team_ranking(mart_dw):
    with db.connect("dw", "bi") as conn:
        rows = conn.execute("SELECT vendedor_id, mes, equipe_id, regiao_id, valor_meta, valor_realizado, "
                            "atingimento_pct, ranking_equipe, meta_atingida FROM mart.vw_metas_atingimento").fetchall()
    got = {(r[0], r[1]): r for r in rows}
    want = md.goal_rows()
    assert len(got) == len(want)
    for w in want:
        g = got[w["vendedor_id"], w["mes"]]
        assert (g[2], g[3], g[4], g[5]) == (w["equipe_id"], w["regiao_id"], w["valor_meta"], w["valor_realizado"])
        assert g[6] == (None if w["atingimento"] is None else round(w["atingimento"], 2))
        assert g[7] == w["ranking_equipe"], (w, g)
        assert g[8] == (w["valor_realizado"] >= w["valor_meta"])


def test_discount_view_equals_python_including_margin_impact(mart_dw):
    with db.connect("dw", "bi") as conn:
        cur = conn.execute("SELECT * FROM mart.vw_descontos_campanhas ORDER BY mes, desconto_id")
        names = [c.name for c in cur.description]
        got = [dict(zip(names, r)) for r in cur.fetchall()]
    want = md.discount_rows()
    assert [(g["mes"], g["desconto_id"]) for g in got] == [(w["mes"], w["desconto_id"]) for w in want]
    for g, w in zip(got, want):
        for key in ("linhas_com_desconto", "pedidos_com_desconto", "valor_desconto_aplicado", "valor_com_desconto",
                    "custo_total", "margem_com_desconto"):
            assert g[key] == w[key], (key, g, w)
        for key, places in (("margem_com_desconto_pct", 2), ("margem_sem_desconto_pct", 2), ("roi_desconto", 4)):
            assert g[key] == (None if w[key] is None else round(w[key], places)), (key, g, w)
        assert reconcile.close(g["impacto_margem_pp"], w["impacto_margem_pp"], D("0.011"))
    campaigns = {g["desconto_id"]: g["campanha"] for g in got}
    assert campaigns["D2"] == "Black Friday" and campaigns["-1"] == "Não informado"


def test_returns_view_equals_python(mart_dw):
    ok = [r for r in md.lines() if not r.cancelled]
    want = {}
    for r in ok:
        sold, ret = want.get((r.month, r.category), (0, 0))
        want[r.month, r.category] = (sold + r.qty, ret + r.returned)
    with db.connect("dw", "bi") as conn:
        rows = conn.execute("SELECT mes, categoria, quantidade_vendida, quantidade_devolvida, taxa_devolucao_pct "
                            "FROM mart.vw_devolucoes").fetchall()
    assert {(r[0], r[1]): (r[2], r[3]) for r in rows} == want
    for r in rows:
        assert r[4] == round(D(r[3]) * 100 / D(r[2]), 2)


def test_daily_order_counts_add_up_where_documented(mart_dw):
    ok = [r for r in md.lines() if not r.cancelled]
    with db.connect("dw", "bi") as conn:
        total = conn.execute("SELECT sum(pedidos) FROM mart.vw_pedidos_diarios").fetchone()[0]
        by_cat_sum = conn.execute("SELECT sum(pedidos) FROM mart.vw_vendas_diarias").fetchone()[0]
        t1 = conn.execute("SELECT sum(pedidos) FROM mart.vw_vendas_diarias WHERE equipe_id = 'T1' "
                          "AND categoria = 'informatica'").fetchone()[0]
    assert total == len({r.order_id for r in ok})
    assert by_cat_sum > total          # O5 spans two categories and two teams: summing groups overcounts
    assert t1 == len({r.order_id for r in ok if r.team_id == "T1" and r.category == "informatica"})


def test_freshness_and_monitor_views(mart_dw):
    with db.connect("dw", "admin") as conn:
        conn.execute("UPDATE audit.etl_run SET finished_at = '2024-03-01 06:00+00' WHERE run_id = %s", (mart_dw,))
        conn.execute("INSERT INTO audit.etl_run (command, status, error_message, parameters) "
                     "VALUES ('load-daily', 'failed', 'boom', '{\"x\": 1}')")
        conn.execute("INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw) "
                     "VALUES (%s, 'fact_vendas', 'I99', 'negative_price', '{\"secret\": \"raw row\"}')", (mart_dw,))
        conn.commit()
    with db.connect("dw", "bi") as conn:
        fresh = conn.execute("SELECT dados_ate, ultima_carga_ok, status_ultima_execucao FROM mart.vw_atualizacao"
                             ).fetchall()
        cur = conn.execute("SELECT * FROM mart.vw_monitor_etl ORDER BY run_id, entidade")
        cols = [c.name for c in cur.description]
        mon = [dict(zip(cols, r)) for r in cur.fetchall()]
    assert len(fresh) == 1
    assert fresh[0][0] == max(o[4] for o in md.ORDERS)
    assert fresh[0][1].isoformat().startswith("2024-03-01") and fresh[0][2] == "failed"
    assert "raw" not in cols and "parameters" not in cols
    agg = [m for m in mon if m["entidade"] == "agg_vendas_diarias"]
    assert len(agg) == 1 and agg[0]["linhas_inseridas"] > 0 and agg[0]["run_id"] == mart_dw
    failed = [m for m in mon if m["status"] == "failed"]
    assert failed and failed[0]["entidade"] is None and failed[0]["erro"] == "boom"
    assert all("raw row" not in str(v) for m in mon for v in m.values())


# ------------------------------------------------------------------ aggregate refresh
def _agg(conn):
    return {r[:5]: r[5:] for r in conn.execute(
        "SELECT data, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos, quantidade_vendida, "
        "quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido, custo_total, valor_frete, "
        "linhas_com_desconto, receita_com_desconto, custo_com_desconto, pedidos_vendedor, refreshed_run_id "
        "FROM mart.agg_vendas_diarias").fetchall()}


def _orders_agg(conn):
    """Every column of the day x region and day x region x coupon aggregates (run id last), keyed
    by (day, region) and (day, region, coupon)."""
    pedidos = {r[:2]: r[2:] for r in conn.execute(
        "SELECT data, regiao_sk, pedidos, clientes, valor_total_liquido, pedidos_com_desconto, pedidos_sem_desconto, "
        "linhas, quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, custo_total, "
        "valor_bruto_com_desconto, valor_desconto_com_desconto, receita_com_desconto, custo_com_desconto, "
        "refreshed_run_id FROM mart.agg_pedidos_diarios").fetchall()}
    cupons = {r[:3]: r[3:] for r in conn.execute(
        "SELECT data, regiao_sk, desconto_sk, linhas, pedidos, valor_bruto, valor_desconto, valor_total_liquido, "
        "custo_total, refreshed_run_id FROM mart.agg_descontos_diarios").fetchall()}
    return pedidos | cupons


def _full_recompute(conn, run_id):
    """What a full refresh would give, without keeping it (savepoint rolled back)."""
    with conn.transaction(force_rollback=True):
        md.refresh_aggregates(conn, run_id, date(2015, 1, 1), date(2035, 12, 31))
        return _agg(conn), _orders_agg(conn)


def _strip_run(rows):
    return {k: v[:-1] for k, v in rows.items()}


def test_range_refresh_equals_full_recompute_and_touches_only_its_days(mart_dw):
    with db.connect("dw", "admin") as conn:
        before = _agg(conn)
        before_orders = _orders_agg(conn)
        assert before and all(v[-1] == mart_dw for v in before.values())
        # the source changes on two days: 2024-01-20 (O3 returns, O4 un-cancelled) and 2024-02-28 (O9 cancelled)
        conn.execute("UPDATE fact.fact_vendas SET quantidade_devolvida = 1 WHERE item_pedido_id = 'I05'")
        conn.execute("UPDATE fact.fact_vendas SET eh_cancelado = false, status = 'delivered' WHERE pedido_id = 'O4'")
        conn.execute("UPDATE fact.fact_vendas SET eh_cancelado = true, status = 'canceled' WHERE pedido_id = 'O9'")
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run2, date(2024, 1, 20), date(2024, 1, 20)))
        after = _agg(conn)
        after_orders = _orders_agg(conn)
        outside = {k: v for k, v in before.items() if k[0] != date(2024, 1, 20)}
        assert {k: v for k, v in after.items() if k[0] != date(2024, 1, 20)} == outside, "touched other days"
        assert all(v[-1] == run2 for k, v in after.items() if k[0] == date(2024, 1, 20))
        full, full_orders = _full_recompute(conn, run2)
        day = date(2024, 1, 20)
        assert _strip_run({k: v for k, v in after.items() if k[0] == day}) == \
            _strip_run({k: v for k, v in full.items() if k[0] == day})
        assert _strip_run(after) != _strip_run(full)              # 2024-02-28 is stale until refreshed
        assert {k: v for k, v in after_orders.items() if k[0] != day} == \
            {k: v for k, v in before_orders.items() if k[0] != day}
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run2, date(2024, 2, 28), date(2024, 2, 28)))
        assert _strip_run(_agg(conn)) == _strip_run(full)
        assert _strip_run(_orders_agg(conn)) == _strip_run(full_orders)
        # the Python view of the changed day: O3 + O4 (now counted) on 2024-01-20
        jan20 = [v for k, v in _agg(conn).items() if k[0] == day]
        assert sum(v[6] for v in jan20) == D("3000") - D("300") + 2 * D("50") - D("20") + D("80")
        assert sum(v[3] for v in jan20) == 1
        entity = conn.execute("SELECT rows_read, rows_inserted, rows_deleted FROM audit.etl_run_entity "
                              "WHERE run_id = %s AND entity = 'agg_vendas_diarias'", (run2,)).fetchone()
        assert entity[0] == entity[1] > 0 and entity[2] > 0       # two calls in one run add up
        conn.rollback()


MONTHLY_FROM_FACT = """
    SELECT date_trunc('month', d.data)::date AS mes, f.regiao_sk, coalesce(p.categoria, 'Não informado') AS categoria,
           f.equipe_sk, f.vendedor_sk, f.pedido_id, f.quantidade_vendida, f.quantidade_devolvida, f.valor_bruto,
           f.valor_desconto, f.valor_total_liquido, f.custo_total, f.valor_desconto > 0 AS com_desconto
    FROM fact.fact_vendas f JOIN dim.dim_data d ON d.data_sk = f.data_sk
    JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
    WHERE NOT f.eh_cancelado"""
MEASURES = ("count(*), sum(quantidade_vendida), sum(quantidade_devolvida), sum(valor_bruto), sum(valor_desconto), "
            "sum(valor_total_liquido), sum(custo_total), count(*) FILTER (WHERE com_desconto), "
            "coalesce(sum(valor_total_liquido) FILTER (WHERE com_desconto), 0)")


def _monthly_and_seller_orders_match_fact(conn):
    by_category = {r[:3]: r[3:] for r in conn.execute(
        "SELECT mes, regiao_sk, categoria, linhas, quantidade_vendida, quantidade_devolvida, valor_bruto, "
        "valor_desconto, valor_total_liquido, custo_total, linhas_com_desconto, receita_com_desconto "
        "FROM mart.agg_vendas_mensais_categoria").fetchall()}
    assert by_category == {r[:3]: r[3:] for r in conn.execute(
        f"SELECT mes, regiao_sk, categoria, {MEASURES} FROM ({MONTHLY_FROM_FACT}) l GROUP BY 1, 2, 3").fetchall()}
    # the seller table's pedidos (sum of the daily pedidos_vendedor) are the seller's distinct orders
    by_seller = {r[:4]: r[4:] for r in conn.execute(
        "SELECT mes, regiao_sk, equipe_sk, vendedor_sk, pedidos, linhas, quantidade_vendida, quantidade_devolvida, "
        "valor_bruto, valor_desconto, valor_total_liquido, custo_total, linhas_com_desconto, receita_com_desconto "
        "FROM mart.agg_vendas_mensais_vendedor").fetchall()}
    assert by_seller == {r[:4]: r[4:] for r in conn.execute(
        f"SELECT mes, regiao_sk, equipe_sk, vendedor_sk, count(DISTINCT pedido_id), {MEASURES} "
        f"FROM ({MONTHLY_FROM_FACT}) l GROUP BY 1, 2, 3, 4").fetchall()}
    by_day = dict(conn.execute(
        "SELECT (data, regiao_sk)::text, (pedidos, pedidos_com_desconto, pedidos_sem_desconto, linhas, "
        "valor_bruto, valor_desconto, custo_total, receita_com_desconto, custo_com_desconto)::text "
        "FROM mart.agg_pedidos_diarios").fetchall())
    assert by_day == dict(conn.execute(
        "SELECT (d.data, f.regiao_sk)::text, (count(DISTINCT f.pedido_id), "
        "count(DISTINCT f.pedido_id) FILTER (WHERE f.valor_desconto > 0), "
        "count(DISTINCT f.pedido_id) FILTER (WHERE NOT f.valor_desconto > 0), count(*), sum(f.valor_bruto), "
        "sum(f.valor_desconto), sum(f.custo_total), "
        "coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0)::numeric(16,2), "
        "coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0)::numeric(16,2))::text "
        "FROM fact.fact_vendas f JOIN dim.dim_data d ON d.data_sk = f.data_sk WHERE NOT f.eh_cancelado "
        "GROUP BY d.data, f.regiao_sk").fetchall())
    coupons = dict(conn.execute(
        "SELECT (data, regiao_sk, desconto_sk)::text, (linhas, pedidos, valor_desconto, valor_total_liquido)::text "
        "FROM mart.agg_descontos_diarios").fetchall())
    assert coupons == dict(conn.execute(
        "SELECT (d.data, f.regiao_sk, f.desconto_sk)::text, (count(*), count(DISTINCT f.pedido_id), "
        "sum(f.valor_desconto), sum(f.valor_total_liquido))::text FROM fact.fact_vendas f "
        "JOIN dim.dim_data d ON d.data_sk = f.data_sk WHERE NOT f.eh_cancelado AND f.valor_desconto > 0 "
        "GROUP BY d.data, f.regiao_sk, f.desconto_sk").fetchall())


def test_monthly_rollup_and_day_tables_follow_partial_refreshes(mart_dw):
    """The monthly roll-up is adjusted by difference when days are rewritten: after changes on two
    days refreshed one at a time it still equals a grouping of the fact, emptied groups disappear,
    and the day x region / day x coupon tables and pedidos_vendedor stay exact."""
    with db.connect("dw", "admin") as conn:
        _monthly_and_seller_orders_match_fact(conn)
        conn.execute("UPDATE fact.fact_vendas SET quantidade_devolvida = 1 WHERE item_pedido_id = 'I05'")
        conn.execute("UPDATE fact.fact_vendas SET eh_cancelado = false, status = 'delivered' WHERE pedido_id = 'O4'")
        conn.execute("UPDATE fact.fact_vendas SET eh_cancelado = true, status = 'canceled' WHERE pedido_id = 'O9'")
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        for day in (date(2024, 1, 20), date(2024, 2, 28)):
            conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run2, day, day))
        _monthly_and_seller_orders_match_fact(conn)
        for table in ("mart.agg_vendas_mensais_categoria", "mart.agg_vendas_mensais_vendedor"):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE linhas <= 0").fetchone()[0] == 0
        conn.rollback()


def test_refresh_rerun_is_idempotent_and_runs_as_etl_writer(mart_dw):
    with db.connect("dw", "etl") as conn:
        before = _strip_run(_agg(conn))
        run = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        for _ in range(2):
            conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run, date(2024, 1, 1), date(2024, 2, 29)))
        assert _strip_run(_agg(conn)) == before
        conn.commit()


@pytest.mark.parametrize("args, sqlstate", [
    ((None, date(2024, 1, 1), date(2024, 1, 2)), "22023"),
    (("RUN", None, date(2024, 1, 2)), "22023"),
    (("RUN", date(2024, 1, 3), date(2024, 1, 2)), "22023"),
    ((999999, date(2024, 1, 1), date(2024, 1, 2)), "23503"),
])
def test_refresh_rejects_bad_arguments_with_named_sqlstate(mart_dw, args, sqlstate):
    args = tuple(mart_dw if a == "RUN" else a for a in args)
    with db.connect("dw", "admin") as conn, pytest.raises(psycopg.Error) as err:
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s::bigint, %s::date, %s::date)", args)
    assert err.value.sqlstate == sqlstate


# ------------------------------------------------------------------ reconciliation helper (shop side)
@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_shop_reconciliation_helper_equals_python_and_the_warehouse(mart_dw, filters):
    catalog = metrics.load_catalog()
    want = md.sales_kpis(md.select(md.lines(), **filters))
    with db.connect("oltp", "admin") as shop, db.connect("dw", "bi") as dw:
        got = reconcile.sales_kpis(shop, **filters)
        for name, value in want.items():
            assert reconcile.close(got[name], value), f"shop {name} {filters}: {got[name]} != {value}"
            assert reconcile.close(metrics.compute(dw, catalog, name, **filters), got[name])


def test_shop_reconciliation_breakdowns(mart_dw):
    ok = [r for r in md.lines() if not r.cancelled]
    with db.connect("oltp", "admin") as shop:
        by_day = reconcile.sales_kpis_by_day(shop)
        by_month = reconcile.sales_kpis_by_month(shop, regiao="SE")
        goals = reconcile.goals(shop)
        discounts = reconcile.discounts_by_month(shop)
    assert {d: v["receita_liquida"] for d, v in by_day.items()} == {
        d: sum((r.net for r in ok if r.day == d), D(0)) for d in {r.day for r in ok}}
    assert sum(v["pedidos"] for v in by_day.values()) == len({r.order_id for r in ok})
    assert {m: v["itens"] for m, v in by_month.items()} == {
        m: sum(r.qty for r in ok if r.month == m and r.region_id == "SE") for m in {r.month for r in ok if r.region_id == "SE"}}
    for g in md.goal_rows():
        row = goals[g["vendedor_id"], g["mes"]]
        assert row["valor_realizado"] == g["valor_realizado"] and reconcile.close(row["atingimento_pct"], g["atingimento"])
    assert {k: v["roi_desconto"] for k, v in discounts.items()} == pytest.approx(
        {(w["mes"], w["desconto_id"]): w["roi_desconto"] for w in md.discount_rows()})


# ------------------------------------------------------------------ security
MART_OBJECTS = ["mart.vw_vendas", "mart.vw_vendas_diarias", "mart.vw_pedidos_diarios", "mart.vw_metas_atingimento",
                "mart.vw_descontos_campanhas", "mart.vw_devolucoes", "mart.vw_monitor_etl", "mart.vw_atualizacao",
                "mart.vw_versao_warehouse", "mart.agg_vendas_diarias", "mart.agg_pedidos_diarios",
                "mart.vw_verificacoes_qualidade", "mart.vw_opcoes_filtro",  # added by the dashboards branch (Monitor ETL: failed checks)
                "mart.agg_vendas_mensais_categoria", "mart.agg_vendas_mensais_vendedor",  # V042
                "mart.agg_descontos_diarios", "mart.vw_descontos_diarios",  # V043
                "mart.agg_metas_mensais",  # V070
                "mart.vw_rejeicoes_abertas",  # V120: open rejects by rule (Monitor ETL)
                "mart.vw_anomalias_kpi"]  # V156: KPI anomalies


def test_bi_reader_selects_every_mart_object_and_not_audit(template_dbs):
    with db.connect("dw", "admin") as conn:
        present = {r[0] for r in conn.execute(
            "SELECT schemaname || '.' || relname FROM pg_stat_all_tables WHERE schemaname = 'mart' "
            "UNION SELECT schemaname || '.' || viewname FROM pg_views WHERE schemaname = 'mart'")}
    assert present == set(MART_OBJECTS), "a mart object was added or removed: update MART_OBJECTS and the contract"
    with db.connect("dw", "bi") as conn:
        for name in MART_OBJECTS:
            conn.execute(f"SELECT * FROM {name} LIMIT 1").fetchall()
        for fn in ("vendas_periodo_categoria", "vendas_periodo_vendedor", "vendas_linhas"):
            conn.execute(f"SELECT * FROM mart.{fn}('2024-01-10', '2024-03-31') LIMIT 1").fetchall()
    for hidden in ("audit.rejected_rows", "audit.etl_run", "audit.etl_run_entity"):
        with db.connect("dw", "bi") as conn, pytest.raises(psycopg.Error):
            conn.execute(f"SELECT * FROM {hidden}")


# ------------------------------------------------------------------ standard queries
HOSTILE = "x'; DROP TABLE fact.fact_vendas; --"


def test_standard_queries_read_only_mart_and_declare_their_parameters():
    from harness import queries

    found = queries.list_queries()
    assert {q.name for q in found} >= {"receita_por_periodo", "receita_por_regiao", "receita_por_categoria",
                                       "receita_por_vendedor", "atingimento_por_vendedor", "atingimento_por_equipe",
                                       "roi_campanhas"}
    for q in found:
        assert q.description and set(q.required) == {"data_inicio", "data_fim"}, q
        relations = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+\.[a-z_]+)", q.text, re.IGNORECASE))
        assert relations and all(r.startswith("mart.") for r in relations), (q.name, relations)


def test_every_standard_query_runs_and_treats_a_hostile_value_as_data(mart_dw):
    from harness import queries

    with db.connect("dw", "admin") as conn:      # the most powerful role: only binding can protect it
        for q in queries.list_queries():
            base = {"data_inicio": "2024-01-01", "data_fim": date(2024, 2, 29)}
            cols, rows = queries.run_query(q.name, base, conn=conn)
            assert cols and rows, f"{q.name} returned nothing on the data set"
            for opt in q.optional:
                _, none = queries.run_query(q.name, {**base, opt: HOSTILE}, conn=conn)
                assert none == [] or q.name == "roi_campanhas" and opt != "campanha", (q.name, opt, none)
        assert conn.execute("SELECT count(*) FROM fact.fact_vendas").fetchone()[0] == len(md.ITEMS)
        conn.rollback()


def test_standard_queries_agree_with_the_catalog_and_python(mart_dw):
    from harness import queries

    catalog = metrics.load_catalog()
    period = {"data_inicio": date(2024, 1, 1), "data_fim": date(2024, 2, 29)}
    cols, rows = queries.run_query("receita_por_regiao", period)
    by_region = {r[cols.index("regiao_id")]: r for r in rows}
    with db.connect("dw", "bi") as conn:
        for region, row in by_region.items():
            want = md.sales_kpis(md.select(md.lines(), regiao=None if region == "-1" else region))
            if region != "-1":
                assert row[cols.index("receita_liquida")] == want["receita_liquida"]
            assert row[cols.index("receita_liquida")] == metrics.compute(conn, catalog, "receita_liquida",
                                                                        regiao=region, **period)
    cols, rows = queries.run_query("receita_por_vendedor", {**period, "equipe": "T1"})
    got = {r[0]: (r[cols.index("receita_liquida")], r[cols.index("pedidos")]) for r in rows}
    for seller in ("V1", "V2"):
        k = md.sales_kpis(md.select(md.lines(), vendedor=seller, equipe="T1"))
        assert got[seller] == (k["receita_liquida"], k["pedidos"])
    cols, rows = queries.run_query("atingimento_por_equipe", period)
    for r in rows:
        want = md.goal_kpis([g for g in md.goal_rows() if g["equipe_id"] == r[0]])
        assert r[cols.index("atingimento_pct")] == round(want["atingimento_meta"], 2)
    cols, rows = queries.run_query("roi_campanhas", period)
    disc = md.discount_rows()
    for r in rows:
        camp = {"Boas-vindas": "D1", "Black Friday": "D2", "Não informado": "-1"}[r[0]]
        mine = [d for d in disc if d["desconto_id"] == camp]
        assert r[cols.index("roi_desconto")] == round(md.discount_kpis(mine)["roi_desconto"], 4)


def test_query_runner_refuses_unknown_names_and_parameters():
    from harness import queries

    for bad in ("../etc/passwd", "nao_existe", "DROP"):
        with pytest.raises(queries.QueryError):
            queries.get_query(bad)
    with pytest.raises(queries.QueryError, match="no parameter"):
        queries.bind(queries.get_query("receita_por_regiao"), {"data_inicio": "2024-01-01", "data_fim": "2024-01-31",
                                                               "x": 1})
    with pytest.raises(queries.QueryError, match="needs data_fim"):
        queries.bind(queries.get_query("receita_por_regiao"), {"data_inicio": "2024-01-01"})
    with pytest.raises(queries.QueryError, match="must be a date"):
        queries.bind(queries.get_query("receita_por_regiao"), {"data_inicio": "ontem", "data_fim": "2024-01-31"})


# ------------------------------------------------------------------ issue 9: goal attainment table, faster queries
TEAM_NAME = {t[0]: t[1] for t in md.TEAMS}
REGION_NAME = {r[0]: r[1] for r in md.REGIONS}
SELLER_NAME = {s[0]: s[1] for s in md.SELLERS}
CUT_PERIODS = [(date(2024, 1, 10), date(2024, 2, 10)),     # starts and ends mid-month: both months count
               (date(2024, 2, 15), date(2024, 2, 20)),     # inside one month
               (date(2024, 1, 1), date(2024, 1, 31)),
               (date(2023, 12, 15), date(2024, 3, 31))]    # months without goals or sales around


def _goal_query_rows(goals, start, end, regiao=None, equipe=None, vendedor=None):
    """atingimento_por_vendedor computed in Python from md.goal_rows(): rows and order."""
    rows = [g for g in goals if start.replace(day=1) <= g["mes"] <= end and regiao in (None, g["regiao_id"])
            and equipe in (None, g["equipe_id"]) and vendedor in (None, g["vendedor_id"])]
    rows.sort(key=lambda g: (g["mes"], TEAM_NAME[g["equipe_id"]], g["ranking_equipe"], g["vendedor_id"]))
    return [(g["mes"].strftime("%Y-%m"), g["vendedor_id"], SELLER_NAME[g["vendedor_id"]], g["equipe_id"],
             TEAM_NAME[g["equipe_id"]], REGION_NAME[g["regiao_id"]], g["valor_meta"], g["valor_realizado"],
             None if g["atingimento"] is None else round(g["atingimento"], 2),
             g["valor_realizado"] >= g["valor_meta"], g["ranking_equipe"]) for g in rows]


@pytest.mark.parametrize("start, end", CUT_PERIODS)
@pytest.mark.parametrize("filters", [{}, {"regiao": "SE"}, {"equipe": "T2"}, {"vendedor": "V2"}, {"regiao": "N"}],
                         ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_goal_queries_equal_python_for_any_period(mart_dw, start, end, filters):
    """atingimento_por_vendedor (every column, the order and the rank within the whole team even when a seller
    is filtered) and atingimento_por_equipe equal an independent computation, for periods cut mid-month."""
    from harness import queries

    goals = md.goal_rows()
    want = _goal_query_rows(goals, start, end, **filters)
    cols, rows = queries.run_query("atingimento_por_vendedor", {"data_inicio": start, "data_fim": end, **filters})
    assert [tuple(r) for r in rows] == want
    assert "-1" not in {r[1] for r in rows}            # sales without a seller and without a goal: no row
    if "vendedor" in filters:
        return
    cols, rows = queries.run_query("atingimento_por_equipe", {"data_inicio": start, "data_fim": end,
                                                              **{k: v for k, v in filters.items() if k == "regiao"}})
    by_team = defaultdict(list)
    for g in goals:
        if start.replace(day=1) <= g["mes"] <= end and filters.get("regiao") in (None, g["regiao_id"]):
            by_team[g["equipe_id"]].append(g)
    expected = []
    for team, gs in by_team.items():
        k = md.goal_kpis(gs)
        pct = None if k["atingimento_meta"] is None else round(k["atingimento_meta"], 2)
        expected.append((team, TEAM_NAME[team], REGION_NAME[gs[0]["regiao_id"]], k["valor_meta"], k["valor_realizado"],
                         pct, sum(1 for g in gs if g["valor_realizado"] >= g["valor_meta"]), len(gs)))
    expected.sort(key=lambda r: (r[5] is None, -(r[5] or 0), r[0]))
    assert [tuple(r) for r in rows] == expected


@pytest.mark.parametrize("start, end", CUT_PERIODS)
@pytest.mark.parametrize("filters", [{}, {"regiao": "SE"}, {"equipe": "T1"}, {"categoria": "informatica"},
                                     {"categoria": "moda", "regiao": "S"}, {"categoria": "informatica", "equipe": "T1"}],
                         ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_revenue_by_seller_equals_python_for_any_period(mart_dw, start, end, filters):
    """receita_por_vendedor (period totals summed on the keys first; orders counted by a function only when a
    category is given) equals the lines in Python, days of cut months included."""
    from harness import queries

    cols, rows = queries.run_query("receita_por_vendedor", {"data_inicio": start, "data_fim": end, **filters})
    got = {(r[0], r[2]): dict(zip(cols, r)) for r in rows}
    picked = [r for r in md.select(md.lines(), data_inicio=start, data_fim=end, **filters) if not r.cancelled]
    keys = {(r.seller_id or "-1", r.team_id or "-1") for r in picked}
    assert set(got) == keys
    for seller, team in keys:
        mine = [r for r in picked if (r.seller_id or "-1", r.team_id or "-1") == (seller, team)]
        k = md.sales_kpis(mine)
        g = got[seller, team]
        assert (g["receita_liquida"], g["margem_bruta"], g["itens"], g["pedidos"]) == \
            (k["receita_liquida"], k["margem_bruta"], k["itens"], k["pedidos"]), (seller, team, g, k)
        assert g["ticket_medio"] == round(k["receita_liquida"] / k["pedidos"], 2)
    assert [r[cols.index("receita_liquida")] for r in rows] == sorted((r[cols.index("receita_liquida")] for r in rows),
                                                                      reverse=True)


def _attainment(conn):
    return {(r[0], r[1]): r[2:] for r in conn.execute(
        "SELECT vendedor_id, mes, equipe_id, valor_meta, valor_realizado, atingimento_pct, ranking_equipe "
        "FROM mart.vw_metas_atingimento").fetchall()}


def test_goal_table_follows_goals_sales_and_team_changes(mart_dw):
    """etl.refresh_agg_metas_mensais: a new goal without sales, a deleted goal, a seller changing team in the
    middle of a month (SCD2: the month's goal stays in the team of day 1, the actual counts both versions), a
    goal re-bound to another team, each picked up (goal changes without being told the months) and equal to
    a recomputation; a second call changes nothing."""
    with db.connect("dw", "admin") as conn:
        base = _attainment(conn)
        assert base == {(g["vendedor_id"], g["mes"]): (
            g["equipe_id"], g["valor_meta"], g["valor_realizado"],
            None if g["atingimento"] is None else round(g["atingimento"], 2), g["ranking_equipe"]) for g in md.goal_rows()}
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        sk = dict(conn.execute("SELECT vendedor_id, vendedor_sk FROM dim.dim_vendedor WHERE vendedor_id LIKE 'V%'"))
        teams = dict(conn.execute("SELECT equipe_id, equipe_sk FROM dim.dim_equipe"))
        # a goal with no sales (March), a deleted goal (V2, January)
        conn.execute("INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta) "
                     "VALUES (%s, 20240301, %s, 'V1', '2024-03-01', 700)", (sk["V1"], teams["T1"]))
        conn.execute("DELETE FROM fact.fact_metas WHERE vendedor_id = 'V2' AND mes = '2024-01-01'")
        # V3 moves to T1 on 2024-02-10: a new version, and the lines of O9 (2024-02-28) re-bound to it
        conn.execute("UPDATE dim.dim_vendedor SET valido_ate = '2024-02-10', eh_atual = false WHERE vendedor_id = 'V3'")
        v3b = conn.execute("INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk, versao, valido_de, "
                           "valido_ate, eh_atual) SELECT vendedor_id, nome, 'T1', %s, versao + 1, '2024-02-10', "
                           "'infinity', true FROM dim.dim_vendedor WHERE vendedor_id = 'V3' RETURNING vendedor_sk",
                           (teams["T1"],)).fetchone()[0]
        conn.execute("UPDATE fact.fact_vendas SET vendedor_sk = %s, equipe_sk = %s WHERE pedido_id = 'O9'",
                     (v3b, teams["T1"]))
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, '2024-02-28', '2024-02-28')", (run2,))
        conn.execute("CALL etl.refresh_agg_metas_mensais(%s, ARRAY['2024-02-28']::date[])", (run2,))
        after = _attainment(conn)
        want = dict(base)
        del want["V2", date(2024, 1, 1)]
        want["V1", date(2024, 1, 1)] = want["V1", date(2024, 1, 1)][:4] + (1,)   # alone in T1 in January now
        want["V1", date(2024, 3, 1)] = ("T1", D("700.00"), D("0.00"), D("0.00"), 1)
        assert after == want          # V3's February: team T2 (day 1), actual = both versions, as before
        assert conn.execute("SELECT equipe_atual FROM mart.vw_metas_atingimento WHERE vendedor_id = 'V3' "
                            "AND mes = '2024-02-01'").fetchone()[0] == "T1"
        # a backdated change re-binds the February goal to the new version (team T1): no month given
        conn.execute("UPDATE fact.fact_metas SET vendedor_sk = %s, equipe_sk = %s WHERE vendedor_id = 'V3' "
                     "AND mes = '2024-02-01'", (v3b, teams["T1"]))
        conn.execute("CALL etl.refresh_agg_metas_mensais(%s)", (run2,))
        feb = {k[0]: v for k, v in _attainment(conn).items() if k[1] == date(2024, 2, 1)}
        v1, v2, v3 = (next(g for g in md.goal_rows() if g["vendedor_id"] == s and g["mes"] == date(2024, 2, 1))
                      for s in ("V1", "V2", "V3"))
        assert feb["V3"][0] == "T1" and feb["V3"][2] == v3["valor_realizado"]
        ranked = sorted((g for g in (v1, v2, v3) if g["atingimento"] is not None), key=lambda g: -g["atingimento"])
        assert {s: feb[s][4] for s in ("V1", "V3")} == {g["vendedor_id"]: i + 1 for i, g in enumerate(ranked)}
        assert feb["V2"][4] == 3      # goal 0: no attainment, ranked last in the team
        # equal to a recomputation from scratch, and a rerun is a no-op
        table = conn.execute("SELECT * FROM mart.agg_metas_mensais ORDER BY 1, 2").fetchall()
        with conn.transaction(force_rollback=True):
            conn.execute("DELETE FROM mart.agg_metas_mensais")
            conn.execute("CALL etl.refresh_agg_metas_mensais(%s)", (run2,))
            assert [r[:-1] for r in conn.execute("SELECT * FROM mart.agg_metas_mensais ORDER BY 1, 2")] == \
                [r[:-1] for r in table]
        audit = conn.execute("SELECT rows_inserted, rows_updated, rows_deleted FROM audit.etl_run_entity "
                             "WHERE run_id = %s AND entity = 'agg_metas_mensais'", (run2,)).fetchone()
        conn.execute("CALL etl.refresh_agg_metas_mensais(%s, ARRAY['2024-01-01', '2024-02-01']::date[])", (run2,))
        assert conn.execute("SELECT rows_inserted, rows_updated, rows_deleted FROM audit.etl_run_entity "
                            "WHERE run_id = %s AND entity = 'agg_metas_mensais'", (run2,)).fetchone() == audit
        assert audit[0] == 1 and audit[2] == 1
        conn.rollback()


def test_goal_quality_check_recomputes_the_hand_made_goals(mart_dw):
    """The quality check atingimento_confere_com_metas (database/checks) recomputes what goal_rows() computes
    by hand, without the refresh procedure: with every stored figure spoiled it reports each goal with the
    hand-made realised value, attainment (NULL for V2's goal 0 in February) and rank (V2 last)."""
    from harness import quality

    name = "atingimento_confere_com_metas"
    assert quality.run_checks(mart_dw, only=[name])[0].status == "pass"
    with db.connect("dw", "admin") as conn:
        conn.execute("UPDATE mart.agg_metas_mensais SET valor_realizado = -1, atingimento = -1, ranking_equipe = 99")
        conn.commit()
    [bad] = quality.run_checks(mart_dw, only=[name])
    assert {r["colunas"] for r in bad.offending} == {"valor_realizado, atingimento, ranking_equipe"}
    got = {(r["vendedor_id"], r["mes"]): (r["valor_realizado_esperado"], r["atingimento_esperado"] and
                                           round(r["atingimento_esperado"], 6), r["ranking_equipe_esperado"])
           for r in bad.offending}
    assert got == {(g["vendedor_id"], g["mes"]): (g["valor_realizado"], g["atingimento"] and round(g["atingimento"], 6),
                                                   g["ranking_equipe"]) for g in md.goal_rows()}
    assert got["V2", date(2024, 2, 1)][1:] == (None, 2)


def test_goal_quality_check_sums_every_version_of_the_seller(mart_dw):
    """A seller changing team mid-month (SCD2) splits the month's sales over two versions; the goal's realised
    value is their sum, and the check agrees with the refreshed table. Spoiling it to one version's share fails."""
    from harness import quality

    name = "atingimento_confere_com_metas"
    with db.connect("dw", "admin") as conn:
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        t1 = conn.execute("SELECT equipe_sk FROM dim.dim_equipe WHERE equipe_id = 'T1'").fetchone()[0]
        conn.execute("UPDATE dim.dim_vendedor SET valido_ate = '2024-02-10', eh_atual = false WHERE vendedor_id = 'V3'")
        v3b = conn.execute("INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk, versao, valido_de, "
                           "valido_ate, eh_atual) SELECT vendedor_id, nome, 'T1', %s, versao + 1, '2024-02-10', "
                           "'infinity', true FROM dim.dim_vendedor WHERE vendedor_id = 'V3' RETURNING vendedor_sk",
                           (t1,)).fetchone()[0]
        conn.execute("UPDATE fact.fact_vendas SET vendedor_sk = %s, equipe_sk = %s WHERE pedido_id = 'O9'", (v3b, t1))
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, '2024-02-28', '2024-02-28')", (run2,))
        conn.execute("CALL etl.refresh_agg_metas_mensais(%s, ARRAY['2024-02-28']::date[])", (run2,))
        split = conn.execute("SELECT count(DISTINCT vendedor_sk), sum(valor_total_liquido) FILTER (WHERE vendedor_sk = %s) "
                             "FROM mart.agg_vendas_mensais_vendedor WHERE mes = '2024-02-01' AND vendedor_sk IN "
                             "(SELECT vendedor_sk FROM dim.dim_vendedor WHERE vendedor_id = 'V3')", (v3b,)).fetchone()
        assert split[0] == 2 and split[1] > 0      # February's sales of V3 on both versions
        conn.commit()
    assert quality.run_checks(run2, only=[name])[0].status == "pass"
    with db.connect("dw", "admin") as conn:
        conn.execute("UPDATE mart.agg_metas_mensais SET valor_realizado = valor_realizado - %s "
                     "WHERE vendedor_id = 'V3' AND mes = '2024-02-01'", (split[1],))
        conn.commit()
    [bad] = quality.run_checks(run2, only=[name])
    assert [(r["vendedor_id"], r["mes"], r["colunas"]) for r in bad.offending] == [
        ("V3", date(2024, 2, 1), "valor_realizado")]


@pytest.mark.parametrize("args, sqlstate", [((None,), "22023"), ((999999,), "23503")])
def test_goal_refresh_rejects_bad_arguments_with_named_sqlstate(mart_dw, args, sqlstate):
    with db.connect("dw", "admin") as conn, pytest.raises(psycopg.Error) as err:
        conn.execute("CALL etl.refresh_agg_metas_mensais(%s::bigint)", args)
    assert err.value.sqlstate == sqlstate


def _sk(conn, table, key_column, key, sk_column):
    return conn.execute(f"SELECT {sk_column} FROM dim.{table} WHERE {key_column} = %s", (key,)).fetchone()[0]


def _change_and_mark(conn, statement, params=()):
    """One change to fact_vendas as a load makes it: the seller-day of the old and of the new version
    of every changed line goes to ctl.agg_grupos_pendentes (cancelled versions are in no aggregate),
    and the line's old state (or its absence) to pg_temp.etl_agg_linhas_antes, first state kept, as
    etl.load_fact_vendas records them from its RETURNING old/new."""
    conn.execute("CALL etl.prepare_agg_linhas_antes()")
    conn.execute(f"""
        WITH changed AS ({statement}
            RETURNING old.data_sk AS o_d, old.regiao_sk AS o_r, old.equipe_sk AS o_e, old.vendedor_sk AS o_v,
                      old.eh_cancelado AS o_c, new.data_sk AS n_d, new.regiao_sk AS n_r, new.equipe_sk AS n_e,
                      new.vendedor_sk AS n_v, new.eh_cancelado AS n_c,
                      coalesce(new.item_pedido_id, old.item_pedido_id) AS item, old.item_pedido_id IS NOT NULL AS existia,
                      old.pedido_id AS o_pedido, old.cliente_sk AS o_cliente, old.desconto_sk AS o_desconto,
                      old.quantidade_vendida AS o_qv, old.quantidade_devolvida AS o_qd, old.valor_bruto AS o_vb,
                      old.valor_desconto AS o_vd, old.valor_total_liquido AS o_vl, old.custo_total AS o_ct),
        antes AS (
            INSERT INTO pg_temp.etl_agg_linhas_antes
            SELECT item, existia, o_pedido, o_d, o_r, o_cliente, o_desconto, o_c, o_qv, o_qd, o_vb, o_vd, o_vl, o_ct
            FROM changed
            ON CONFLICT (item_pedido_id) DO NOTHING)
        INSERT INTO ctl.agg_grupos_pendentes (data_sk, regiao_sk, equipe_sk, vendedor_sk)
        SELECT DISTINCT k.d, k.r, k.e, k.v FROM changed,
               LATERAL (VALUES (o_d, o_r, o_e, o_v, o_c), (n_d, n_r, n_e, n_v, n_c)) AS k (d, r, e, v, c)
        WHERE k.c IS FALSE
        ON CONFLICT DO NOTHING""", params)


def _seller_moves(conn):        # SCD2 re-binding: I01 (O1, 2024-01-05) to another seller and team
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET vendedor_sk = %s, equipe_sk = %s WHERE item_pedido_id = 'I01'",
                     (_sk(conn, "dim_vendedor", "vendedor_id", "V3", "vendedor_sk"),
                      _sk(conn, "dim_equipe", "equipe_id", "T2", "equipe_sk")))


def _region_moves(conn):        # the customer's version changes region: every line of O1
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET regiao_sk = %s WHERE pedido_id = 'O1'",
                     (_sk(conn, "dim_regiao", "regiao_id", "N", "regiao_sk"),))


def _category_moves(conn):      # I02 re-bound to a product of another category: O1's smallest category changes
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET produto_sk = %s WHERE item_pedido_id IN ('I01', 'I02')",
                     (_sk(conn, "dim_produto", "produto_id", "P3", "produto_sk"),))


def _recategorised_in_place(conn):  # the product's category changes without any fact change (harness marks)
    conn.execute("UPDATE dim.dim_produto SET categoria = 'eletronicos' WHERE produto_id = 'P2'")
    conn.execute("INSERT INTO ctl.agg_grupos_pendentes (data_sk, regiao_sk, equipe_sk, vendedor_sk) "
                 "SELECT DISTINCT f.data_sk, f.regiao_sk, f.equipe_sk, f.vendedor_sk FROM fact.fact_vendas f "
                 "JOIN dim.dim_produto p USING (produto_sk) WHERE p.produto_id = 'P2' AND NOT f.eh_cancelado "
                 "ON CONFLICT DO NOTHING")


def _cancelled_and_back(conn):  # O9 cancelled, O4 un-cancelled
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET eh_cancelado = true, status = 'canceled' WHERE pedido_id = 'O9'")
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET eh_cancelado = false, status = 'delivered' WHERE pedido_id = 'O4'")


def _returned(conn):
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET quantidade_devolvida = 1 WHERE item_pedido_id = 'I05'")


def _deleted_line_empties_a_group(conn):  # I08 is V3's only line on 2024-02-03 (a marketplace line)
    _change_and_mark(conn, "DELETE FROM fact.fact_vendas WHERE item_pedido_id = 'I08'")


def _discount_removed(conn):    # the only discounted lines of a coupon on a day x region lose their discount
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET valor_desconto = 0, valor_total_liquido = valor_bruto "
                           "WHERE pedido_id = 'O9'")


def _to_and_from_unknown_date(conn):  # I14 loses its date (data_sk = -1); I10 moves to another day
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET data_sk = -1 WHERE item_pedido_id = 'I14'")
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET data_sk = 20240106 WHERE item_pedido_id = 'I10'")


def _new_line_on_an_old_order(conn):
    _change_and_mark(conn, """
        INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
            equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida, quantidade_devolvida,
            preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total, inserted_run_id)
        SELECT 'I99', pedido_id, 9, data_sk, cliente_sk, produto_sk, vendedor_sk, equipe_sk, regiao_sk, desconto_sk,
               status, eh_cancelado, 1, 0, 7, 7, 1, 6, 2, inserted_run_id
        FROM fact.fact_vendas WHERE item_pedido_id = 'I03'""")


def _same_line_changed_twice(conn):  # two loads before one refresh: the state before the first one counts
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET quantidade_devolvida = 1 WHERE item_pedido_id = 'I05'")
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET data_sk = 20240105 WHERE pedido_id = 'O3'")  # I04, I05


def _order_joins_the_customers_other_order_day(conn):  # O10 (C1, 02-28) moves to 01-05, C1's O1 day
    _change_and_mark(conn, "UPDATE fact.fact_vendas SET data_sk = 20240105 WHERE pedido_id = 'O10'")


@pytest.mark.parametrize("change", [
    _seller_moves, _region_moves, _category_moves, _recategorised_in_place, _cancelled_and_back, _returned,
    _deleted_line_empties_a_group, _discount_removed, _to_and_from_unknown_date, _new_line_on_an_old_order,
    _same_line_changed_twice, _order_joins_the_customers_other_order_day,
], ids=lambda f: f.__name__.strip("_"))
def test_group_refresh_equals_full_recompute_and_writes_only_changed_groups(mart_dw, change):
    """etl.refresh_agg_vendas_grupos recomputes only the groups the changed lines fall into (old and
    new version) and writes only the rows that differ: every aggregate (daily, day x region, day x
    coupon, both monthly roll-ups) then equals a full recomputation, groups left without lines are
    gone, rows of untouched groups keep their run id, the queue is empty and a second call changes
    nothing."""
    with db.connect("dw", "etl") as conn:
        before = _agg(conn)
        change(conn)
        assert conn.execute("SELECT count(*) FROM ctl.agg_grupos_pendentes").fetchone()[0] > 0
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        conn.execute("CALL etl.refresh_agg_vendas_grupos(%s)", (run2,))
        after, after_orders = _agg(conn), _orders_agg(conn)
        assert conn.execute("SELECT count(*) FROM ctl.agg_grupos_pendentes").fetchone()[0] == 0
        _monthly_and_seller_orders_match_fact(conn)
        for table in ("mart.agg_vendas_mensais_categoria", "mart.agg_vendas_mensais_vendedor"):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE linhas <= 0").fetchone()[0] == 0
        rewritten = {k for k, v in after.items() if v[-1] == run2}
        assert (rewritten or set(before) - set(after)) and len(rewritten) < len(after), "rewrote every group, or none"
        assert all(after[k] == v for k, v in before.items() if k in after and k not in rewritten)
        conn.execute("CALL etl.refresh_agg_vendas_grupos(%s)", (run2,))      # nothing pending: no change
        assert _agg(conn) == after and _orders_agg(conn) == after_orders
        entity = conn.execute("SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_deleted "
                              "FROM audit.etl_run_entity WHERE run_id = %s AND entity = 'agg_vendas_diarias'",
                              (run2,)).fetchone()
        assert entity[0] == entity[1] + entity[2] + entity[3] and entity[1] + entity[2] + entity[4] > 0
        full, full_orders = _full_recompute(conn, run2)
        assert _strip_run(after) == _strip_run(full)
        assert _strip_run(after_orders) == _strip_run(full_orders)
        conn.rollback()


def test_group_refresh_counts_a_customer_once_over_its_orders_of_a_day(mart_dw):
    """agg_pedidos_diarios counts distinct customers, moved by difference: C1's second order of a day
    adds an order but not a customer, and cancelling its first one afterwards (a later load, the other
    order unchanged) still leaves C1 counted once."""
    with db.connect("dw", "etl") as conn:
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        dia = "SELECT pedidos, clientes FROM mart.agg_pedidos_diarios WHERE data = '2024-01-05' AND regiao_sk = %s"
        se = _sk(conn, "dim_regiao", "regiao_id", "SE", "regiao_sk")
        assert conn.execute(dia, (se,)).fetchone() == (2, 2)            # O1 (C1), O2 (C2, also SE)
        _order_joins_the_customers_other_order_day(conn)
        conn.execute("CALL etl.refresh_agg_vendas_grupos(%s)", (run2,))
        assert conn.execute(dia, (se,)).fetchone() == (3, 2)            # + O10, C1 counted once
        _change_and_mark(conn, "UPDATE fact.fact_vendas SET eh_cancelado = true, status = 'canceled' "
                               "WHERE pedido_id = 'O1'")
        conn.execute("CALL etl.refresh_agg_vendas_grupos(%s)", (run2,))
        assert conn.execute(dia, (se,)).fetchone() == (2, 2)            # O10 keeps C1 on the day
        full, full_orders = _full_recompute(conn, run2)
        assert _strip_run(_orders_agg(conn)) == _strip_run(full_orders)
        conn.rollback()


def test_whole_day_refresh_clears_the_pending_groups_of_its_days(mart_dw):
    """A whole-day refresh makes its days exact, so the groups waiting for those days leave the queue;
    those of other days stay for the group refresh."""
    with db.connect("dw", "admin") as conn:
        _returned(conn)                                                     # 2024-01-20
        _change_and_mark(conn, "UPDATE fact.fact_vendas SET quantidade_devolvida = 1 WHERE item_pedido_id = 'I13'")
        run2 = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
        conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run2, date(2024, 1, 20), date(2024, 1, 20)))
        assert conn.execute("SELECT DISTINCT data_sk FROM ctl.agg_grupos_pendentes").fetchall() == [(20240228,)]
        conn.execute("CALL etl.refresh_agg_vendas_grupos(%s)", (run2,))
        full, full_orders = _full_recompute(conn, run2)
        assert _strip_run(_agg(conn)) == _strip_run(full)
        _monthly_and_seller_orders_match_fact(conn)
        conn.rollback()


def test_group_refresh_rejects_bad_arguments_with_named_sqlstate(mart_dw):
    with db.connect("dw", "admin") as conn:
        for arg, sqlstate in ((None, "22023"), (999999, "23503")):
            with pytest.raises(psycopg.Error) as err:
                conn.execute("CALL etl.refresh_agg_vendas_grupos(%s::bigint)", (arg,))
            assert err.value.sqlstate == sqlstate
            conn.rollback()
