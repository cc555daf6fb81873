"""Poison rows: values the shop really holds that used to stop a load or a check (an overflowing
line value, an order dated infinity or 9999-12-31, negative freight, a NULL product...) are
quarantined once in audit.rejected_rows with their rule, the rest of the batch loads, the checks
pass, and the row fixed in the shop loads on the next run and its reject is marked resolved."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness import db, load
from harness.cli import app
from tests import reconcile, shopdata


def shop_exec(query, params=()):
    with db.connect("oltp", "owner") as conn:
        conn.execute(query, params)


def dw(query, params=()):
    with db.connect("dw", "admin") as conn:
        return conn.execute(query, params).fetchall()


def add_order(order_id, ordered_at="2024-11-15 10:00-03", customer="C1", seller="S1", status="delivered"):
    shop_exec("INSERT INTO shop.orders (order_id, customer_id, seller_id, status, ordered_at) VALUES (%s, %s, %s, %s, %s)",
              (order_id, customer, seller, status, ordered_at))


def add_line(item_id, order_id, line=1, product="P1", quantity=1, price="10.00", cost="4.00", freight="0",
             returned=0, returned_at=None):
    shop_exec("INSERT INTO shop.order_items (order_item_id, order_id, line_number, product_id, quantity, unit_price,"
              " unit_cost, freight_value, returned_quantity, returned_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
              (item_id, order_id, line, product, quantity, price, cost, freight, returned, returned_at))


def rejects(entity="fact_vendas"):
    return dw("SELECT natural_key, rule FROM audit.rejected_rows WHERE entity = %s ORDER BY 1, 2", (entity,))


def open_rejects(entity="fact_vendas"):
    return dw("SELECT natural_key, rule FROM audit.vw_rejeicoes_abertas WHERE entity = %s ORDER BY 1, 2", (entity,))


def fact_lines():
    return {r[0] for r in dw("SELECT item_pedido_id FROM fact.fact_vendas")}


def good_lines():
    return {line[0] for order in shopdata.ORDERS for line in order[6]}


def kpis_by_day_match():
    """Every catalog KPI by day through the views (bi_reader) equals the shop's acceptable rows."""
    from harness import metrics

    catalog = metrics.load_catalog()
    names = [m.name for m in catalog.metrics if m.source == "mart.vw_vendas"]
    with db.connect("oltp", "etl") as shop, db.connect("dw", "bi") as bi:
        want = reconcile.sales_kpis_by_day(shop, acceptable_only=True)
        assert want, "no acceptable sales: the comparison would prove nothing"
        for day, kpis in want.items():
            for name in names:
                got = metrics.compute(bi, catalog, name, data_inicio=day, data_fim=day)
                assert reconcile.close(got, kpis[name]), f"{name} {day}: warehouse {got} != shop {kpis[name]}"


# one poison kind each: (rule, how to put it into the shop, how to fix it in the shop, the line's id)
POISONS = {
    "value_overflow": (lambda: (add_order("PX1"), add_line("PX1-1", "PX1", quantity=1000, price="9999999999.99")),
                       lambda: shop_exec("UPDATE shop.order_items SET quantity = 1, unit_price = 10 "
                                         "WHERE order_item_id = 'PX1-1'"), "PX1-1"),
    "date_out_of_range": (lambda: (add_order("PX2", ordered_at="infinity"), add_line("PX2-1", "PX2")),
                          lambda: shop_exec("UPDATE shop.orders SET ordered_at = '2024-11-16 11:00-03' "
                                            "WHERE order_id = 'PX2'"), "PX2-1"),
    "negative_freight": (lambda: (add_order("PX3"), add_line("PX3-1", "PX3", freight="-5.00")),
                         lambda: shop_exec("UPDATE shop.order_items SET freight_value = 5 WHERE order_item_id = 'PX3-1'"),
                         "PX3-1"),
    "null_product": (lambda: (add_order("PX4"), add_line("PX4-1", "PX4", product=None)),
                     lambda: shop_exec("UPDATE shop.order_items SET product_id = 'P2' WHERE order_item_id = 'PX4-1'"),
                     "PX4-1"),
    "null_customer": (lambda: (add_order("PX5", customer=None), add_line("PX5-1", "PX5")),
                      lambda: shop_exec("UPDATE shop.orders SET customer_id = 'C2' WHERE order_id = 'PX5'"), "PX5-1"),
    "null_seller": (lambda: (add_order("PX6", seller=None), add_line("PX6-1", "PX6")),
                    lambda: shop_exec("UPDATE shop.orders SET seller_id = 'S2' WHERE order_id = 'PX6'"), "PX6-1"),
    "return_date_out_of_range": (lambda: (add_order("PX7"), add_line("PX7-1", "PX7", returned=1, returned_at="9999-12-31")),
                                 lambda: shop_exec("UPDATE shop.order_items SET returned_at = '2024-11-20' "
                                                   "WHERE order_item_id = 'PX7-1'"), "PX7-1"),
    "key_too_long": (lambda: (add_order("PX8"), add_line("PX8-1", "PX8", product="P" + "x" * 3000)),
                     lambda: shop_exec("UPDATE shop.order_items SET product_id = 'P3' WHERE order_item_id = 'PX8-1'"),
                     "PX8-1"),
}


@pytest.mark.parametrize("rule", sorted(POISONS))
def test_each_poison_is_quarantined_once_and_loads_when_fixed(shop, monkeypatch, rule):
    # the reject-share gate off: one bad line is 1.6 % of this 60-line shop (and the overflowing one
    # nearly all of its value); the gate has its own tests
    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "1")
    put, fix, item = POISONS[rule]
    put()
    first = load.load_daily()
    assert first.status == "succeeded", [(c.check.name, c.status, c.message, c.offending[:3]) for c in first.failed_checks]
    assert rejects() == [(item, rule)]
    assert fact_lines() == good_lines()                      # the rest of the batch loaded
    vendas = {e["entity"]: e for e in first.entities}["fact_vendas"]
    assert vendas["rows_rejected"] == 1
    again = load.load_daily()                                # the overlap re-reads the line: no new reject
    assert again.status == "succeeded"
    assert {e["entity"]: e for e in again.entities}["fact_vendas"]["rows_rejected"] == 0
    assert rejects() == [(item, rule)] and open_rejects() == [(item, rule)]
    kpis_by_day_match()
    fix()
    fixed = load.load_daily()
    assert fixed.status == "succeeded", [(c.check.name, c.offending[:3]) for c in fixed.failed_checks]
    assert fact_lines() == good_lines() | {item}
    assert rejects() == [(item, rule)] and open_rejects() == []
    assert dw("SELECT x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id) "
              "WHERE r.natural_key = %s", (item,)) == [(fixed.run_id,)]
    kpis_by_day_match()


def test_done_when_scenario_through_the_cli(shop, monkeypatch):
    """The issue's acceptance scenario: five poison lines, `harness load-daily` twice, `harness quality`."""
    monkeypatch.delenv("HARNESS_MAX_REJECT_SHARE", raising=False)
    add_order("DW1")
    add_line("DW1-1", "DW1", quantity=1000, price="9999999999.99")
    add_order("DW2", ordered_at="infinity")
    add_line("DW2-1", "DW2")
    add_order("DW3", ordered_at="9999-12-31 12:00-03")
    add_line("DW3-1", "DW3")
    add_order("DW4")
    add_line("DW4-1", "DW4", freight="-1.00")
    add_order("DW5")
    add_line("DW5-1", "DW5", product=None)
    runner = CliRunner()
    first = runner.invoke(app, ["load-daily"])
    # five new rejects in a 65-line batch (and one line worth ten trillion): above the 1 % default
    assert first.exit_code == 3, first.output
    for rule in ("value_overflow", "date_out_of_range", "negative_freight", "null_product"):
        assert rule in first.output, first.output
    second = runner.invoke(app, ["load-daily"])
    assert second.exit_code == 0, second.output
    assert fact_lines() == good_lines()
    assert rejects() == [("DW1-1", "value_overflow"), ("DW2-1", "date_out_of_range"), ("DW3-1", "date_out_of_range"),
                         ("DW4-1", "negative_freight"), ("DW5-1", "null_product")]
    counts = dw("SELECT e.rows_rejected FROM audit.etl_run_entity e WHERE e.entity = 'fact_vendas' ORDER BY e.run_id")
    assert counts == [(5,), (0,)]
    quality = runner.invoke(app, ["quality"])
    assert quality.exit_code == 0, quality.output
    kpis_by_day_match()
    assert dw("SELECT max(d.data) FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk)")[0][0] == \
        max(o[4] for o in shopdata.ORDERS).date()


# ---------------------------------------------------------------- poison in the dimensions and goals
def test_dimension_and_goal_poisons_are_quarantined_once_and_load_when_fixed(shop, monkeypatch):
    """Values that used to stop a dimension or goal load (an index entry too long, a date no reader
    can parse) are rejected with their rule, the facts that reference them get an inferred member,
    and each loads once fixed at the source."""
    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "1")   # a few rows each: the share gate has its own tests
    shop_exec("INSERT INTO shop.products (product_id, name, category, list_price, unit_cost) "
              "VALUES ('PLONG', 'Categoria enorme', repeat('categoria ', 400), 10, 4)")
    shop_exec("INSERT INTO shop.sellers (seller_id, name, team_id, hired_on) VALUES ('SINF', 'Sem fim', 'T1', 'infinity')")
    shop_exec("INSERT INTO shop.discounts (discount_id, code, campaign, kind, value, valid_from, valid_to) "
              "VALUES ('DINF', 'X', 'Sem fim', 'fixed', 5, '2024-01-01', 'infinity')")
    shop_exec("INSERT INTO shop.teams (team_id, name, region_id) VALUES ('TLONG', 'Equipe', repeat('R', 3000))")
    shop_exec("INSERT INTO shop.sales_targets (seller_id, month, target_amount) VALUES "
              "('S1', 'infinity', 100), (repeat('S', 300), '2024-11-01', 100)")
    add_order("PD1", seller="SINF")
    add_line("PD1-1", "PD1", product="PLONG")
    first = load.load_daily()
    assert first.status == "succeeded", [(c.check.name, c.offending[:3], c.message) for c in first.failed_checks]
    found = dw("SELECT entity, rule, left(natural_key, 12) FROM audit.rejected_rows ORDER BY 1, 2, 3")
    assert found == [("dim_desconto", "date_out_of_range", "DINF"), ("dim_equipe", "key_too_long", "TLONG"),
                     ("dim_produto", "text_too_long", "PLONG"), ("dim_vendedor", "date_out_of_range", "SINF"),
                     ("fact_metas", "date_out_of_range", "S1|infinity"), ("fact_metas", "key_too_long", "SSSSSSSSSSSS")]
    # the sale itself loads, on inferred members for the product and the seller it names
    assert dw("SELECT p.inferido, v.inferido FROM fact.fact_vendas f JOIN dim.dim_produto p USING (produto_sk) "
              "JOIN dim.dim_vendedor v USING (vendedor_sk) WHERE f.item_pedido_id = 'PD1-1'") == [(True, True)]
    again = load.load_daily()
    assert again.status == "succeeded" and sum(e["rows_rejected"] for e in again.entities) == 0
    assert len(dw("SELECT 1 FROM audit.rejected_rows")) == 6
    shop_exec("UPDATE shop.products SET category = 'casa' WHERE product_id = 'PLONG'")
    shop_exec("UPDATE shop.sellers SET hired_on = '2023-05-02' WHERE seller_id = 'SINF'")
    shop_exec("UPDATE shop.discounts SET valid_to = NULL WHERE discount_id = 'DINF'")
    shop_exec("UPDATE shop.teams SET region_id = 'SE' WHERE team_id = 'TLONG'")
    fixed = load.load_daily()
    assert fixed.status == "succeeded", [(c.check.name, c.offending[:3]) for c in fixed.failed_checks]
    assert dw("SELECT p.inferido, p.categoria FROM fact.fact_vendas f JOIN dim.dim_produto p USING (produto_sk) "
              "WHERE f.item_pedido_id = 'PD1-1'") == [(False, "casa")]
    assert dw("SELECT entity, rule FROM audit.vw_rejeicoes_abertas ORDER BY 1, 2") == [
        ("fact_metas", "date_out_of_range"), ("fact_metas", "key_too_long")]
    assert dw("SELECT count(*) FROM audit.rejeicoes_resolvidas WHERE run_id = %s", (fixed.run_id,)) == [(4,)]


# ---------------------------------------------------------------- the reject-share gate
def test_reject_share_gate_blocks_the_run_once_names_the_rules_and_alerts(shop, monkeypatch):
    """Two bad lines of 62 read (3.2 %) are above the default 1 %: the run ends blocked (exit 3)
    with an alert naming the rules; the next run, with no new reject, succeeds and recovers."""
    from harness import jobs
    from harness.errors import QualityGateFailed
    from tests import receivers

    monkeypatch.delenv("HARNESS_MAX_REJECT_SHARE", raising=False)
    add_order("PG1")
    add_line("PG1-1", "PG1", quantity=0)
    add_line("PG1-2", "PG1", line=2, price="-3.00")
    with receivers.webhook_sink() as (url, hooks):
        monkeypatch.setenv("HARNESS_ALERT_URLS", url)
        with pytest.raises(QualityGateFailed, match="quantity_not_positive") as blocked:
            jobs.load_daily_job()
        assert "negative_price" in str(blocked.value) and "rejeicoes_acima_do_limite" in str(blocked.value)
        assert QualityGateFailed.exit_code == 3
        assert dw("SELECT status FROM audit.etl_run ORDER BY run_id DESC LIMIT 1") == [("blocked",)]
        assert len(hooks) == 1
        body = hooks[0]["message"]
        assert "rejeicoes_acima_do_limite" in body and "quantity_not_positive" in body and "negative_price" in body
        assert "fact_vendas" in body and "0 linha(s)" not in body
        assert fact_lines() == good_lines()            # blocked, but the good rows are loaded
        summary = jobs.load_daily_job()                # nothing new is rejected: the same bad rows pass
        assert summary.status == "succeeded"
        assert len(hooks) == 2 and "resolvido" in hooks[1]["title"]


def test_reject_share_is_of_what_the_run_read_in_rows_or_value(shop, monkeypatch):
    """A share below the limit passes; one line worth ten trillion is a small share of the rows but
    nearly all the value read: blocked."""
    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "0.05")
    add_order("PV1")
    add_line("PV1-1", "PV1", quantity=0)              # 1 of 61 lines, no value
    first = load.load_daily()
    assert first.status == "succeeded", [(c.check.name, c.offending) for c in first.failed_checks]
    add_order("PV2")
    add_line("PV2-1", "PV2", quantity=1000, price="9999999999.99")
    second = load.load_daily()
    assert second.status == "blocked"
    [gate] = [c for c in second.failed_checks if c.check.name == "rejeicoes_acima_do_limite"]
    assert [(r["entidade"], r["regra"], r["rejeicoes_novas"]) for r in gate.offending] == [
        ("fact_vendas", "value_overflow", 1)]
    assert gate.offending[0]["pct_linhas"] < 5 and gate.offending[0]["pct_valor"] > 99
    assert [c.check.name for c in second.failed_checks if c.blocking] == ["rejeicoes_acima_do_limite"]


def test_a_quarantined_line_rejected_again_because_its_order_moved_on_is_no_new_problem(shop, monkeypatch):
    """The share gate counts new problems: a bad line blocks the run that first rejects it; when its
    order moves from approved to shipped the line is rejected again (new content, a new record, still
    one open reject), and that run is not blocked."""
    monkeypatch.delenv("HARNESS_MAX_REJECT_SHARE", raising=False)
    add_order("PQ1", status="approved")
    add_line("PQ1-1", "PQ1", quantity=0)
    assert load.load_daily().status == "blocked"          # 1 of 61 lines: 1.6 %
    shop_exec("UPDATE shop.orders SET status = 'shipped' WHERE order_id = 'PQ1'")
    moved = load.load_daily()
    assert moved.status == "succeeded", [(c.check.name, c.offending) for c in moved.failed_checks]
    vendas = dw("SELECT rows_rejected, rows_rejected_first FROM audit.etl_run_entity "
                "WHERE entity = 'fact_vendas' ORDER BY run_id")
    assert vendas == [(1, 1), (1, 0)]
    assert rejects() == [("PQ1-1", "quantity_not_positive")] * 2 and open_rejects() == [("PQ1-1", "quantity_not_positive")]


def test_reject_share_setting_is_checked(shop, monkeypatch):
    from harness.errors import ConfigError

    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "5%")
    with pytest.raises(ConfigError, match="HARNESS_MAX_REJECT_SHARE"):
        load.load_daily()
    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "2")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        load.load_daily()


def test_a_load_that_leaves_the_fact_empty_never_succeeds(shop, monkeypatch):
    """Every line of the shop rejected (an unknown status everywhere): the first run is blocked by the
    share gate and the fact check, and so is every later run while the fact stays empty."""
    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "1")   # the empty fact alone must block
    shop_exec("UPDATE shop.orders SET status = 'perdido'")
    first = load.load_daily()
    assert first.status == "blocked" and fact_lines() == set()
    [fresh] = [c for c in first.failed_checks if c.check.name == "atualidade_fatos"]
    assert any("fato está vazio" in str(r) for r in fresh.offending)
    assert load.load_daily().status == "blocked"
    shop_exec("UPDATE shop.orders SET status = 'delivered'")
    assert load.load_daily().status == "succeeded"


# ---------------------------------------------------------------- where open rejects are shown
def test_status_and_monitor_show_open_rejects_by_rule(shop, monkeypatch):
    from dashboards import queries
    from dashboards.app import app as _dash_app  # noqa: F401  (registers the pages)
    from dashboards.pages import monitor

    monkeypatch.setenv("HARNESS_MAX_REJECT_SHARE", "1")
    add_order("PS1")
    add_line("PS1-1", "PS1", quantity=0)
    add_line("PS1-2", "PS1", line=2, quantity=-4)
    add_line("PS1-3", "PS1", line=3, freight="-1")
    load.load_daily()
    load.load_daily()
    info = load.status()
    assert [(r["entity"], r["rule"], r["rows"]) for r in info["open_rejects"]] == [
        ("fact_vendas", "quantity_not_positive", 2), ("fact_vendas", "negative_freight", 1)]
    out = CliRunner().invoke(app, ["status"])
    assert out.exit_code == 0 and "quantity_not_positive" in out.output and "open rejects" in out.output
    queries.limpar_cache()
    try:
        linhas, aviso = monitor.rejeicoes()
    finally:
        queries.fechar_conexoes()
    assert aviso is None
    assert [(r["entidade"], r["regra"], r["linhas"]) for r in linhas] == [
        ("fact_vendas", "quantity_not_positive", 2), ("fact_vendas", "negative_freight", 1)]
    assert all(r["primeira_br"] and r["ultima_br"] for r in linhas)
    shop_exec("UPDATE shop.order_items SET quantity = 1 WHERE order_id = 'PS1'")
    shop_exec("UPDATE shop.order_items SET freight_value = 0 WHERE order_id = 'PS1'")
    load.load_daily()
    assert load.status()["open_rejects"] == []
    assert "open rejects: none" in CliRunner().invoke(app, ["status"]).output
