"""SCD type 2 end to end (issue 10): a seller changes team in the middle of the month and a
customer moves state, both dated back inside the month already loaded. The warehouse still
reconciles with the shop to the cent, sales and goals are bound to the version of their date
("as it was") while the mart also offers the current team/region, and a rerun and a
reprocess change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from psycopg import sql

from harness import db, load
from tests import fingerprint, shopdata
from tests.test_load import dw_query, shop_daily, shop_exec, warehouse_daily

CHANGE_DAY = date(2024, 11, 15)


@pytest.fixture
def changed(fresh_dbs):
    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    load.load_daily()
    with db.connect("oltp", "admin") as conn:
        seller, old_team = conn.execute("SELECT s.seller_id, s.team_id FROM shop.sellers s JOIN shop.orders o USING (seller_id) "
                                        "GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()
        new_team = conn.execute("SELECT team_id FROM shop.teams WHERE team_id <> %s ORDER BY 1 LIMIT 1", (old_team,)).fetchone()[0]
        customer, old_state = conn.execute("SELECT c.customer_id, c.state FROM shop.customers c JOIN shop.orders o USING (customer_id) "
                                           "GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()
    new_state = "RS" if old_state != "RS" else "BA"
    stamp = f"{CHANGE_DAY} 12:00-03"  # dated back into the month already loaded
    shop_exec("UPDATE shop.sellers SET team_id = %s, updated_at = %s WHERE seller_id = %s", (new_team, stamp, seller))
    shop_exec("UPDATE shop.customers SET state = %s, city = 'Nova Cidade', updated_at = %s WHERE customer_id = %s",
              (new_state, stamp, customer))
    # a change dated before the watermark is outside the incremental window: a dimension
    # reprocess (full re-extraction) picks it up; the daily load then refreshes the aggregate
    load.reprocess(CHANGE_DAY, CHANGE_DAY, entity="dim_vendedor")
    load.reprocess(CHANGE_DAY, CHANGE_DAY, entity="dim_cliente")
    summary = load.load_daily()
    assert summary.status == "succeeded", [c.check.name for c in summary.failed_checks]
    return {"seller": seller, "old_team": old_team, "new_team": new_team, "customer": customer}


def test_reconciles_to_the_cent_and_binds_sales_to_the_version_of_their_day(changed):
    assert warehouse_daily() == shop_daily()
    with db.connect("oltp", "admin") as conn:  # independent: the shop's lines of the seller, by side of the change
        want = dict(conn.execute("""
            SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date >= %s,
                   sum(i.quantity * i.unit_price - i.discount_amount)
            FROM shop.orders o JOIN shop.order_items i USING (order_id)
            WHERE coalesce(i.seller_id, o.seller_id) = %s AND o.status NOT IN ('canceled', 'unavailable')
            GROUP BY 1""", (CHANGE_DAY, changed["seller"])).fetchall())
    assert want.get(False) and want.get(True), "the seller must sell on both sides of the change"
    got = dict(dw_query("SELECT equipe_id, sum(valor_total_liquido) FROM mart.vw_vendas "
                        "WHERE vendedor_id = %s AND NOT eh_cancelado GROUP BY 1", (changed["seller"],)))
    assert got == {changed["old_team"]: want[False], changed["new_team"]: want[True]}
    assert dw_query("SELECT DISTINCT equipe_atual FROM mart.vw_vendas WHERE vendedor_id = %s",
                    (changed["seller"],)) == [(changed["new_team"],)]
    assert dw_query("SELECT versao, valido_de::text, valido_ate::text, eh_atual FROM dim.dim_vendedor "
                    "WHERE vendedor_id = %s ORDER BY versao", (changed["seller"],)) == [
        (1, "-infinity", str(CHANGE_DAY), False), (2, str(CHANGE_DAY), "infinity", True)]
    regions = dw_query("SELECT DISTINCT data >= %s, uf FROM mart.vw_vendas WHERE cliente_id = %s ORDER BY 1",
                       (CHANGE_DAY, changed["customer"]))
    assert len({r[1] for r in regions}) == len(regions) == 2  # the old state before the move, the new one after
    # goals: month of the change keeps the team of its first day; attainment counts both versions
    goals = dw_query("SELECT equipe_id, equipe_atual, valor_realizado FROM mart.vw_metas_atingimento "
                     "WHERE vendedor_id = %s AND mes = %s", (changed["seller"], CHANGE_DAY.replace(day=1)))
    if goals:
        assert goals[0][:2] == (changed["old_team"], changed["new_team"])
        assert goals[0][2] == want[False] + want[True]
    assert dw_query("SELECT count(*) FROM ctl.agg_refresh_pending") == [(0,)]
    assert dw_query("""SELECT count(*) FROM (SELECT vendedor_sk, sum(valor_total_liquido) FROM fact.fact_vendas
                       WHERE NOT eh_cancelado GROUP BY 1 EXCEPT
                       SELECT vendedor_sk, sum(valor_total_liquido) FROM mart.agg_vendas_diarias GROUP BY 1) x""") == [(0,)]


def test_rerun_and_reprocess_create_no_version_and_change_nothing(changed):
    with db.connect("dw", "admin") as conn:
        before_raw = fingerprint.raw_tables(conn)
        before = fingerprint.warehouse(conn)
    second = load.load_daily()
    with db.connect("dw", "admin") as conn:
        assert fingerprint.raw_tables(conn) == before_raw
    assert all(e["rows_inserted"] == e["rows_updated"] == e["rows_deleted"] == 0 for e in second.entities)
    load.reprocess(date(2024, 11, 1), date(2024, 11, 30))
    with db.connect("dw", "admin") as conn:
        assert fingerprint.warehouse(conn) == before
    assert warehouse_daily() == shop_daily()


# ---------------------------------------------------------------- several changes in one window
# With the shop's change log (oltp V002) one extraction holds every state a key went through:
# a seller moves T1 -> T2 -> T1 and a customer SP -> PR -> BA, each twice inside the month
# already loaded. One dimension reprocess (one extraction) must open a version per state.
FIRST, SECOND = date(2024, 11, 13), date(2024, 11, 16)


@pytest.fixture
def changed_twice(fresh_dbs):
    with db.connect("oltp", "owner") as conn:
        shopdata.fill(conn)
    load.load_daily()
    for day, team, state, city in ((FIRST, "T2", "PR", "Londrina"), (SECOND, "T1", "BA", "Salvador")):
        stamp = f"{day} 12:00-03"
        shop_exec("UPDATE shop.sellers SET team_id = %s, updated_at = %s WHERE seller_id = 'S1'", (team, stamp))
        shop_exec("UPDATE shop.customers SET state = %s, city = %s, updated_at = %s WHERE customer_id = 'C1'",
                  (state, city, stamp))
    with db.connect("oltp", "admin") as conn:
        assert conn.execute("SELECT count(*) FROM shop.sellers_history WHERE seller_id = 'S1'").fetchone()[0] == 3
    load.reprocess(FIRST, SECOND, entity="dim_vendedor")
    load.reprocess(FIRST, SECOND, entity="dim_cliente")
    summary = load.load_daily()
    assert summary.status == "succeeded", [c.check.name for c in summary.failed_checks]
    return summary


def test_two_changes_in_one_window_give_two_versions_and_bind_each_sale_to_its_day(changed_twice):
    assert warehouse_daily() == shop_daily()
    assert dw_query("SELECT versao, equipe_id, valido_de::text, valido_ate::text FROM dim.dim_vendedor "
                    "WHERE vendedor_id = 'S1' ORDER BY versao") == [
        (1, "T1", "-infinity", str(FIRST)), (2, "T2", str(FIRST), str(SECOND)), (3, "T1", str(SECOND), "infinity")]
    assert dw_query("SELECT versao, uf, valido_de::text FROM dim.dim_cliente WHERE cliente_id = 'C1' ORDER BY versao") == [
        (1, "SP", "-infinity"), (2, "PR", str(FIRST)), (3, "BA", str(SECOND))]
    # independent: the shop's lines of S1 and C1 by side of the changes, against the mart "as it was"
    with db.connect("oltp", "admin") as conn:
        def by_period(column, key):
            return {r[0]: r[1] for r in conn.execute(f"""
                SELECT CASE WHEN d < %s THEN 1 WHEN d < %s THEN 2 ELSE 3 END, sum(net)
                FROM (SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS d,
                             i.quantity * i.unit_price - i.discount_amount AS net
                      FROM shop.orders o JOIN shop.order_items i USING (order_id)
                      WHERE {column} = %s AND o.status NOT IN ('canceled', 'unavailable')) x
                GROUP BY 1""", (FIRST, SECOND, key)).fetchall()}
        seller_want, customer_want = by_period("coalesce(i.seller_id, o.seller_id)", "S1"), by_period("o.customer_id", "C1")
    assert set(seller_want) == {1, 2, 3} and set(customer_want) == {1, 2, 3}, "sales on every side of both changes"
    seller_got = dict(dw_query("""SELECT v.versao, sum(f.valor_total_liquido) FROM fact.fact_vendas f
                                  JOIN dim.dim_vendedor v USING (vendedor_sk)
                                  WHERE v.vendedor_id = 'S1' AND NOT f.eh_cancelado GROUP BY 1"""))
    assert seller_got == seller_want
    got = dict(dw_query("SELECT equipe_id, sum(valor_total_liquido) FROM mart.vw_vendas "
                        "WHERE vendedor_id = 'S1' AND NOT eh_cancelado GROUP BY 1"))
    assert got == {"T1": seller_want[1] + seller_want[3], "T2": seller_want[2]}
    customer_got = dict(dw_query("""SELECT c.versao, sum(f.valor_total_liquido) FROM fact.fact_vendas f
                                    JOIN dim.dim_cliente c USING (cliente_sk)
                                    WHERE c.cliente_id = 'C1' AND NOT f.eh_cancelado GROUP BY 1"""))
    assert customer_got == customer_want
    regions = dw_query("""SELECT r.regiao_id, sum(f.valor_total_liquido) FROM fact.fact_vendas f
                          JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
                          WHERE c.cliente_id = 'C1' AND NOT f.eh_cancelado GROUP BY 1""")
    assert dict(regions) == {"SE": customer_want[1], "S": customer_want[2], "NE": customer_want[3]}
    # the re-bound facts are counted in the audit of the dimension loads that moved them
    rebound = dict(dw_query("SELECT entity, sum(rows_rebound) FROM audit.etl_run_entity "
                            "WHERE entity IN ('dim_vendedor', 'dim_cliente') GROUP BY 1"))
    assert rebound["dim_vendedor"] == dw_query("SELECT count(*) FROM fact.fact_vendas f JOIN dim.dim_vendedor v "
                                               "USING (vendedor_sk) WHERE v.vendedor_id = 'S1' AND v.versao > 1")[0][0]
    assert rebound["dim_cliente"] > 0
    assert dw_query("SELECT count(*) FROM ctl.agg_refresh_pending") == [(0,)]
    assert dw_query("""SELECT count(*) FROM (SELECT vendedor_sk, sum(valor_total_liquido) FROM fact.fact_vendas
                       WHERE NOT eh_cancelado GROUP BY 1 EXCEPT
                       SELECT vendedor_sk, sum(valor_total_liquido) FROM mart.agg_vendas_diarias GROUP BY 1) x""") == [(0,)]


def test_with_history_a_rerun_a_reprocess_and_a_rebuild_from_the_shop_change_nothing(changed_twice, template_dbs,
                                                                                    monkeypatch):
    with db.connect("dw", "admin") as conn:
        before_raw = fingerprint.raw_tables(conn)
        before = fingerprint.warehouse(conn)
    second = load.load_daily()
    with db.connect("dw", "admin") as conn:
        assert fingerprint.raw_tables(conn) == before_raw
    assert all(e["rows_inserted"] == e["rows_updated"] == e["rows_deleted"] == e["rows_rebound"] == 0
               for e in second.entities)
    load.reprocess(date(2024, 11, 1), date(2024, 11, 30))
    for entity in ("dim_vendedor", "dim_cliente", "dim_produto"):  # the whole change log again
        load.reprocess(FIRST, SECOND, entity=entity)
    with db.connect("dw", "admin") as conn:
        assert fingerprint.warehouse(conn) == before
    assert warehouse_daily() == shop_daily()
    # a warehouse rebuilt from the shop (one load, the whole change log at once) has the same history
    rebuild = f"{db.database_name('dw', db.load_settings())}_rebuild"
    with db.connect("postgres", "admin", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
            sql.Identifier(rebuild), sql.Identifier(template_dbs[0])))
    try:
        with monkeypatch.context() as m:
            m.setenv("HARNESS_DW_DB", rebuild)
            assert load.load_daily().status == "succeeded"
            with db.connect("dw", "admin") as conn:
                rebuilt = fingerprint.warehouse(conn)
    finally:
        with db.connect("postgres", "admin", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(rebuild)))
    assert [t for t in before if before[t] != rebuilt[t]] == []


def test_no_overlap_check_sees_a_concurrent_writer_and_refuses_repeatable_read(fresh_dbs):
    """V080-V083: the no-overlap rule is a statement-level trigger, not an exclusion constraint. Two
    sessions writing overlapping versions of one key: the second waits for the first (ctl.scd2_lock)
    and is refused with 23P01 once the first commits, as the GiST constraint did; a write under
    REPEATABLE READ, which could not see the other session's version, is refused (40001)."""
    import threading

    import psycopg

    insert = ("INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao) "
              "VALUES ('CONC', 'x', %s, %s, %s, %s)")
    with db.connect("dw", "etl") as first, db.connect("dw", "etl") as second:
        first.execute(insert, ("-infinity", "2024-06-01", False, 1))  # uncommitted, holds the lock
        outcome: dict = {}

        def write_second():
            try:
                second.execute(insert, ("2024-05-01", "infinity", True, 2))
                outcome["error"] = None
            except psycopg.Error as exc:
                outcome["error"] = exc.sqlstate
                second.rollback()

        t = threading.Thread(target=write_second)
        t.start()
        t.join(1.5)
        assert t.is_alive(), "the second writer should wait for the first one's transaction"
        first.commit()
        t.join(30)
        assert outcome == {"error": "23P01"}

    with db.connect("dw", "etl") as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with pytest.raises(psycopg.errors.SerializationFailure):
            conn.execute(insert, ("2025-01-01", "2025-02-01", False, 3))
        conn.rollback()
        conn.execute(insert.replace("'CONC'", "'CONC2'"), ("-infinity", "infinity", True, 1))  # READ COMMITTED: fine
        conn.commit()
    assert dw_query("SELECT count(*) FROM dim.dim_cliente WHERE cliente_id IN ('CONC', 'CONC2')")[0][0] == 2
