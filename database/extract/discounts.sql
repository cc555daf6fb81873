-- Extraction of shop.discounts changed in (since, until] into stg.discounts.
SELECT discount_id, code, campaign, kind, value, valid_from, valid_to, campaign_cost, updated_at
FROM shop.discounts
WHERE updated_at > %(since)s AND updated_at <= %(until)s
