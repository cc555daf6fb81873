-- V003 (oltp): the warehouse extracts the change logs by the time a state was written
-- (recorded_at, DEFAULT now(): the writing transaction's start), no longer by its effective time
-- (updated_at, which a late-recorded change sets in the past). An index on recorded_at serves
-- that window; the updated_at indexes served only the old window and go.
CREATE INDEX customers_history_recorded_at ON shop.customers_history (recorded_at);
CREATE INDEX products_history_recorded_at ON shop.products_history (recorded_at);
CREATE INDEX sellers_history_recorded_at ON shop.sellers_history (recorded_at);
DROP INDEX shop.customers_history_updated_at;
DROP INDEX shop.products_history_updated_at;
DROP INDEX shop.sellers_history_updated_at;

COMMENT ON COLUMN shop.customers_history.recorded_at IS
    'When the state was written (start of the writing transaction); the warehouse extracts by it.';
COMMENT ON COLUMN shop.products_history.recorded_at IS
    'When the state was written (start of the writing transaction); the warehouse extracts by it.';
COMMENT ON COLUMN shop.sellers_history.recorded_at IS
    'When the state was written (start of the writing transaction); the warehouse extracts by it.';
COMMENT ON COLUMN shop.customers_history.updated_at IS
    'Effective time of the state (the row''s updated_at; set in the past by a late-recorded change).';
COMMENT ON COLUMN shop.products_history.updated_at IS
    'Effective time of the state (the row''s updated_at; set in the past by a late-recorded change).';
COMMENT ON COLUMN shop.sellers_history.updated_at IS
    'Effective time of the state (the row''s updated_at; set in the past by a late-recorded change).';
