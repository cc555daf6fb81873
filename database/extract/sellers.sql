-- Extraction of shop.sellers changed in (since, until] into stg.sellers.
SELECT seller_id, name, team_id, city, state, hired_on, updated_at
FROM shop.sellers
WHERE updated_at > %(since)s AND updated_at <= %(until)s
