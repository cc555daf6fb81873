-- V111 (dw): fact_vendas_produto becomes (produto_sk, data_sk): the same index name and leading
-- column, so every lookup by product version is served as before.
-- Why: when products get new versions, etl.load_dim_produto re-binds the fact lines whose order day
-- falls outside the version they are bound to. With produto_sk alone it read every line of every
-- version of those products to find none: at scale 1, 61 products re-versioned by a daily load's
-- price changes meant 18.7k lines (25-30 ms); at scale 10, ten times that. With the day in the key
-- it reads only the lines dated before or after the version's interval (two range probes a version).
-- A first load builds it once through the bulk path (etl.bulk_load_begin/_end).
-- Rerun: plain DDL, applied once by the migration runner (about 1 s at scale 1).
DROP INDEX fact.fact_vendas_produto;
CREATE INDEX fact_vendas_produto ON fact.fact_vendas (produto_sk, data_sk);
