-- Reconciliation, shop side, for chosen days (the incremental gate): the same figures as
-- shop_daily.sql, whose rules it mirrors. Each day becomes an ordered_at range; the LATERAL with
-- OFFSET 0 keeps the planner from flattening it, so every range is an index probe of
-- orders_ordered_at and every order's lines an index probe of order_items_order_id
-- (7 days at scale 1: 0.14 s, against 4.9 s for shop_daily.sql's hash joins over every line).
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
       sum(i.quantity * i.unit_price - i.discount_amount)       AS receita,
       sum(i.quantity * coalesce(i.unit_cost, 0))               AS custo,
       sum(i.quantity)                                          AS quantidade,
       count(DISTINCT o.order_id)                               AS pedidos
FROM pedidos AS o
JOIN shop.order_items AS i ON i.order_id = o.order_id
WHERE i.quantity > 0 AND i.unit_price >= 0
  AND i.discount_amount BETWEEN 0 AND i.quantity * i.unit_price
  AND i.returned_quantity BETWEEN 0 AND i.quantity
  AND NOT EXISTS (SELECT 1 FROM shop.order_items AS d
                  WHERE d.order_id = i.order_id AND d.line_number = i.line_number
                    AND d.order_item_id < i.order_item_id)
GROUP BY 1
