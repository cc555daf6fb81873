-- V021 (dw): days whose shop-vs-warehouse reconciliation is still owed.
-- The fact_vendas load records, in its own transaction, every order day its changes
-- touched; the daily quality gate reconciles those days (plus the latest week) and
-- removes them only when they match. A run that fails in between loses nothing: the
-- days stay pending until a gate has reconciled them. `harness quality` without
-- --incremental still reconciles every day.
CREATE TABLE ctl.reconcile_pending (
    data       date        PRIMARY KEY,
    run_id     bigint,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE ctl.reconcile_pending IS
    'Order days changed by a load and not yet reconciled with the shop by a passing quality gate.';
