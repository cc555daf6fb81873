-- Reconciliation, shop side: per order day (São Paulo time), non-cancelled orders only.
-- Lines that the warehouse rejects by rule are excluded the same way the screens do,
-- so the comparison is exact: the rules here mirror etl.load_fact_vendas' screens.
-- The days parameter is NULL for every day, or the days to compare: each becomes an
-- ordered_at range probed through the orders_ordered_at index.
WITH faixas AS (
    SELECT d::timestamp AT TIME ZONE 'America/Sao_Paulo' AS de,
           (d + 1)::timestamp AT TIME ZONE 'America/Sao_Paulo' AS ate
    FROM unnest(%(days)s::date[]) AS d
    UNION ALL
    SELECT '-infinity'::timestamptz, 'infinity'::timestamptz WHERE %(days)s::date[] IS NULL
)
SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       sum(i.quantity * i.unit_price - i.discount_amount)       AS receita,
       sum(i.quantity * coalesce(i.unit_cost, 0))               AS custo,
       sum(i.quantity)                                          AS quantidade,
       count(DISTINCT o.order_id)                               AS pedidos
FROM faixas AS f
JOIN shop.orders AS o ON o.ordered_at >= f.de AND o.ordered_at < f.ate
JOIN shop.order_items AS i ON i.order_id = o.order_id
WHERE o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
  AND i.quantity > 0 AND i.unit_price >= 0
  AND i.discount_amount BETWEEN 0 AND i.quantity * i.unit_price
  AND i.returned_quantity BETWEEN 0 AND i.quantity
  AND NOT EXISTS (SELECT 1 FROM shop.order_items AS d
                  WHERE d.order_id = i.order_id AND d.line_number = i.line_number
                    AND d.order_item_id < i.order_item_id)
GROUP BY 1
