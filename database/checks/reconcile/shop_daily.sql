-- Reconciliation, shop side: per order day (São Paulo time), non-cancelled orders only, every day.
-- Lines that the warehouse rejects by rule are excluded the same way the screens do,
-- so the comparison is exact: the rules here mirror etl.load_fact_vendas' screens
-- (shop_daily__days.sql is the same for chosen days; keep the two in step).
SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       sum(i.quantity * i.unit_price - i.discount_amount)       AS receita,
       sum(i.quantity * coalesce(i.unit_cost, 0))               AS custo,
       sum(i.quantity)                                          AS quantidade,
       count(DISTINCT o.order_id)                               AS pedidos
FROM shop.orders AS o
JOIN shop.order_items AS i ON i.order_id = o.order_id
WHERE o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
  AND i.quantity > 0 AND i.unit_price >= 0
  AND i.discount_amount BETWEEN 0 AND i.quantity * i.unit_price
  AND i.returned_quantity BETWEEN 0 AND i.quantity
  AND NOT EXISTS (SELECT 1 FROM shop.order_items AS d
                  WHERE d.order_id = i.order_id AND d.line_number = i.line_number
                    AND d.order_item_id < i.order_item_id)
GROUP BY 1
