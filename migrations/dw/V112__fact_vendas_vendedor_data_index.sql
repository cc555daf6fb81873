-- V112 (dw): fact_vendas_vendedor becomes (vendedor_sk, data_sk): the same index name and leading
-- column, so every lookup by seller version is served as before.
-- Why: etl.refresh_agg_vendas_grupos recomputes the pending seller-days (day x region x team x
-- seller) of a daily load. It read them through fact_vendas_data (data_sk, regiao_sk), i.e. every
-- line of each pending day x region: at scale 10, 753,600 lines for the 4,431 seller-days of one
-- daily load (2.0 s), because with five regions a day's changes touch all of them. With the day in
-- this key it reads each seller-day's own lines (~10 at scale 10).
-- A first load builds it once through the bulk path (etl.bulk_load_begin/_end).
-- Rerun: plain DDL, applied once by the migration runner (a few seconds at scale 1).
DROP INDEX fact.fact_vendas_vendedor;
CREATE INDEX fact_vendas_vendedor ON fact.fact_vendas (vendedor_sk, data_sk);
