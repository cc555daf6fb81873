-- etl.load_dim_produto: loads dim.dim_produto (type 1) from stg.products.
-- Source: stg.products (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_produto; grain: one row per product (produto_id).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_produto(run_id, watermark_to), one
--   transaction per entity. p_reprocess_from/to are checked but ignored.
-- Screens (audit.rejected_rows, entity 'dim_produto'), first failing rule wins:
--   null_key        product_id IS NULL
--   reserved_key    product_id = '-1'
--   negative_price  list_price < 0 or unit_cost < 0
--   Blank/NULL name is kept as 'Não informado' (not a rejection); NULL category/price/cost are kept.
-- Load: dedup by product_id (latest updated_at wins; losers count as unchanged); MERGE updating
--   only changed rows; an inferred product (created by a fact) is completed (inferido -> false),
--   counted as an update.  Audit: read = inserted + updated + unchanged + rejected.
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_produto(p_run_id bigint, p_watermark_to timestamptz,
                                                 p_reprocess_from date DEFAULT NULL,
                                                 p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_rejected bigint;
    v_inserted bigint;
    v_updated  bigint;
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);

    WITH screened AS (
        SELECT s.product_id,
               coalesce(nullif(btrim(s.name), ''), 'Não informado') AS nome,
               s.category, s.subcategory, s.list_price, s.unit_cost,
               s.updated_at,
               CASE WHEN s.product_id IS NULL THEN 'null_key'
                    WHEN s.product_id = '-1' THEN 'reserved_key'
                    WHEN s.list_price < 0 OR s.unit_cost < 0 THEN 'negative_price' END AS rule,
               s AS src
        FROM stg.products AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_produto', x.product_id, x.rule, to_jsonb(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_produto AS t
        USING (SELECT DISTINCT ON (x.product_id) x.product_id, x.nome, x.category, x.subcategory,
                                                 x.list_price, x.unit_cost
               FROM screened AS x
               WHERE x.rule IS NULL
               ORDER BY x.product_id, x.updated_at DESC NULLS LAST) AS s
        ON t.produto_id = s.product_id
        WHEN MATCHED AND (t.nome, t.categoria, t.subcategoria, t.preco_lista, t.custo_unitario, t.inferido)
                         IS DISTINCT FROM (s.nome, s.category, s.subcategory, s.list_price, s.unit_cost, false) THEN
            UPDATE SET nome = s.nome, categoria = s.category, subcategoria = s.subcategory,
                       preco_lista = s.list_price, custo_unitario = s.unit_cost,
                       inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido, inserted_run_id)
            VALUES (s.product_id, s.nome, s.category, s.subcategory, s.list_price, s.unit_cost, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m)
      INTO v_read, v_rejected, v_inserted, v_updated;

    CALL etl.finish_entity(p_run_id, 'dim_produto', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_produto(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_produto a partir de stg.products (rejeita chave nula/reservada e preço/custo negativo); não faz COMMIT.';
