-- Reconciliation, shop side, order by order (the incremental gate's orders: ctl.reconcile_pending_order):
-- each order's day (São Paulo time), revenue, cost and quantity under the same rules as
-- shop_daily.sql (/*regra:...*/: etl.regra_linha_venda's CASE, spliced by harness/screens.py). An
-- order that is cancelled, gone, or has no acceptable line returns no row, as it has none in the warehouse.
-- Cost: one probe of orders' primary key and one of order_items_order_id per order; the duplicate
-- line rule reads the order's own lines (row_number) instead of probing the index again per line.
SELECT o.order_id AS pedido,
       (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       p.receita, p.custo, p.quantidade
FROM unnest(%(orders)s::text[]) AS k (order_id)
JOIN shop.orders AS o ON o.order_id = k.order_id
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
WHERE o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
  AND p.linhas > 0
