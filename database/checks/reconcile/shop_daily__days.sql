-- Reconciliation, shop side, for chosen days (the incremental gate): the same figures as
-- shop_daily.sql, under the same rules (/*regra:...*/: etl.regra_linha_venda's CASE, spliced by
-- harness/screens.py; then the smallest id of acceptable lines sharing an order and line number).
-- Each day becomes an ordered_at range; the LATERAL with OFFSET 0 keeps the planner from flattening
-- it, so every range is an index probe of orders_ordered_at; each order's lines are summed in a
-- LATERAL aggregate, one probe of order_items_order_id per order (the duplicate-line rule reads the
-- order's own lines by row_number instead of a second probe per line), and the days are summed from
-- one row per order, with no sort for count(DISTINCT). Written as a plain join, the planner
-- estimated 11 percent of all lines for the screens and hashed the whole order_items table: 0.72 s
-- for 7 days at scale 1, then 0.12 s; 37 days 1.36 s -> 0.71 s.
-- shop_daily.sql stays the full-history query, and the one used for many days (quality.DAYS_QUERY_LIMIT):
-- there the hash joins are faster (10 s vs 17 s for every day at scale 1).
WITH faixas AS (
    SELECT d::timestamp AT TIME ZONE 'America/Sao_Paulo' AS de,
           (d + 1)::timestamp AT TIME ZONE 'America/Sao_Paulo' AS ate
    FROM unnest(%(days)s::date[]) AS d
), pedidos AS MATERIALIZED (  -- days -> orders first, whatever the statistics say
    SELECT o.order_id, o.ordered_at, o.status, o.customer_id, o.seller_id, o.discount_id
    FROM faixas AS f
    CROSS JOIN LATERAL (SELECT o.order_id, o.ordered_at, o.status, o.customer_id, o.seller_id, o.discount_id
                        FROM shop.orders AS o
                        WHERE o.ordered_at >= f.de AND o.ordered_at < f.ate
                          AND o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
                        OFFSET 0) AS o
)
SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       sum(p.receita) AS receita, sum(p.custo) AS custo, sum(p.quantidade)::bigint AS quantidade, count(*) AS pedidos
FROM pedidos AS o
CROSS JOIN LATERAL (
    SELECT sum(a.quantity * a.unit_price - a.discount_amount) AS receita,
           sum(a.quantity * coalesce(a.unit_cost, 0))         AS custo,
           sum(a.quantity)                                    AS quantidade,
           count(*)                                           AS linhas
    FROM (SELECT l.quantity, l.unit_price, l.unit_cost, l.discount_amount,
                 row_number() OVER (PARTITION BY l.line_number ORDER BY l.order_item_id COLLATE "C") AS n
          FROM (SELECT i.order_item_id, i.order_id, i.line_number, true AS order_found, o.status, o.ordered_at,
                       o.customer_id, i.product_id, coalesce(i.seller_id, o.seller_id) AS seller_id, o.discount_id,
                       i.quantity, i.unit_price, i.unit_cost, i.discount_amount, i.freight_value,
                       i.returned_quantity, i.returned_at, %(data_min)s::date AS data_min, %(data_max)s::date AS data_max
                FROM shop.order_items AS i WHERE i.order_id = o.order_id) AS l
          WHERE /*regra:etl.regra_linha_venda*/ IS NULL) AS a
    WHERE a.n = 1  -- a repeated (order, line number) counts once: the first acceptable one, as the load keeps
) AS p
WHERE p.linhas > 0
GROUP BY 1
