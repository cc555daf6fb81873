"""Every column of every mart view reads through psycopg as bi_reader (what a notebook or pandas
does): no infinite date or timestamp, which psycopg cannot represent, anywhere; `harness smoke`
reads them the same way, every row of the small ones, in a fixed order."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from harness import db, load, smoke
from harness.runs import RunFailed


def _mart_views(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'mart' "
        "UNION SELECT matviewname FROM pg_matviews WHERE schemaname = 'mart' ORDER BY 1")]


@pytest.fixture
def varied_history(shop):
    """A first load (watermarks start at -infinity), a failed run, a run killed without closing
    (marked stale by the next), and a successful reload."""
    load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("ALTER TABLE fact.fact_metas ADD CONSTRAINT sabotage CHECK (valor_meta < 0) NOT VALID")
    with db.connect("oltp", "owner", autocommit=True) as conn:
        conn.execute("UPDATE shop.sales_targets SET target_amount = target_amount + 1")
    with pytest.raises(RunFailed):
        load.load_daily()
    with db.connect("dw", "admin", autocommit=True) as conn:
        conn.execute("ALTER TABLE fact.fact_metas DROP CONSTRAINT sabotage")
        conn.execute("INSERT INTO audit.etl_run (command, trigger) VALUES ('load-daily', 'schedule')")  # killed
    load.load_daily()
    return shop


def test_every_column_of_every_mart_view_reads_through_psycopg(varied_history):
    with db.connect("dw", "admin") as admin:
        views = _mart_views(admin)
        temporal = admin.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'mart' "
            "AND table_name = ANY(%s) AND data_type IN ('date', 'timestamp with time zone', "
            "'timestamp without time zone')", (views,)).fetchall()
        infinite = [(v, c) for v, c in temporal if admin.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE NOT isfinite({})").format(
                sql.Identifier("mart", v), sql.Identifier(c))).fetchone()[0]]
    assert "vw_monitor_etl" in views and len(views) >= 10
    assert infinite == [], "mart views must say NULL where a date is unknown, not ±infinity"
    read = {}
    with db.connect("dw", "bi") as bi:
        for view in views:
            try:
                read[view] = bi.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("mart", view))).fetchall()
            except psycopg.DataError as exc:
                pytest.fail(f"mart.{view}: {exc}")
        monitor = bi.execute("SELECT run_id, status, entidade, dados_origem_de, dados_origem_ate "
                             "FROM mart.vw_monitor_etl ORDER BY run_id, entidade").fetchall()
    assert all(read[v] for v in ("vw_monitor_etl", "vw_vendas", "vw_atualizacao")), "the views must hold rows"
    first_run = [r for r in monitor if r[0] == monitor[0][0] and (r[2] or "").startswith(("dim_", "fact_"))]
    assert first_run and all(r[3] is None and r[4] is not None for r in first_run), \
        "the first load's watermark_from (-infinity) shows as NULL"
    assert {r[1] for r in monitor} == {"succeeded", "failed", "stale"}

    lines = {line.name: line for line in smoke.run_smoke()}
    for view in views:
        line = lines[f"bi_reader lê mart.{view}"]
        assert line.ok and line.detail == f"{len(read[view])} linha(s) lidas", (view, line)
