-- Reprocessing extraction into stg.order_lines: EVERY line of the orders placed in
-- [date_from, date_to] (Sao Paulo dates), whatever their updated_at.
SELECT oi.order_item_id, oi.order_id, oi.line_number, oi.product_id,
       coalesce(oi.seller_id, o.seller_id) AS seller_id,
       o.customer_id, o.status, o.ordered_at, o.discount_id,
       oi.quantity, oi.unit_price, oi.unit_cost, oi.discount_amount, oi.freight_value,
       oi.returned_quantity, oi.returned_at,
       true AS order_found,
       greatest(oi.updated_at, o.updated_at) AS updated_at
FROM shop.orders AS o
JOIN shop.order_items AS oi ON oi.order_id = o.order_id
WHERE o.ordered_at >= (%(date_from)s::date)::timestamp AT TIME ZONE 'America/Sao_Paulo'
  AND o.ordered_at <  (%(date_to)s::date + 1)::timestamp AT TIME ZONE 'America/Sao_Paulo'
