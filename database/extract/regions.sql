-- Extraction of shop.regions changed in (since, until] into stg.regions.
SELECT region_id, name, updated_at
FROM shop.regions
WHERE updated_at > %(since)s AND updated_at <= %(until)s
