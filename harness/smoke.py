"""The daily smoke test (RF-15), run by the scheduler after load-daily.

It asks, as a user would: is the latest business day in every fact, does every mart
view answer for bi_reader, and are the headline totals plausible?
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from harness import db


@dataclass
class SmokeLine:
    name: str
    ok: bool
    detail: str


def run_smoke() -> list[SmokeLine]:
    lines: list[SmokeLine] = []
    with db.connect("oltp", "etl", autocommit=True) as shop:
        shop_day = shop.execute(
            "SELECT max((o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date) FROM shop.orders o "
            "WHERE EXISTS (SELECT 1 FROM shop.order_items i WHERE i.order_id = o.order_id)").fetchone()[0]
        shop_month = shop.execute("SELECT max(month) FROM shop.sales_targets").fetchone()[0]
    with db.connect("dw", "etl", autocommit=True) as dw:
        day = dw.execute("SELECT max(d.data) FROM fact.fact_vendas f JOIN dim.dim_data d USING (data_sk)").fetchone()[0]
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
