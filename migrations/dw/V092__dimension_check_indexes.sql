-- V092 (dw): indexes for two quality checks that every load-daily runs, so a run that wrote
-- little checks little (issue 9: a rerun with nothing new under 0.5 s).
--   - chaves_naturais_duplicadas looks at the customers and products a run wrote
--     (inserted_run_id / updated_run_id): a parallel scan of the 233k customer versions per run
--     (35-45 ms at scale 1, growing with the dimension) becomes a probe of two small indexes.
--   - membros_inferidos_abertos lists inferred members: a partial index holds only them.
-- The first load builds them once through the bulk path (etl.bulk_load_begin/_end suspend and
-- re-create secondary indexes of an empty dimension).
-- Rerun: plain DDL, applied once by the migration runner.
CREATE INDEX dim_cliente_inserted_run ON dim.dim_cliente (inserted_run_id);
CREATE INDEX dim_cliente_updated_run  ON dim.dim_cliente (updated_run_id);
CREATE INDEX dim_produto_inserted_run ON dim.dim_produto (inserted_run_id);
CREATE INDEX dim_produto_updated_run  ON dim.dim_produto (updated_run_id);
CREATE INDEX dim_cliente_inferidos ON dim.dim_cliente (cliente_id) WHERE inferido;
CREATE INDEX dim_produto_inferidos ON dim.dim_produto (produto_id) WHERE inferido;
