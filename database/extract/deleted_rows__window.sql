-- Reprocessing: no tombstones are needed (rows absent from the window's extraction are deleted).
SELECT deleted_row_id, table_name, row_key, updated_at
FROM shop.deleted_rows
WHERE false AND %(date_from)s::date IS NOT NULL AND %(date_to)s::date IS NOT NULL
