"""Late-arriving dimension changes without a human: the warehouse extracts the shop's change logs
by the time a state was recorded, and a state recorded today with an effective day long past
re-binds the facts on the next `load-daily`, no reprocess.

Every binding is checked against an independent reading of shop.*_history written here in
Python (docs/scd2.md, "Late-arriving changes"): per key, the states in write order; the
attributes a state changes are those that differ from the state written before it (an address
or a category moves as a whole); on a day d an attribute has the value of the LAST WRITTEN
change effective on or before d (the key's first state holds from -infinity).

The stages share one warehouse (module-scoped, small generated shop), in file order:
1. `oltp advance` days with tracked and backdated changes, a `load-daily` after each;
2. the issue's reproduction: ten customers moved with an updated_at 400 days back; then late
   states that land between two versions of a customer, a seller and a product;
3. a state committed after the extraction that should have seen it, and a state whose effective
   time lies inside a window loaded long ago: neither is lost;
then a rerun changes nothing and a warehouse rebuilt from the shop has the same history."""

from __future__ import annotations

import itertools
import os
from datetime import date, timedelta

import psycopg
import pytest
from psycopg import sql

from harness import db, load, quality
from harness.oltp import advance, seed
from tests import fingerprint
from tests.test_end_to_end import assert_goals_match, assert_kpis_match, assert_quality_clean
from tests.test_mart import _agg, _monthly_and_seller_orders_match_fact, _orders_agg, _strip_run

TZ = "America/Sao_Paulo"
DAYS = 4
# per change log: key column, the attribute groups a state changes as a whole (tracked, type 2)
TRACKED = {
    "customers": ("customer_id", (("city", "state"), ("segment",))),
    "products": ("product_id", (("category", "subcategory"), ("unit_cost",))),
    "sellers": ("seller_id", (("team_id",),)),
}
_copies = itertools.count()


# ------------------------------------------------------------------ the independent reading
class Timelines:
    """Per key and attribute group, the changes in write order: [(effective day | None, values)]."""

    def __init__(self, shop: psycopg.Connection, table: str):
        key, groups = TRACKED[table]
        cols = [c for g in groups for c in g]
        screen = "WHERE NOT coalesce(list_price < 0 OR unit_cost < 0, false)" if table == "products" else ""
        self.changes: dict[str, list[list[tuple]]] = {}
        for k, day, *values in shop.execute(
                f"SELECT {key}, (updated_at AT TIME ZONE '{TZ}')::date, {', '.join(cols)} "
                f"FROM shop.{table}_history {screen} ORDER BY {key}, history_id"):
            state = dict(zip(cols, values))
            per_group = [tuple(state[c] for c in g) for g in groups]
            if k not in self.changes:
                self.changes[k] = [[(None, v)] for v in per_group]
                continue
            for changes, v in zip(self.changes[k], per_group):
                if v != changes[-1][1]:          # differs from the state written before it
                    changes.append((day, v))

    def at(self, key: str, day: date) -> tuple:
        """The tracked values of `key` on `day`: per group, the last written change effective by then."""
        out = []
        for changes in self.changes[key]:
            value = changes[0][1]
            for effective, v in changes[1:]:
                if effective <= day:
                    value = v
            out.extend(value)
        return tuple(out)


def expected_and_bound() -> tuple[list, int]:
    """(mismatches, lines checked): every fact line's customer, product and seller version (and the
    line's own region and team) against the independent reading of the shop's change logs for its
    order day; every goal's seller version against the reading for its month's first day."""
    with db.connect("oltp", "admin") as shop:
        readings = {t: Timelines(shop, t) for t in TRACKED}
        region_of = dict(shop.execute("SELECT state, region_id FROM shop.states"))
    with db.connect("dw", "admin") as dw:
        lines = dw.execute("""
            SELECT f.item_pedido_id, d.data,
                   c.cliente_id, c.cidade, c.uf, c.segmento, rc.regiao_id, rf.regiao_id,
                   d.data >= c.valido_de AND d.data < c.valido_ate,
                   p.produto_id, p.categoria, p.subcategoria, p.custo_unitario,
                   d.data >= p.valido_de AND d.data < p.valido_ate,
                   v.vendedor_id, ev.equipe_id, ef.equipe_id, d.data >= v.valido_de AND d.data < v.valido_ate
            FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk)
            JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao rc ON rc.regiao_sk = c.regiao_sk
            JOIN dim.dim_regiao rf ON rf.regiao_sk = f.regiao_sk
            JOIN dim.dim_produto p USING (produto_sk)
            JOIN dim.dim_vendedor v USING (vendedor_sk) JOIN dim.dim_equipe ev ON ev.equipe_sk = v.equipe_sk
            JOIN dim.dim_equipe ef ON ef.equipe_sk = f.equipe_sk""").fetchall()
        goals = dw.execute("""
            SELECT m.vendedor_id, m.mes, ev.equipe_id, ef.equipe_id, v.vendedor_id, m.mes >= v.valido_de AND m.mes < v.valido_ate
            FROM fact.fact_metas m JOIN dim.dim_vendedor v USING (vendedor_sk)
            JOIN dim.dim_equipe ev ON ev.equipe_sk = v.equipe_sk JOIN dim.dim_equipe ef ON ef.equipe_sk = m.equipe_sk
            """).fetchall()
    bad, checked = [], 0
    customers, products, sellers = (readings[t].changes for t in ("customers", "products", "sellers"))
    for (line, day, cid, city, uf, segment, v_region, f_region, c_holds,
         pid, cat, sub, cost, p_holds, sid, v_team, f_team, s_holds) in lines:
        if cid in customers:
            want_city, want_uf, want_segment = readings["customers"].at(cid, day)
            if ((city, uf, segment, v_region, f_region) != (want_city, want_uf, want_segment,
                                                            region_of.get(want_uf), region_of.get(want_uf))
                    or not c_holds):
                bad.append(("customer", line, day, cid, (city, uf, segment, f_region), (want_city, want_uf, want_segment)))
            checked += 1
        if pid in products:
            if (cat, sub, cost) != readings["products"].at(pid, day) or not p_holds:
                bad.append(("product", line, day, pid, (cat, sub, cost), readings["products"].at(pid, day)))
            checked += 1
        if sid in sellers:
            want_team = readings["sellers"].at(sid, day)[0]
            if (v_team, f_team) != (want_team, want_team) or not s_holds:
                bad.append(("seller", line, day, sid, (v_team, f_team), want_team))
            checked += 1
    for sid, month, v_team, f_team, bound, s_holds in goals:
        if sid in sellers:
            want_team = readings["sellers"].at(sid, month)[0]
            if (v_team, f_team, bound) != (want_team, want_team, sid) or not s_holds:
                bad.append(("goal", sid, month, (v_team, f_team), want_team))
            checked += 1
    return bad, checked


def assert_aggregates_equal_a_full_recomputation() -> None:
    """The daily, day x region, coupon and monthly aggregates and goal attainment equal what a full
    refresh computes from the facts (kept in a rolled-back transaction)."""
    with db.connect("dw", "admin") as conn:
        _monthly_and_seller_orders_match_fact(conn)
        daily, orders = _agg(conn), _orders_agg(conn)
        goals = conn.execute("SELECT * FROM mart.agg_metas_mensais ORDER BY 1, 2").fetchall()
        with conn.transaction(force_rollback=True):
            run = conn.execute("INSERT INTO audit.etl_run (command) VALUES ('test') RETURNING run_id").fetchone()[0]
            first, last = conn.execute("SELECT min(d.data), max(d.data) FROM fact.fact_vendas f "
                                       "JOIN dim.dim_data d USING (data_sk) WHERE f.data_sk > 0").fetchone()
            conn.execute("CALL etl.refresh_agg_vendas_diarias(%s, %s, %s)", (run, first, last))
            conn.execute("DELETE FROM mart.agg_metas_mensais")
            conn.execute("CALL etl.refresh_agg_metas_mensais(%s)", (run,))
            assert _strip_run(_agg(conn)) == _strip_run(daily)
            assert _strip_run(_orders_agg(conn)) == _strip_run(orders)
            assert [r[:-1] for r in conn.execute("SELECT * FROM mart.agg_metas_mensais ORDER BY 1, 2")] == \
                [r[:-1] for r in goals]
        assert conn.execute("SELECT (SELECT count(*) FROM ctl.agg_refresh_pending) "
                            "+ (SELECT count(*) FROM ctl.agg_grupos_pendentes)").fetchone()[0] == 0


# warnings the advanced days raise by construction: the last day's order naming a customer inserted
# only the next day (an open inferred member), sales in a month the shop has no goals for yet
EXPECTED_WARNINGS = ("membros_inferidos_abertos", "metas_cobrem_vendedores")


def assert_gate_and_reconciliation(summary, also_expected: tuple[str, ...] = ()) -> None:
    """The run's gate passed (warnings only, those expected), and so does every check over all days."""
    expected = EXPECTED_WARNINGS + also_expected
    assert_quality_clean(summary, expected)
    results = quality.run_checks(summary.run_id)
    assert all(r.check.severity == "warn" for r in results if r.check.name in expected)
    full = [r for r in results if r.status != "pass" and r.check.name not in expected]
    assert full == [], [(r.check.name, r.offending[:2]) for r in full]
    assert_kpis_match({})
    assert_goals_match()


def dw_one(query: str, params=None):
    with db.connect("dw", "admin") as conn:
        return conn.execute(query, params).fetchone()[0]


def shop_rows(query: str, params=None) -> list:
    with db.connect("oltp", "admin") as conn:
        return conn.execute(query, params).fetchall()


# ------------------------------------------------------------------ stage 1: advance days
@pytest.fixture(scope="module")
def warehouse(template_dbs):
    """A private shop and warehouse for the module (copies of the session's migrated databases)."""
    tag = f"t{os.getpid()}_late{next(_copies)}"
    copies = {"dw": f"{tag}_dw", "oltp": f"{tag}_oltp"}
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for key, template in zip(("dw", "oltp"), template_dbs):
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER dw_owner").format(
                sql.Identifier(copies[key]), sql.Identifier(template)))
    with pytest.MonkeyPatch.context() as m:
        m.setenv("HARNESS_DW_DB", copies["dw"])
        m.setenv("HARNESS_OLTP_DB", copies["oltp"])
        yield copies
    with db.connect("postgres", "admin", autocommit=True) as conn:
        for name in copies.values():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def advanced(warehouse):
    seed.seed(scale=0.005, seed=21)
    assert load.load_daily().status == "succeeded"
    days = []
    for k in range(DAYS):
        changes = advance.advance(days=1, seed=300 + k)
        summary = load.load_daily()
        assert summary.status == "succeeded", [(c.check.name, c.offending[:2]) for c in summary.failed_checks]
        days.append((changes, summary))
    return days


def test_advance_days_record_tracked_and_backdated_changes(advanced):
    for changes, _ in advanced:
        assert all(changes[k] >= 1 for k in advance.TRACKED_KINDS), changes
        assert sum(changes[f"{k}_backdated"] for k in advance.TRACKED_KINDS) >= 1, changes
    # late-recorded states: their effective day is before the first advanced day, yet they were
    # written after the first load (whose watermark is older than every advance)
    first_load = dw_one("SELECT min(finished_at) FROM audit.etl_run")
    late = shop_rows(f"""SELECT count(*) FROM shop.customers_history
                         WHERE (updated_at AT TIME ZONE '{TZ}')::date < '2026-01-01' AND recorded_at > %s""",
                     (first_load,))[0][0]
    assert late >= 1


def test_every_fact_binds_to_the_version_of_its_day_without_reprocess(advanced):
    bad, checked = expected_and_bound()
    assert bad == [] and checked > 1000
    # the loads moved facts already loaded (late changes re-bound them), and no reprocess ran
    rebound = sum(e["rows_rebound"] for _, s in advanced for e in s.entities)
    assert rebound > 0
    assert dw_one("SELECT count(*) FROM audit.etl_run WHERE command <> 'load-daily'") == 0


def test_aggregates_goals_and_gate_after_the_advance_days(advanced):
    assert_aggregates_equal_a_full_recomputation()
    assert_gate_and_reconciliation(advanced[-1][1])


# ------------------------------------------------------------------ stage 2: the reproduction
@pytest.fixture(scope="module")
def moved_400_days_back(advanced):
    """Ten customers with sales on both sides of the day 400 days back, never changed before, move
    with an updated_at 400 days back (recorded now); the next load-daily, no reprocess."""
    with db.connect("oltp", "owner") as shop:
        effective = shop.execute(f"SELECT ((now() - interval '400 days') AT TIME ZONE '{TZ}')::date").fetchone()[0]
        ten = [r[0] for r in shop.execute(f"""
            SELECT o.customer_id FROM shop.orders o JOIN shop.order_items i USING (order_id)
            WHERE o.customer_id IN (SELECT customer_id FROM shop.customers_history GROUP BY 1 HAVING count(*) = 1)
            GROUP BY 1
            HAVING bool_or((o.ordered_at AT TIME ZONE '{TZ}')::date >= %(e)s)
               AND bool_or((o.ordered_at AT TIME ZONE '{TZ}')::date < %(e)s)
            ORDER BY count(*) FILTER (WHERE (o.ordered_at AT TIME ZONE '{TZ}')::date >= %(e)s) DESC, 1 LIMIT 10""",
                                                  {"e": effective})]
        assert len(ten) == 10
        # independent: the loaded lines of those customers dated on or after the effective day, and
        # the days of those among them (not cancelled) that change region
        after, days = shop.execute(f"""
            SELECT count(*), array_agg(DISTINCT (o.ordered_at AT TIME ZONE '{TZ}')::date)
                             FILTER (WHERE o.status NOT IN ('canceled', 'unavailable')
                                     AND s.region_id IS DISTINCT FROM CASE WHEN c.state = 'RS' THEN 'NE' ELSE 'S' END)
            FROM shop.orders o JOIN shop.order_items i USING (order_id)
            JOIN shop.customers c USING (customer_id) LEFT JOIN shop.states s ON s.state = c.state
            WHERE o.customer_id = ANY(%s) AND (o.ordered_at AT TIME ZONE '{TZ}')::date >= %s""",
                                   (ten, effective)).fetchone()
        shop.execute("UPDATE shop.customers SET state = CASE WHEN state = 'RS' THEN 'BA' ELSE 'RS' END, "
                     "city = CASE WHEN state = 'RS' THEN 'Salvador' ELSE 'Porto Alegre' END, "
                     "updated_at = now() - interval '400 days' WHERE customer_id = ANY(%s)", (ten,))
    owed = {}

    def before_the_gate(step, state):   # what the loads left for the quality gate to reconcile
        if (step, state) == ("quality", "start"):
            with db.connect("dw", "admin") as conn:
                owed.update(conn.execute("SELECT data, por_pedido FROM ctl.reconcile_pending").fetchall())

    summary = load.load_daily(progress=before_the_gate)
    return {"customers": ten, "effective": effective, "lines_after": after, "days_after": set(days or ()),
            "owed": owed, "summary": summary}


def test_ten_customers_moved_400_days_back_rebind_on_the_next_load(moved_400_days_back):
    m = moved_400_days_back
    assert m["summary"].status == "succeeded"
    cliente = next(e for e in m["summary"].entities if e["entity"] == "dim_cliente")
    assert cliente["rows_inserted"] == 10 and cliente["rows_rebound"] == m["lines_after"] > 0
    assert dw_one("SELECT count(*) FROM dim.dim_cliente WHERE cliente_id = ANY(%s) AND valido_de = %s AND eh_atual",
                  (m["customers"], m["effective"])) == 10
    bad, _ = expected_and_bound()
    assert bad == []
    assert dw_one("SELECT count(*) FROM audit.etl_run WHERE command <> 'load-daily'") == 0
    # the days of the re-bound lines that changed region were owed whole to this run's gate, which passed
    assert m["days_after"] and {d for d, by_order in m["owed"].items() if not by_order} >= m["days_after"]
    assert dw_one("SELECT count(*) FROM ctl.reconcile_pending") == 0


def test_aggregates_goals_and_gate_after_the_rebinding(moved_400_days_back):
    assert_aggregates_equal_a_full_recomputation()
    # a run without new orders: the volume check warns by design
    assert_gate_and_reconciliation(moved_400_days_back["summary"], ("anomalia_de_volume",))


# ------------------------------------------------------------------ stage 2b: splits in the middle of history
@pytest.fixture(scope="module")
def split_in_the_middle(moved_400_days_back):
    """Late states that land between two versions or before the first one: a customer moves on
    2025-06-01, a seller changes team on 2025-09-01, a product's cost changes on 2025-08-01 (one
    load-daily); then, recorded later: the customer's segment changes from 2025-03-01, the seller's
    team from 2025-07-01, the product's category from 2024-11-01 (before its first recorded day),
    and the next load-daily."""
    e = f"(o.ordered_at AT TIME ZONE '{TZ}')::date"
    with db.connect("oltp", "owner") as shop:
        customer = shop.execute(f"""
            SELECT o.customer_id FROM shop.orders o JOIN shop.order_items i USING (order_id)
            WHERE o.customer_id IN (SELECT customer_id FROM shop.customers_history GROUP BY 1 HAVING count(*) = 1)
              AND o.customer_id <> ALL(%s)
            GROUP BY 1 HAVING bool_or({e} >= '2025-03-01' AND {e} < '2025-06-01') AND bool_or({e} >= '2025-06-01')
                          AND bool_or({e} < '2025-03-01')
            ORDER BY count(*) DESC, 1 LIMIT 1""", (moved_400_days_back["customers"],)).fetchone()[0]
        seller = shop.execute(f"""
            SELECT coalesce(i.seller_id, o.seller_id) FROM shop.orders o JOIN shop.order_items i USING (order_id)
            WHERE {e} >= '2025-07-01' AND {e} < '2025-09-01' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()[0]
        product = shop.execute(f"""
            SELECT i.product_id FROM shop.orders o JOIN shop.order_items i USING (order_id)
            WHERE {e} >= '2024-11-01' AND {e} < '2025-08-01' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchone()[0]
        state, segment = shop.execute("SELECT state, segment FROM shop.customers WHERE customer_id = %s",
                                      (customer,)).fetchone()
        team, category = shop.execute("SELECT (SELECT team_id FROM shop.sellers WHERE seller_id = %s), "
                                      "(SELECT category FROM shop.products WHERE product_id = %s)",
                                      (seller, product)).fetchone()
        teams = [r[0] for r in shop.execute("SELECT team_id FROM shop.teams WHERE team_id <> %s ORDER BY 1", (team,))]
        new_state = "AM" if state != "AM" else "PA"
        shop.execute("UPDATE shop.customers SET state = %s, city = 'Nova', updated_at = '2025-06-01 10:00-03' "
                     "WHERE customer_id = %s", (new_state, customer))
        shop.execute("UPDATE shop.sellers SET team_id = %s, updated_at = '2025-09-01 10:00-03' WHERE seller_id = %s",
                     (teams[0], seller))
        shop.execute("UPDATE shop.products SET unit_cost = unit_cost + 1, updated_at = '2025-08-01 10:00-03' "
                     "WHERE product_id = %s", (product,))
    first = load.load_daily()
    with db.connect("oltp", "owner") as shop:
        shop.execute("UPDATE shop.customers SET segment = %s, updated_at = '2025-03-01 10:00-03' WHERE customer_id = %s",
                     ("corporativo" if segment != "corporativo" else "varejo", customer))
        shop.execute("UPDATE shop.sellers SET team_id = %s, updated_at = '2025-07-01 10:00-03' WHERE seller_id = %s",
                     (teams[1], seller))
        shop.execute("UPDATE shop.products SET category = 'Categoria Nova', subcategory = 'Sub Nova', "
                     "updated_at = '2024-11-01 10:00-03' WHERE product_id = %s", (product,))
    second = load.load_daily()
    return {"customer": customer, "seller": seller, "product": product, "state": state, "new_state": new_state,
            "category": category, "first": first, "second": second}


def test_late_states_between_versions_split_history_in_the_middle(split_in_the_middle):
    m = split_in_the_middle
    assert m["first"].status == m["second"].status == "succeeded"
    with db.connect("dw", "admin") as conn:
        versions = conn.execute("SELECT versao, uf, segmento, valido_de::text, valido_ate::text FROM dim.dim_cliente "
                                "WHERE cliente_id = %s ORDER BY versao", (m["customer"],)).fetchall()
        moved_back = conn.execute("SELECT count(*) FROM dim.dim_produto WHERE produto_id = %s AND categoria = %s "
                                  "AND valido_de < '2024-11-01'", (m["product"], m["category"])).fetchone()[0]
    corporate = versions[1][2]
    # the segment holds from 2025-03-01 on; the move of 2025-06-01 stays, in the renumbered version 3
    assert [v[:2] + v[3:] for v in versions] == [
        (1, m["state"], "-infinity", "2025-03-01"), (2, m["state"], "2025-03-01", "2025-06-01"),
        (3, m["new_state"], "2025-06-01", "infinity")]
    assert versions[2][2] == corporate != versions[0][2]
    assert moved_back == 1      # the product's first version keeps the old category before 2024-11-01
    rebound = {e["entity"]: e["rows_rebound"] for e in m["second"].entities}
    assert rebound["dim_cliente"] > 0 and rebound["dim_vendedor"] > 0 and rebound["dim_produto"] > 0
    bad, _ = expected_and_bound()
    assert bad == []


def test_aggregates_goals_and_gate_after_the_splits(split_in_the_middle):
    assert_aggregates_equal_a_full_recomputation()
    assert_gate_and_reconciliation(split_in_the_middle["second"], ("anomalia_de_volume",))


# ------------------------------------------------------------------ stage 3: recorded late inside loaded windows
@pytest.fixture(scope="module")
def recorded_late(moved_400_days_back, split_in_the_middle):
    """A move committed after the extraction that ran while its transaction was open (recorded_at
    before that load's watermark, seen only through the overlap), and a move whose effective time
    lies 3 hours before the last watermark, inside a window loaded already (recorded now)."""
    late_commit, backdated = [r[0] for r in shop_rows(
        "SELECT customer_id FROM shop.customers WHERE customer_id <> ALL(%s) AND state <> 'AM' "
        "ORDER BY customer_id LIMIT 2", (moved_400_days_back["customers"],))]
    with db.connect("oltp", "owner") as writer:
        writer.execute("UPDATE shop.customers SET state = 'AM', city = 'Manaus' WHERE customer_id = %s", (late_commit,))
        during = load.load_daily()          # the writer's transaction is still open: nothing of it is seen
        writer.commit()
    watermark = dw_one("SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_cliente'")
    with db.connect("oltp", "owner") as shop:
        shop.execute("UPDATE shop.customers SET state = 'AM', city = 'Parintins', updated_at = %s WHERE customer_id = %s",
                     (watermark - timedelta(hours=3), backdated))
    after = load.load_daily()
    return {"late_commit": late_commit, "backdated": backdated, "during": during, "after": after,
            "watermark": watermark}


def test_states_recorded_late_inside_loaded_windows_are_not_lost(recorded_late):
    r = recorded_late
    assert r["during"].status == r["after"].status == "succeeded"
    with db.connect("oltp", "admin") as shop:
        recorded = shop.execute("SELECT recorded_at FROM shop.customers_history WHERE customer_id = %s "
                                "ORDER BY history_id DESC LIMIT 1", (r["late_commit"],)).fetchone()[0]
    assert recorded <= r["watermark"]    # written inside the window the load during the transaction closed
    with db.connect("dw", "admin") as conn:
        got = {row[0]: row[1:] for row in conn.execute(
            "SELECT cliente_id, cidade, uf FROM dim.dim_cliente WHERE eh_atual AND cliente_id = ANY(%s)",
            ([r["late_commit"], r["backdated"]],)).fetchall()}
    assert got == {r["late_commit"]: ("Manaus", "AM"), r["backdated"]: ("Parintins", "AM")}
    bad, _ = expected_and_bound()
    assert bad == []


# ------------------------------------------------------------------ rerun, rebuild
def test_a_rerun_changes_nothing(recorded_late):
    with db.connect("dw", "admin") as conn:
        before = fingerprint.raw_tables(conn)
    again = load.load_daily()
    assert again.status == "succeeded"
    assert all(e["rows_inserted"] == e["rows_updated"] == e["rows_deleted"] == e["rows_rebound"] == 0
               for e in again.entities), again.entities
    with db.connect("dw", "admin") as conn:
        assert fingerprint.raw_tables(conn) == before


def test_a_rebuild_from_the_shop_has_the_same_history(recorded_late, template_dbs, monkeypatch):
    """One load of the whole change log at once gives the versions and bindings the incremental
    loads built state by state, late states included."""
    with db.connect("dw", "admin") as conn:
        incremental = fingerprint.warehouse(conn)
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
    assert [t for t in incremental if incremental[t] != rebuilt[t]] == []
