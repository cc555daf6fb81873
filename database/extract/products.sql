-- Extraction into stg.products: every state of a product RECORDED in (since, until] (recorded_at), from
-- the shop's change log shop.products_history (oltp V002), with its history_id (write order); its
-- effective time (updated_at) may lie long before the window (a late-recorded change).
SELECT product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id
FROM shop.products_history
WHERE recorded_at > %(since)s AND recorded_at <= %(until)s
