-- Extraction into stg.customers: every state of a customer RECORDED in (since, until] (recorded_at),
-- from the shop's change log shop.customers_history (oltp V002), with its history_id (write order),
-- so several changes between two loads arrive as several states, and a state recorded late with an
-- effective time (updated_at, kept as the staged updated_at) long past still arrives. The region is
-- resolved from the state's UF (shop.states).
SELECT h.customer_id, h.customer_unique_id, h.name, h.city, h.state, s.region_id, h.segment, h.updated_at,
       h.history_id
FROM shop.customers_history AS h
LEFT JOIN shop.states AS s ON s.state = h.state
WHERE h.recorded_at > %(since)s AND h.recorded_at <= %(until)s
