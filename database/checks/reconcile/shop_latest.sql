-- Freshness, shop side: the latest day (São Paulo time) of a non-cancelled order with an acceptable
-- line, and the latest month of an acceptable sales target, under the load's own rules
-- (/*regra:...*/: etl.regra_linha_venda's and etl.regra_meta's CASE, spliced by harness/screens.py).
-- An order dated infinity or 9999-12-31 is not a day the warehouse owes. The day walks
-- orders_ordered_at backwards from the calendar's last day (no whole-table max); the targets are few.
SELECT (SELECT (o.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date
        FROM shop.orders AS o
        WHERE o.ordered_at < (%(data_max)s::date + 1)::timestamp AT TIME ZONE 'America/Sao_Paulo'
          AND o.ordered_at >= (%(data_min)s::date)::timestamp AT TIME ZONE 'America/Sao_Paulo'
          AND o.status IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered')
          AND EXISTS (SELECT 1
                      FROM (SELECT i.order_item_id, i.order_id, i.line_number, true AS order_found, o.status,
                                   o.ordered_at, o.customer_id, i.product_id, coalesce(i.seller_id, o.seller_id) AS seller_id,
                                   o.discount_id, i.quantity, i.unit_price, i.unit_cost, i.discount_amount,
                                   i.freight_value, i.returned_quantity, i.returned_at,
                                   %(data_min)s::date AS data_min, %(data_max)s::date AS data_max
                            FROM shop.order_items AS i WHERE i.order_id = o.order_id) AS l
                      WHERE /*regra:etl.regra_linha_venda*/ IS NULL)
        ORDER BY o.ordered_at DESC LIMIT 1) AS ultimo_dia,
       (SELECT max(date_trunc('month', m.month::timestamp)::date)
        FROM (SELECT t.seller_id, t.month, t.target_amount,
                     %(data_min)s::date AS data_min, %(data_max)s::date AS data_max
              FROM shop.sales_targets AS t) AS m
        WHERE /*regra:etl.regra_meta*/ IS NULL) AS ultimo_mes
