-- Reconciliation, shop side, order by order (the incremental gate's orders: ctl.reconcile_pending_order):
-- each order's day (São Paulo time), revenue, cost and quantity under the same rules as
-- shop_daily.sql (keep the three in step with etl.load_fact_vendas' screens). An order that is
-- cancelled, gone, or has no valid line returns no row, as it has none in the warehouse.
-- Cost: one probe of orders' primary key and one of order_items_order_id per order; the duplicate
-- line rule reads the order's own lines (row_number) instead of probing the index again per line.
SELECT o.order_id AS pedido,
       (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       p.receita, p.custo, p.quantidade
FROM unnest(%(orders)s::text[]) AS k (order_id)
JOIN shop.orders AS o ON o.order_id = k.order_id
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
      AND i.returned_quantity BETWEEN 0 AND i.quantity
) AS p
WHERE o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
  AND p.linhas > 0
