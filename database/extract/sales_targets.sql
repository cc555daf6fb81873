-- Extraction of shop.sales_targets changed in (since, until] into stg.sales_targets.
SELECT seller_id, month, target_amount, updated_at
FROM shop.sales_targets
WHERE updated_at > %(since)s AND updated_at <= %(until)s
