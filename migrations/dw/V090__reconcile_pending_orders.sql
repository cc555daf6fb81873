-- V090 (dw): reconciliation owed order by order, not day by day.
-- A daily load changes a few thousand orders spread over 30-40 days (returns, cancellations,
-- late lines on old orders). Re-adding every order of those days in the shop cost about a second
-- at scale 1 and grows with the size of a day; comparing the orders the load changed costs
-- what the change costs. So a load now records, in the fact_vendas transaction:
--   - ctl.reconcile_pending_order: every order whose reconciled figures may have changed (the old
--     and new order of each line inserted, deleted or changed in an aggregated column);
--   - ctl.reconcile_pending.por_pedido = true for their days: "reconcile this day's listed orders".
-- A day recorded with por_pedido = false (a reprocess, a catch-up with too many orders, a day
-- added by hand) is reconciled whole, as before; whole wins when both are recorded.
-- Rows leave both tables only when a quality gate has reconciled them (harness/quality.py).
-- Grain: one row per order (text key, shop order_id = fact pedido_id).
-- Rerun: plain DDL, applied once by the migration runner.
ALTER TABLE ctl.reconcile_pending ADD COLUMN por_pedido boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN ctl.reconcile_pending.por_pedido IS
    'true: only the orders listed in ctl.reconcile_pending_order changed on this day; false: reconcile the whole day.';

CREATE TABLE ctl.reconcile_pending_order (
    pedido_id  text        PRIMARY KEY,
    run_id     bigint,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE ctl.reconcile_pending_order IS
    'Orders changed by a load and not yet reconciled with the shop by a passing quality gate.';
