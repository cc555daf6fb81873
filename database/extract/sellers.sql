-- Extraction into stg.sellers: every state of a seller RECORDED in (since, until] (recorded_at), from
-- the shop's change log shop.sellers_history (oltp V002), with its history_id (write order); its
-- effective time (updated_at) may lie long before the window (a late-recorded change).
SELECT seller_id, name, team_id, city, state, hired_on, updated_at, history_id
FROM shop.sellers_history
WHERE recorded_at > %(since)s AND recorded_at <= %(until)s
