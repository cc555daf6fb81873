-- Extraction into stg.customers: every state of a customer written in (since, until], from the
-- shop's change log shop.customers_history (oltp V002), with its history_id (write order), so
-- several changes between two loads arrive as several states. The region is resolved from the
-- state's UF (shop.states).
SELECT h.customer_id, h.customer_unique_id, h.name, h.city, h.state, s.region_id, h.segment, h.updated_at,
       h.history_id
FROM shop.customers_history AS h
LEFT JOIN shop.states AS s ON s.state = h.state
WHERE h.updated_at > %(since)s AND h.updated_at <= %(until)s
