"""`harness smoke`'s plausibility lines: a day whose revenue or margin is far outside the days
before it, or a 100 % margin, is a warning (printed, exit 0), never a silent pass; a clean load
passes with no warning of that kind."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from typer.testing import CliRunner

from harness import db, load, smoke
from harness.cli import app

LAST = date(2024, 11, 30)


def put_days(days: dict[date, tuple[str, str]]) -> None:
    """Rows of mart.agg_pedidos_diarios (one region): day -> (revenue, cost); other measures 0."""
    with db.connect("dw", "admin") as conn:
        columns = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'mart.agg_pedidos_diarios'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")]
        for day, (receita, custo) in days.items():
            values = {c: 0 for c in columns}
            values.update(data=day, data_sk=int(day.strftime("%Y%m%d")), regiao_sk=-1,
                          valor_total_liquido=Decimal(receita), custo_total=Decimal(custo))
            conn.execute(f"INSERT INTO mart.agg_pedidos_diarios ({', '.join(columns)}) "
                         f"VALUES ({', '.join(['%s'] * len(columns))})", [values[c] for c in columns])
        conn.commit()


def history(n: int = 35) -> dict[date, tuple[str, str]]:
    """n days ending on LAST, revenue R$ 1,000 and cost R$ 600 each (margin 40 %)."""
    return {LAST - timedelta(days=i): ("1000.00", "600.00") for i in range(n)}


def plausibility() -> list[smoke.SmokeLine]:
    with db.connect("dw", "etl") as conn:
        return smoke.plausibility(conn)


def test_a_steady_history_gives_one_ok_line(fresh_dbs):
    put_days(history())
    [line] = plausibility()
    assert line.ok and line.warning and not line.fails


def test_outliers_and_a_100_percent_margin_are_warnings_not_failures(fresh_dbs):
    days = history()
    days[LAST] = ("20000.00", "12000.00")                       # 20x the median revenue
    days[LAST - timedelta(days=1)] = ("1000.00", "0.00")        # no cost at all: 100 %
    days[LAST - timedelta(days=2)] = ("1000.00", "900.00")      # margin 10 % against 40 %
    days[LAST - timedelta(days=3)] = ("50.00", "30.00")         # a twentieth of the median
    days[LAST - timedelta(days=10)] = ("1000000.00", "0.00")    # in the history, not checked
    put_days(days)
    lines = plausibility()
    assert lines and all(not line.ok and line.warning and not line.fails for line in lines)
    assert sorted(line.name for line in lines) == sorted([
        "receita de 30/11/2024 plausível", "margem de 29/11/2024 plausível", "margem de 28/11/2024 plausível",
        "receita de 27/11/2024 plausível"])
    [pct] = [line for line in lines if line.name == "margem de 29/11/2024 plausível"]
    assert "100 %" in pct.detail


def test_a_short_history_is_not_compared(fresh_dbs):
    put_days(history(10))
    [line] = plausibility()
    assert line.ok and "histórico curto" in line.detail


def test_smoke_prints_a_warning_and_exits_zero(shop):
    """On a loaded shop whose latest day sold at zero cost, `harness smoke` warns (margin 100 %) and passes."""
    with db.connect("oltp", "owner") as conn:
        conn.execute("UPDATE shop.order_items i SET unit_cost = 0 FROM shop.orders o WHERE o.order_id = i.order_id "
                     "AND (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date = '2024-11-19'")
    assert load.load_daily().status == "succeeded"
    result = CliRunner().invoke(app, ["smoke"])
    assert result.exit_code == 0, result.output
    assert "WARN" in result.output and "margem de 19/11/2024" in result.output and "FAIL" not in result.output
