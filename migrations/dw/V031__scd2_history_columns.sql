-- V031 (dw): what the type-2 loads need to apply several states of one key per load (issue 10).
-- stg.customers / stg.products / stg.sellers.history_id: the shop change-log row a staged
--   state comes from (oltp V002, write order); NULL for a state that does not come from the
--   change log (it is then ordered by updated_at).
-- dim_*.origem_historico_id: on the current version, the history_id of the last shop state
--   applied to the key. A load applies only the staged states newer than it, so re-extracting
--   states already applied (the overlap of the incremental window, a dimension reprocess)
--   changes nothing. NULL: nothing applied from the change log yet (unknown and inferred
--   members, keys loaded before V031).

ALTER TABLE stg.customers ADD COLUMN history_id bigint;
ALTER TABLE stg.products  ADD COLUMN history_id bigint;
ALTER TABLE stg.sellers   ADD COLUMN history_id bigint;

ALTER TABLE dim.dim_cliente  ADD COLUMN origem_historico_id bigint;
ALTER TABLE dim.dim_produto  ADD COLUMN origem_historico_id bigint;
ALTER TABLE dim.dim_vendedor ADD COLUMN origem_historico_id bigint;
COMMENT ON COLUMN dim.dim_cliente.origem_historico_id IS
    'history_id (shop.customers_history) do último estado da loja aplicado à chave; NULL se nenhum.';
COMMENT ON COLUMN dim.dim_produto.origem_historico_id IS
    'history_id (shop.products_history) do último estado da loja aplicado à chave; NULL se nenhum.';
COMMENT ON COLUMN dim.dim_vendedor.origem_historico_id IS
    'history_id (shop.sellers_history) do último estado da loja aplicado à chave; NULL se nenhum.';
