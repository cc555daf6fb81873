-- Extraction into stg.order_lines: every order line whose line OR whose order changed in
-- (since, until], joined with its order (order_found = false for an orphan line).
-- Incremental window: two index range scans (order_items.updated_at, orders.updated_at) instead
-- of an OR. Whole history (since = -infinity: a first load, a rebuild): those "ranges" are the
-- whole tables, and the union of 2M ids sorted and merged back cost 19.7 s at scale 1 against 6.8 s
-- for one hash join of the two tables with the OR as a filter. The parameters are literals (COPY is
-- bound client-side), so the planner drops the branch whose guard is false.
WITH changed AS (
    SELECT order_item_id
    FROM shop.order_items
    WHERE updated_at > %(since)s AND updated_at <= %(until)s
    UNION
    SELECT oi.order_item_id
    FROM shop.orders AS o
    JOIN shop.order_items AS oi ON oi.order_id = o.order_id
    WHERE o.updated_at > %(since)s AND o.updated_at <= %(until)s
)
SELECT oi.order_item_id, oi.order_id, oi.line_number, oi.product_id,
       coalesce(oi.seller_id, o.seller_id) AS seller_id,
       o.customer_id, o.status, o.ordered_at, o.discount_id,
       oi.quantity, oi.unit_price, oi.unit_cost, oi.discount_amount, oi.freight_value,
       oi.returned_quantity, oi.returned_at,
       o.order_id IS NOT NULL AS order_found,
       greatest(oi.updated_at, o.updated_at) AS updated_at
FROM changed
JOIN shop.order_items AS oi USING (order_item_id)
LEFT JOIN shop.orders AS o ON o.order_id = oi.order_id
WHERE %(since)s::timestamptz > '-infinity'::timestamptz
UNION ALL
SELECT oi.order_item_id, oi.order_id, oi.line_number, oi.product_id,
       coalesce(oi.seller_id, o.seller_id) AS seller_id,
       o.customer_id, o.status, o.ordered_at, o.discount_id,
       oi.quantity, oi.unit_price, oi.unit_cost, oi.discount_amount, oi.freight_value,
       oi.returned_quantity, oi.returned_at,
       o.order_id IS NOT NULL AS order_found,
       greatest(oi.updated_at, o.updated_at) AS updated_at
FROM shop.order_items AS oi
LEFT JOIN shop.orders AS o ON o.order_id = oi.order_id
WHERE %(since)s::timestamptz = '-infinity'::timestamptz
  AND (oi.updated_at <= %(until)s OR o.updated_at <= %(until)s)
