-- Extraction of shop.products changed in (since, until] into stg.products.
SELECT product_id, name, category, subcategory, list_price, unit_cost, updated_at
FROM shop.products
WHERE updated_at > %(since)s AND updated_at <= %(until)s
