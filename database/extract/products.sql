-- Extraction into stg.products: every state of a product written in (since, until], from the
-- shop's change log shop.products_history (oltp V002), with its history_id (write order).
SELECT product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id
FROM shop.products_history
WHERE updated_at > %(since)s AND updated_at <= %(until)s
