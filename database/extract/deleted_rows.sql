-- Extraction of shop.deleted_rows tombstones written in (since, until] into stg.deleted_rows.
SELECT deleted_row_id, table_name, row_key, updated_at
FROM shop.deleted_rows
WHERE updated_at > %(since)s AND updated_at <= %(until)s
