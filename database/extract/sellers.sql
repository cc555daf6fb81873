-- Extraction into stg.sellers: every state of a seller written in (since, until], from the
-- shop's change log shop.sellers_history (oltp V002), with its history_id (write order).
SELECT seller_id, name, team_id, city, state, hired_on, updated_at, history_id
FROM shop.sellers_history
WHERE updated_at > %(since)s AND updated_at <= %(until)s
