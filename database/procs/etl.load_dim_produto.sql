-- etl.load_dim_produto: loads dim.dim_produto (SCD type 2) from stg.products.
-- Source: stg.products (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_produto; grain: one row per VERSION of a product (produto_id, valido_de),
--   versions valid on half-open business-day intervals [valido_de, valido_ate).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_produto(run_id, watermark_to), one
--   transaction per entity. p_reprocess_from/to are checked but ignored.
-- Tracked (type 2): categoria, subcategoria, custo_unitario (rule: any change of the unit cost,
--   to the cent, opens a version; the cost of each sale is in the fact already, custo_total from
--   the line's own unit_cost, so the version tells which catalogue cost held on the sale day).
--   Type 1 (overwritten on every version of the key): nome, preco_lista.
-- Effective date of a change: the staged row's updated_at as a date in America/Sao_Paulo. The
--   shop keeps only the latest state: changes between two loads collapse into one version.
-- Screens (audit.rejected_rows, entity 'dim_produto'), first failing rule wins:
--   null_key        product_id IS NULL
--   reserved_key    product_id = '-1'
--   negative_price  list_price < 0 or unit_cost < 0
--   Blank/NULL name is kept as 'Não informado' (not a rejection); NULL category/price/cost are kept.
-- Load: dedup by product_id (latest updated_at wins; losers count as unchanged), compared with the
--   current version: new key -> first version [-infinity, infinity) (inserted); inferred current
--   version -> completed in place (updated); tracked change with an effective day after the
--   current valido_de -> current closed, version n+1 opened (inserted); tracked change dated on or
--   before it -> current corrected in place (updated); type-1 change -> every version overwritten
--   (updated); else nothing (unchanged).
-- Re-binding: fact.fact_vendas lines of a key whose tracked attributes changed get the version
--   valid on their order day (produto_sk; fact_descontos follows); their days go to
--   ctl.agg_refresh_pending (the aggregate groups by the version's categoria). A backdated change
--   thus moves the facts already loaded after its effective day.
-- Audit: read = inserted + updated + unchanged + rejected.
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
    v_count    bigint;
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);

    SELECT count(*) INTO v_read FROM stg.products;
    INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
    SELECT p_run_id, 'dim_produto', s.product_id,
           CASE WHEN s.product_id IS NULL THEN 'null_key'
                WHEN s.product_id = '-1' THEN 'reserved_key'
                ELSE 'negative_price' END, to_jsonb(s)
    FROM stg.products AS s
    WHERE s.product_id IS NULL OR s.product_id = '-1' OR s.list_price < 0 OR s.unit_cost < 0;
    GET DIAGNOSTICS v_rejected = ROW_COUNT;

    IF to_regclass('pg_temp.etl_scd_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_scd_produto;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_scd_produto ON COMMIT DROP AS
    SELECT s.*, c.produto_sk AS atual_sk, c.versao AS atual_versao,
           CASE WHEN c.produto_sk IS NULL THEN 'nova_chave'
                WHEN c.inferido THEN 'inferido_completado'
                WHEN (c.categoria, c.subcategoria, c.custo_unitario)
                     IS DISTINCT FROM (s.category, s.subcategory, s.unit_cost)
                    THEN CASE WHEN s.efetivo > c.valido_de THEN 'nova_versao' ELSE 'versao_corrigida' END
                WHEN (c.nome, c.preco_lista) IS DISTINCT FROM (s.nome, s.list_price) THEN 'tipo1'
                ELSE 'igual' END AS acao
    FROM (SELECT DISTINCT ON (x.product_id) x.product_id,
                 coalesce(nullif(btrim(x.name), ''), 'Não informado') AS nome,
                 x.category, x.subcategory, x.list_price, x.unit_cost,
                 (coalesce(x.updated_at, p_watermark_to, now()) AT TIME ZONE 'America/Sao_Paulo')::date AS efetivo
          FROM stg.products AS x
          WHERE x.product_id IS NOT NULL AND x.product_id <> '-1'
            AND NOT coalesce(x.list_price < 0 OR x.unit_cost < 0, false)
          ORDER BY x.product_id, x.updated_at DESC NULLS LAST) AS s
    LEFT JOIN dim.dim_produto AS c ON c.produto_id = s.product_id AND c.eh_atual;

    WITH merged AS (
        MERGE INTO dim.dim_produto AS t
        USING (SELECT * FROM pg_temp.etl_scd_produto AS k WHERE k.acao <> 'igual') AS s
        ON t.produto_sk = s.atual_sk
        WHEN MATCHED AND s.acao = 'nova_versao' THEN
            UPDATE SET valido_ate = s.efetivo, eh_atual = false, nome = s.nome, preco_lista = s.list_price,
                       updated_run_id = p_run_id
        WHEN MATCHED THEN
            UPDATE SET nome = s.nome, categoria = s.category, subcategoria = s.subcategory,
                       preco_lista = s.list_price, custo_unitario = s.unit_cost,
                       inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido, inserted_run_id)
            VALUES (s.product_id, s.nome, s.category, s.subcategory, s.list_price, s.unit_cost, false, p_run_id)
        RETURNING merge_action() AS action, s.acao
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'),
           count(*) FILTER (WHERE m.action = 'UPDATE' AND m.acao <> 'nova_versao')
      INTO v_inserted, v_updated
      FROM merged AS m;

    INSERT INTO dim.dim_produto (produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido,
                                 valido_de, valido_ate, eh_atual, versao, inserted_run_id)
    SELECT k.product_id, k.nome, k.category, k.subcategory, k.list_price, k.unit_cost, false,
           k.efetivo, 'infinity', true, k.atual_versao + 1, p_run_id
    FROM pg_temp.etl_scd_produto AS k
    WHERE k.acao = 'nova_versao';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    UPDATE dim.dim_produto AS t
       SET nome = k.nome, preco_lista = k.list_price, updated_run_id = p_run_id
      FROM pg_temp.etl_scd_produto AS k
     WHERE k.acao <> 'igual' AND t.produto_id = k.product_id AND NOT t.eh_atual
       AND (t.nome, t.preco_lista) IS DISTINCT FROM (k.nome, k.list_price);

    IF to_regclass('pg_temp.etl_revinculo_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_revinculo_produto;
    END IF;
    CREATE TEMPORARY TABLE etl_revinculo_produto ON COMMIT DROP AS
    SELECT f.item_pedido_id, f.data_sk, v.produto_sk
    FROM pg_temp.etl_scd_produto AS k
    JOIN dim.dim_produto AS o ON o.produto_id = k.product_id
    JOIN fact.fact_vendas AS f ON f.produto_sk = o.produto_sk
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    JOIN dim.dim_produto AS v ON v.produto_id = k.product_id AND d.data >= v.valido_de AND d.data < v.valido_ate
    WHERE k.acao IN ('nova_versao', 'versao_corrigida', 'inferido_completado')
      AND f.produto_sk IS DISTINCT FROM v.produto_sk;

    UPDATE fact.fact_vendas AS f
       SET produto_sk = r.produto_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_produto AS r
     WHERE f.item_pedido_id = r.item_pedido_id;
    UPDATE fact.fact_descontos AS f
       SET produto_sk = r.produto_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_produto AS r
     WHERE f.item_pedido_id = r.item_pedido_id AND f.produto_sk IS DISTINCT FROM r.produto_sk;
    -- re-bound days, and the days of versions changed in place (completed/corrected category)
    INSERT INTO ctl.agg_refresh_pending (data, reason, run_id)
    SELECT DISTINCT d.data, 'vendas re-vinculadas a outra versão de produto', p_run_id
    FROM pg_temp.etl_revinculo_produto AS r
    JOIN dim.dim_data AS d ON d.data_sk = r.data_sk
    UNION
    SELECT d.data, 'versão de produto corrigida no lugar', p_run_id
    FROM pg_temp.etl_scd_produto AS k
    JOIN fact.fact_vendas AS f ON f.produto_sk = k.atual_sk
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    WHERE k.acao IN ('versao_corrigida', 'inferido_completado')
    ON CONFLICT (data) DO NOTHING;

    CALL etl.finish_entity(p_run_id, 'dim_produto', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_produto(bigint, timestamptz, date, date) IS
    'Carga tipo 2 de dim.dim_produto a partir de stg.products (categoria, subcategoria e custo rastreados; '
    'nome e preço de lista tipo 1), re-vinculando as vendas à versão do dia do pedido; não faz COMMIT.';
