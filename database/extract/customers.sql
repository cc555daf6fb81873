-- Extraction of shop.customers changed in (since, until] into stg.customers, with the
-- region resolved from the customer's state (shop.states).
SELECT c.customer_id, c.customer_unique_id, c.name, c.city, c.state, s.region_id, c.segment, c.updated_at
FROM shop.customers AS c
LEFT JOIN shop.states AS s ON s.state = c.state
WHERE c.updated_at > %(since)s AND c.updated_at <= %(until)s
