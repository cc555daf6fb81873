-- Reconciliation, shop side: per order day (São Paulo time), non-cancelled orders only, every day.
-- A line counts as the load accepts it: /*regra:...*/ is replaced by etl.regra_linha_venda's CASE
-- (harness/screens.py: the load's own rules, over the columns named like the staged ones), then of the
-- acceptable lines sharing an order and a line number only the smallest id (the duplicate_line rule).
-- shop_daily__days.sql and shop_orders.sql compute the same figures for chosen days and orders.
WITH linhas AS (
    SELECT i.order_item_id, i.order_id, i.line_number, true AS order_found, o.status, o.ordered_at,
           o.customer_id, i.product_id, coalesce(i.seller_id, o.seller_id) AS seller_id, o.discount_id,
           i.quantity, i.unit_price, i.unit_cost, i.discount_amount, i.freight_value, i.returned_quantity,
           i.returned_at, %(data_min)s::date AS data_min, %(data_max)s::date AS data_max
    FROM shop.orders AS o
    JOIN shop.order_items AS i ON i.order_id = o.order_id
), aceitas AS (
    SELECT l.order_id, l.ordered_at, l.status, l.quantity, l.unit_price, l.unit_cost, l.discount_amount,
           row_number() OVER (PARTITION BY l.order_id, l.line_number ORDER BY l.order_item_id COLLATE "C") AS n
    FROM linhas AS l
    WHERE /*regra:etl.regra_linha_venda*/ IS NULL
)
SELECT (a.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS dia,
       sum(a.quantity * a.unit_price - a.discount_amount)       AS receita,
       sum(a.quantity * coalesce(a.unit_cost, 0))               AS custo,
       sum(a.quantity)                                          AS quantidade,
       count(DISTINCT a.order_id)                               AS pedidos
FROM aceitas AS a
WHERE a.n = 1 AND a.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
GROUP BY 1
