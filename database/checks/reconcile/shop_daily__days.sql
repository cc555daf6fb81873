-- Reconciliation, shop side, for chosen days (the incremental gate): the same figures as
-- shop_daily.sql, whose rules it mirrors. Each day becomes an ordered_at range; the LATERAL with
-- OFFSET 0 keeps the planner from flattening it, so every range is an index probe of
-- orders_ordered_at; each order's lines are summed in a LATERAL aggregate, one probe of
-- order_items_order_id per order (the duplicate-line rule reads the order's own lines by
-- row_number instead of a second probe per line), and the days are summed from one row per
-- order, with no sort for count(DISTINCT). Written as a plain join, the planner estimated
-- 11 percent of all lines for the screens and hashed the whole order_items table: 0.72 s for 7 days at
-- scale 1, now 0.12 s; 37 days 1.36 s -> 0.71 s.
-- shop_daily.sql stays the full-history query, and the one used for many days (quality.DAYS_QUERY_LIMIT):
-- there the hash joins are faster (10 s vs 17 s for every day at scale 1).
WITH faixas AS (
    SELECT d::timestamp AT TIME ZONE 'America/Sao_Paulo' AS de,
           (d + 1)::timestamp AT TIME ZONE 'America/Sao_Paulo' AS ate
    FROM unnest(%(days)s::date[]) AS d
), pedidos AS MATERIALIZED (  -- days -> orders first, whatever the statistics say
    SELECT o.order_id, o.ordered_at
    FROM faixas AS f
    CROSS JOIN LATERAL (SELECT o.order_id, o.ordered_at FROM shop.orders AS o
                        WHERE o.ordered_at >= f.de AND o.ordered_at < f.ate
                          AND o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
                        OFFSET 0) AS o
)
SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       sum(p.receita) AS receita, sum(p.custo) AS custo, sum(p.quantidade)::bigint AS quantidade, count(*) AS pedidos
FROM pedidos AS o
CROSS JOIN LATERAL (
    SELECT sum(i.quantity * i.unit_price - i.discount_amount) AS receita,
           sum(i.quantity * coalesce(i.unit_cost, 0))         AS custo,
           sum(i.quantity)                                    AS quantidade,
           count(*)                                           AS linhas
    FROM (SELECT i.*, row_number() OVER (PARTITION BY i.line_number ORDER BY i.order_item_id) AS n
          FROM shop.order_items AS i WHERE i.order_id = o.order_id) AS i
    WHERE i.n = 1  -- a repeated (order, line number) counts once: the first one, as the screens keep
      AND i.quantity > 0 AND i.unit_price >= 0
      AND i.discount_amount BETWEEN 0 AND i.quantity * i.unit_price
      AND i.returned_quantity BETWEEN 0 AND i.quantity) AS p
WHERE p.linhas > 0
GROUP BY 1
