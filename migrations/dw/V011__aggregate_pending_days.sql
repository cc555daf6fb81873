-- V011 (dw): days whose sales aggregates must be recomputed, kept across transactions.
-- A product whose category changes (or an inferred product completed) changes how its
-- past sales group in mart.agg_vendas_diarias without any fact row changing. The
-- dim_produto load transaction records the days those products sold here; the
-- fact_vendas load transaction refreshes them (and the days its own changes touched)
-- and empties the table. Because both writes commit with the change that caused them,
-- a run that fails in between loses nothing: the next run refreshes what is pending.
CREATE TABLE ctl.agg_refresh_pending (
    data       date        PRIMARY KEY,
    reason     text        NOT NULL,
    run_id     bigint,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE ctl.agg_refresh_pending IS
    'Days whose mart aggregates are stale because a dimension attribute they group by changed; emptied by the fact_vendas load.';
