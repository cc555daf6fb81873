"""The daily smoke test (RF-15), run by the scheduler after load-daily.

It asks, as a user would: is the latest business day in every fact, does every mart
view answer for bi_reader, and are the headline totals plausible?

Failing lines (exit 1): a fact without the shop's latest acceptable day or month, a mart view
bi_reader cannot read, no revenue at all or an overall margin outside (-100 %, 100 %).
Warnings (printed, exit 0): each of the latest PLAUSIBLE_DAYS days whose revenue is more than
REVENUE_FACTOR times above or below the median of the HISTORY_DAYS days before them, whose margin
is 100 % (no cost at all) or more than MARGIN_POINTS percentage points from that history's median
margin. Warnings, not failures: every figure was reconciled with the shop to the cent by the load's
gate and the rows that break a screen are quarantined, so an odd day is the shop's own (a Black
Friday, a price typed in cents, products without cost); a person looks, the schedule goes on.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import psycopg
from psycopg import sql

from harness import db, quality, screens

PLAUSIBLE_DAYS = 7
HISTORY_DAYS = 28
MIN_HISTORY_DAYS = 14     # fewer days with sales before the checked ones: no comparison
REVENUE_FACTOR = 10
MARGIN_POINTS = Decimal(25)


@dataclass
class SmokeLine:
    name: str
    ok: bool
    detail: str
    warning: bool = False   # a failed warning line is reported but does not fail the smoke test

    @property
    def fails(self) -> bool:
        return not self.ok and not self.warning


def _money(value: Decimal) -> str:
    return f"R$ {value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _margin(receita: Decimal, custo: Decimal) -> Decimal | None:
    return (receita - custo) * 100 / receita if receita else None


def plausibility(dw: psycopg.Connection) -> list[SmokeLine]:
    """Each of the latest PLAUSIBLE_DAYS days with sales against the HISTORY_DAYS before them
    (mart.agg_pedidos_diarios: non-cancelled sales per day and region)."""
    rows = dw.execute(
        "SELECT data, sum(valor_total_liquido), sum(custo_total) FROM mart.agg_pedidos_diarios "
        "WHERE data > (SELECT max(data) FROM mart.agg_pedidos_diarios) - %s GROUP BY data ORDER BY data",
        (PLAUSIBLE_DAYS + HISTORY_DAYS,)).fetchall()
    if not rows:
        return []
    last: date = rows[-1][0]
    checked = [r for r in rows if r[0] > last - timedelta(days=PLAUSIBLE_DAYS)]
    history = [r for r in rows if r[0] <= last - timedelta(days=PLAUSIBLE_DAYS) and r[1] > 0]
    lines = []
    for day, receita, custo in checked:
        margin = _margin(receita, custo)
        if margin is not None and margin >= 100:
            lines.append(SmokeLine(f"margem de {day:%d/%m/%Y} plausível", False,
                                   f"margem de 100 % (receita {_money(receita)}, custo {_money(custo)}): "
                                   "linhas sem custo?", warning=True))
    if len(history) < MIN_HISTORY_DAYS:
        return lines + [SmokeLine("receita e margem dos últimos dias", True,
                                  f"histórico curto ({len(history)} dia(s) com vendas): sem comparação", warning=True)]
    median_revenue = statistics.median(r[1] for r in history)
    median_margin = statistics.median(_margin(r[1], r[2]) for r in history)
    for day, receita, custo in checked:
        if receita > median_revenue * REVENUE_FACTOR or receita * REVENUE_FACTOR < median_revenue:
            lines.append(SmokeLine(f"receita de {day:%d/%m/%Y} plausível", False,
                                   f"receita {_money(receita)} contra a mediana de {_money(median_revenue)} "
                                   f"dos {HISTORY_DAYS} dias anteriores", warning=True))
        margin = _margin(receita, custo)
        if margin is not None and margin < 100 and abs(margin - median_margin) > MARGIN_POINTS:
            lines.append(SmokeLine(f"margem de {day:%d/%m/%Y} plausível", False,
                                   f"margem {margin:.1f} % contra a mediana de {median_margin:.1f} % "
                                   f"dos {HISTORY_DAYS} dias anteriores", warning=True))
    if not any(not line.ok for line in lines):
        lines.append(SmokeLine("receita e margem dos últimos dias plausíveis", True,
                               f"{len(checked)} dia(s) dentro de {REVENUE_FACTOR}x a mediana da receita e "
                               f"{MARGIN_POINTS} p.p. da margem", warning=True))
    return lines


def run_smoke() -> list[SmokeLine]:
    lines: list[SmokeLine] = []
    with db.connect("dw", "etl", autocommit=True) as dw, db.connect("oltp", "etl", autocommit=True) as shop:
        # the shop's latest day and month under the load's screens (an order dated infinity is no day)
        shop_day, shop_month = quality.shop_latest(shop, screens.calendar(dw))
    with db.connect("dw", "etl", autocommit=True) as dw:
        day = dw.execute("SELECT max(d.data) FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk) "
                         "WHERE NOT f.eh_cancelado").fetchone()[0]
        lines.append(SmokeLine("fact_vendas tem o último dia da loja", day is not None and day == shop_day,
                               f"warehouse {day}, loja {shop_day}"))
        disc_day = dw.execute("SELECT max(d.data) FROM fact.fact_descontos f JOIN dim.dim_data d USING (data_sk)").fetchone()[0]
        lines.append(SmokeLine("fact_descontos tem dados", disc_day is not None, f"último dia {disc_day}"))
        month = dw.execute("SELECT max(mes) FROM fact.fact_metas").fetchone()[0]
        lines.append(SmokeLine("fact_metas tem o último mês da loja", month is not None and month == shop_month,
                               f"warehouse {month}, loja {shop_month}"))
        receita, custo, linhas = dw.execute(
            "SELECT coalesce(sum(valor_total_liquido), 0), coalesce(sum(custo_total), 0), count(*) "
            "FROM fact.fact_vendas WHERE NOT eh_cancelado").fetchone()
        margin = (receita - custo) / receita if receita else None
        lines.append(SmokeLine("totais plausíveis", linhas > 0 and receita > 0 and margin is not None and -1 < margin < 1,
                               f"{linhas} linhas, receita {receita}, margem {margin:.1%}" if margin is not None
                               else f"{linhas} linhas, receita {receita}"))
        lines += plausibility(dw)
        views = [r[0] for r in dw.execute(
            "SELECT table_name FROM information_schema.views WHERE table_schema = 'mart' ORDER BY 1")]
    with db.connect("dw", "bi", autocommit=True) as bi:
        for view in views:
            lines.append(_read_view_as_bi(bi, view))
    return lines


SMALL_VIEW_ROWS = 20_000   # a view up to this size is read whole; a larger one at both ends, in order


def _read_view_as_bi(bi: psycopg.Connection, view: str) -> SmokeLine:
    """Read a mart view as a notebook would (psycopg converts every value: an infinite date or
    timestamp fails here), always in the same order, so a bad row cannot hide by luck."""
    name = sql.Identifier("mart", view)
    try:
        columns = len(bi.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(name)).description)
        order = sql.SQL(", ").join(sql.Literal(i) for i in range(1, columns + 1))
        size = bi.execute(sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT %s) AS x").format(name),
                          (SMALL_VIEW_ROWS + 1,)).fetchone()[0]
        if size <= SMALL_VIEW_ROWS:
            read = len(bi.execute(sql.SQL("SELECT * FROM {} ORDER BY {}").format(name, order)).fetchall())
            detail = f"{read} linha(s) lidas"
        else:
            read = 0
            for direction in (sql.SQL("ASC"), sql.SQL("DESC")):
                read += len(bi.execute(sql.SQL("SELECT * FROM {} ORDER BY 1 {} LIMIT 1000").format(
                    name, direction)).fetchall())
            detail = f"mais de {SMALL_VIEW_ROWS} linhas: {read} lidas nas duas pontas"
        return SmokeLine(f"bi_reader lê mart.{view}", True, detail)
    except psycopg.Error as exc:
        return SmokeLine(f"bi_reader lê mart.{view}", False, exc.diag.message_primary or str(exc))
