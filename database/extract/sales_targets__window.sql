-- Reprocessing extraction into stg.sales_targets: every goal of the months in [date_from, date_to].
SELECT seller_id, month, target_amount, updated_at
FROM shop.sales_targets
WHERE month >= date_trunc('month', %(date_from)s::date) AND month <= %(date_to)s::date
