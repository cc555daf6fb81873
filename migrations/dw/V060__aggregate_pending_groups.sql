-- V060 (dw): groups of the sales aggregates that changed lines fall into, kept until refreshed.
-- Purpose: the daily load changes a few thousand lines spread over 30-40 old days (returns,
--   cancellations, new lines of old orders); refreshing whole days rewrote ~1,400 daily-aggregate
--   rows per day for them. The loads that change fact.fact_vendas lines record here the key of
--   each line's old and new version (etl.load_fact_vendas, from MERGE/DELETE ... RETURNING old/new);
--   etl.refresh_agg_vendas_grupos recomputes exactly those groups from the fact and empties the
--   table. etl.refresh_agg_vendas_diarias (whole days) removes the rows of the days it rewrites.
-- Grain: order day (data_sk, -1 = unknown date) x customer region x team x seller: a seller-day.
--   The whole seller-day is recomputed (every category: pedidos_vendedor attributes an order to
--   the seller's smallest category, so one line can move another category's count); the day x
--   region of agg_pedidos_diarios and agg_descontos_diarios is the key's (data_sk, regiao_sk).
-- Lines cancelled in both versions are not recorded (no aggregate reads them).
-- Written in the same transaction as the fact change it stems from, so a failed run loses nothing.
-- Rerun: applied once (versioned).
CREATE TABLE ctl.agg_grupos_pendentes (
    data_sk     integer     NOT NULL,
    regiao_sk   integer     NOT NULL,
    equipe_sk   integer     NOT NULL,
    vendedor_sk integer     NOT NULL,
    run_id      bigint,
    PRIMARY KEY (data_sk, regiao_sk, equipe_sk, vendedor_sk)
);
COMMENT ON TABLE ctl.agg_grupos_pendentes IS
    'Grupos dia x região x equipe x vendedor dos agregados de vendas com linhas alteradas e ainda não '
    'recalculados; esvaziada por etl.refresh_agg_vendas_grupos (e, para dias inteiros, por etl.refresh_agg_vendas_diarias).';
