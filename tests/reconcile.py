"""Independent KPI computations straight from the shop database (schema shop), for
reconciling the warehouse's mart views against the source after a real load.

Every function runs one SQL query on a connection to the SHOP database (`db.connect("oltp", ...)`)
and applies the business rules itself, without the warehouse:
- a line counts when its order's status is not 'canceled'/'unavailable';
- revenue of a line = quantity * unit_price - discount_amount; cost = quantity * coalesce(unit_cost, 0);
- the order day is ordered_at in America/Sao_Paulo (the warehouse's data_sk rule);
- seller = coalesce(line seller, order seller); team = the seller's team on the order day;
- region = the region of the customer's state on the order day (shop.states); category = the
  product's category on the order day, 'Não informado' when missing. "On the order day" is read
  from the shop's change logs (shop.*_history) by the rule of docs/scd2.md, independently of the
  warehouse's procedures (query `changes` below);
- a customer counts as its person (customer_unique_id) when the shop has one, else as its id.
Lines the loader rejects (bad status, negative price, duplicate lines...) are excluded only with
acceptable_only=True, which restates the documented screens here, independently of the
warehouse's code (docs/runbook.md, "Linhas rejeitadas"): a known status; customer, product and
seller given; ids of at most 200 characters; the order day in the calendar (2015-2035); quantity
> 0; price and cost >= 0; quantity x price and quantity x cost within numeric(14,2); discount
between 0 and the line's gross; returned quantity between 0 and the quantity; freight >= 0; a
return date between the order day and a year after it; of lines sharing an order and a line
number, the acceptable one with the smallest id (byte order).

Filters (all optional): data_inicio/data_fim (order day, inclusive), regiao (region id),
categoria, equipe (team id), vendedor (seller id).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

LINES = """
WITH screened AS (
    SELECT i.*, o.customer_id, o.status, o.ordered_at, o.seller_id AS order_seller,
           row_number() OVER (PARTITION BY i.order_id, i.line_number ORDER BY i.order_item_id COLLATE "C") AS n
    FROM shop.order_items AS i
    JOIN shop.orders AS o ON o.order_id = i.order_id
    WHERE NOT %(acceptable_only)s OR (
          o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered', 'canceled', 'unavailable')
      AND o.customer_id IS NOT NULL AND i.product_id IS NOT NULL AND coalesce(i.seller_id, o.seller_id) IS NOT NULL
      AND greatest(length(i.order_item_id), length(i.order_id), length(o.customer_id), length(i.product_id),
                   length(coalesce(i.seller_id, o.seller_id)), coalesce(length(o.discount_id), 0)) <= 200
      AND (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date BETWEEN '2015-01-01' AND '2035-12-31'
      AND i.quantity > 0 AND i.unit_price >= 0 AND coalesce(i.unit_cost, 0) >= 0
      AND i.quantity * i.unit_price <= 999999999999.99 AND i.quantity * coalesce(i.unit_cost, 0) <= 999999999999.99
      AND i.discount_amount BETWEEN 0 AND i.quantity * i.unit_price
      AND i.returned_quantity BETWEEN 0 AND i.quantity
      AND i.freight_value >= 0
      AND (i.returned_at IS NULL
           OR i.returned_at BETWEEN (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date
                                AND (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date + 365))
), base AS MATERIALIZED (
    SELECT i.order_item_id, i.order_id, (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS day,
           o.customer_id, i.product_id, coalesce(i.seller_id, o.seller_id) AS seller_id, o.discount_id,
           i.quantity, i.returned_quantity, i.unit_price, i.discount_amount, i.unit_cost
    FROM screened i
    JOIN shop.orders o ON o.order_id = i.order_id
    WHERE o.status NOT IN ('canceled', 'unavailable') AND (NOT %(acceptable_only)s OR i.n = 1)
      AND (%(data_inicio)s::date IS NULL OR (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date >= %(data_inicio)s::date)
      AND (%(data_fim)s::date IS NULL OR (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date <= %(data_fim)s::date)
), changes AS MATERIALIZED (
    -- the tracked (type-2) attribute groups, read from the shop's change logs: per key, the states
    -- in write order; a state changes a group when it differs from the state written before it, from
    -- its effective day (updated_at in São Paulo) on; the key's first state holds from -infinity
    -- (docs/scd2.md). Product states with a negative price are rejected by the warehouse: skipped.
    SELECT kind, key, history_id, value, CASE WHEN k > 1 THEN eff END AS eff
    FROM (SELECT kind, key, history_id, value, eff,
                 grp, row_number() OVER w AS k, lag(grp) OVER w AS prev_grp
          FROM (SELECT 'customer' AS kind, customer_id AS key, history_id, state AS value,
                       ROW(city, state)::text AS grp, (updated_at AT TIME ZONE 'America/Sao_Paulo')::date AS eff
                FROM shop.customers_history
                UNION ALL
                SELECT 'product', product_id, history_id, category, ROW(category, subcategory)::text,
                       (updated_at AT TIME ZONE 'America/Sao_Paulo')::date
                FROM shop.products_history WHERE NOT coalesce(list_price < 0 OR unit_cost < 0, false)
                UNION ALL
                SELECT 'seller', seller_id, history_id, team_id, team_id,
                       (updated_at AT TIME ZONE 'America/Sao_Paulo')::date
                FROM shop.sellers_history) AS h
          WINDOW w AS (PARTITION BY kind, key ORDER BY history_id)) AS x
    WHERE k = 1 OR grp IS DISTINCT FROM prev_grp
), on_day AS MATERIALIZED (
    -- on day d a group holds the value of the LAST WRITTEN change effective by d
    SELECT DISTINCT ON (u.kind, u.key, u.day) u.kind, u.key, u.day, c.value
    FROM (SELECT DISTINCT 'customer' AS kind, customer_id AS key, day FROM base
          UNION SELECT DISTINCT 'product', product_id, day FROM base
          UNION SELECT DISTINCT 'seller', seller_id, day FROM base) AS u
    JOIN changes c ON c.kind = u.kind AND c.key = u.key AND (c.eff IS NULL OR c.eff <= u.day)
    ORDER BY u.kind, u.key, u.day, c.history_id DESC
), lines AS (
    SELECT b.order_item_id, b.order_id, b.day,
           b.customer_id, c.customer_id IS NOT NULL                                AS customer_known,
           coalesce(c.customer_unique_id, b.customer_id)                           AS person,
           st.region_id, coalesce(pd.value, 'Não informado')                       AS category,
           b.seller_id, sd.value AS team_id, b.discount_id,
           b.quantity, b.returned_quantity,
           b.quantity * b.unit_price                                               AS gross,
           b.discount_amount                                                       AS discount,
           b.quantity * b.unit_price - b.discount_amount                           AS net,
           b.quantity * coalesce(b.unit_cost, 0)                                   AS cost
    FROM base b
    LEFT JOIN shop.customers c   ON c.customer_id = b.customer_id
    LEFT JOIN on_day cd          ON cd.kind = 'customer' AND cd.key = b.customer_id AND cd.day = b.day
    LEFT JOIN shop.states st     ON st.state = cd.value
    LEFT JOIN on_day pd          ON pd.kind = 'product' AND pd.key = b.product_id AND pd.day = b.day
    LEFT JOIN on_day sd          ON sd.kind = 'seller' AND sd.key = b.seller_id AND sd.day = b.day
), picked AS (
    SELECT * FROM lines
    WHERE (%(data_inicio)s::date IS NULL OR day >= %(data_inicio)s::date)
      AND (%(data_fim)s::date IS NULL OR day <= %(data_fim)s::date)
      AND (%(regiao)s::text IS NULL OR region_id = %(regiao)s::text)
      AND (%(categoria)s::text IS NULL OR category = %(categoria)s::text)
      AND (%(equipe)s::text IS NULL OR team_id = %(equipe)s::text)
      AND (%(vendedor)s::text IS NULL OR seller_id = %(vendedor)s::text)
)
"""

MEASURES = """
    sum(net)                                                                     AS receita_liquida,
    sum(gross)                                                                   AS receita_bruta,
    sum(discount)                                                                AS desconto_concedido,
    sum(net - cost)                                                              AS margem_bruta,
    sum(net - cost) * 100.0 / NULLIF(sum(net), 0)                                AS margem_percentual,
    count(DISTINCT order_id)                                                     AS pedidos,
    sum(quantity)                                                                AS itens,
    sum(net) / NULLIF(count(DISTINCT order_id), 0)                               AS ticket_medio,
    -- the person (customer_unique_id), else the customer id; the warehouse keeps a customer
    -- missing from shop.customers as an inferred member: counted by its id
    count(DISTINCT person)                                                       AS clientes_ativos,
    sum(returned_quantity) * 100.0 / NULLIF(sum(quantity), 0)                    AS taxa_devolucao,
    sum(net) FILTER (WHERE discount > 0)                                         AS receita_com_desconto,
    sum(net) FILTER (WHERE discount = 0)                                         AS receita_sem_desconto,
    sum(net - cost) FILTER (WHERE discount > 0) * 100.0 / NULLIF(sum(net) FILTER (WHERE discount > 0), 0)
      - sum(net - cost) FILTER (WHERE discount = 0) * 100.0 / NULLIF(sum(net) FILTER (WHERE discount = 0), 0)
                                                                                 AS impacto_desconto_margem,
    sum(returned_quantity)                                                       AS quantidade_devolvida
"""

FILTERS = ("data_inicio", "data_fim", "regiao", "categoria", "equipe", "vendedor", "acceptable_only")


def _params(filters: dict[str, Any]) -> dict[str, Any]:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown filter(s) {sorted(unknown)}")
    return {**{k: filters.get(k) for k in FILTERS}, "acceptable_only": bool(filters.get("acceptable_only"))}


def _rows(conn, query: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    # the CTEs carry no statistics: with a date or region filter the planner expects a handful of
    # lines and nests loops over the on-day lookups (minutes at scale 0.08); hash joins it is, for
    # this query only (the setting is put back for the caller's session)
    before = conn.execute("SHOW enable_nestloop").fetchone()[0]
    conn.execute("SET enable_nestloop = off")
    try:
        cur = conn.execute(query, _params(filters))
        names = [c.name for c in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:  # else the error speaks
            conn.execute("SELECT set_config('enable_nestloop', %s, false)", (before,))


def sales_kpis(conn, **filters) -> dict[str, Any]:
    """Every sales KPI of the catalog over the filtered non-cancelled lines."""
    return _rows(conn, LINES + f"SELECT {MEASURES} FROM picked", filters)[0]


def sales_kpis_by_day(conn, **filters) -> dict[date, dict[str, Any]]:
    """The sales KPIs per order day (pedidos per day add up over days: an order has one day)."""
    rows = _rows(conn, LINES + f"SELECT day, {MEASURES} FROM picked GROUP BY day ORDER BY day", filters)
    return {r.pop("day"): r for r in rows}


def sales_kpis_by_month(conn, **filters) -> dict[date, dict[str, Any]]:
    """The sales KPIs per month of the order (key: first day of the month)."""
    rows = _rows(conn, LINES + f"SELECT date_trunc('month', day)::date AS month, {MEASURES} FROM picked "
                 "GROUP BY 1 ORDER BY 1", filters)
    return {r.pop("month"): r for r in rows}


def goals(conn) -> dict[tuple[str, date], dict[str, Any]]:
    """Per (seller, month) with a target: valor_meta, valor_realizado, atingimento_pct (unrounded)."""
    query = LINES + """
    , done AS (SELECT seller_id, date_trunc('month', day)::date AS month, sum(net) AS net
               FROM picked GROUP BY 1, 2)
    SELECT t.seller_id, t.month, t.target_amount AS valor_meta, coalesce(d.net, 0) AS valor_realizado,
           coalesce(d.net, 0) * 100.0 / NULLIF(t.target_amount, 0) AS atingimento_pct
    FROM shop.sales_targets t
    LEFT JOIN done d ON d.seller_id = t.seller_id AND d.month = t.month
    ORDER BY 1, 2"""
    return {(r.pop("seller_id"), r.pop("month")): r for r in _rows(conn, query, {})}


def discounts_by_month(conn) -> dict[tuple[date, str], dict[str, Any]]:
    """Per (month, discount_id or '-1'): lines and orders with discount, discount, revenue, ROI."""
    query = LINES + """
    SELECT date_trunc('month', day)::date AS month, coalesce(discount_id, '-1') AS discount_id,
           count(*) AS linhas_com_desconto, count(DISTINCT order_id) AS pedidos_com_desconto,
           sum(discount) AS valor_desconto_aplicado, sum(net) AS valor_com_desconto,
           sum(cost) AS custo_total,
           sum(net) / NULLIF(sum(discount), 0) AS roi_desconto
    FROM picked WHERE discount > 0 GROUP BY 1, 2 ORDER BY 1, 2"""
    return {(r.pop("month"), r.pop("discount_id")): r for r in _rows(conn, query, {})}


def close(a: Any, b: Any, tolerance: Decimal = Decimal("0.000001")) -> bool:
    """Equality for KPI values: None only equals None; numbers within a tolerance."""
    if a is None or b is None:
        return a is None and b is None
    return abs(Decimal(str(a)) - Decimal(str(b))) <= tolerance
