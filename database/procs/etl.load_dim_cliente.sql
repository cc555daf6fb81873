-- etl.load_dim_cliente: loads dim.dim_cliente (type 1) from stg.customers.
-- Source: stg.customers (extraction window; region_id already resolved from the state by the
--   extraction query). Target: dim.dim_cliente; grain: one row per customer (cliente_id).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_cliente(run_id, watermark_to), after
--   etl.load_dim_regiao, one transaction per entity. p_reprocess_from/to are checked but ignored.
-- Screens (audit.rejected_rows, entity 'dim_cliente'): null_key (customer_id NULL), reserved_key
--   (customer_id = '-1'). Blank/NULL name is kept as 'Não informado' (not a rejection).
-- References: regiao_sk from dim.dim_regiao by region_id; unknown region -> inferred region;
--   NULL region_id -> unknown member -1.
-- Load: dedup by customer_id (latest updated_at wins; losers count as unchanged); MERGE updating
--   only changed rows; an inferred customer (created by a fact) is completed (inferido -> false),
--   counted as an update.  Audit: read = inserted + updated + unchanged + rejected.
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_cliente(p_run_id bigint, p_watermark_to timestamptz,
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
    ANALYZE stg.customers;  -- can be large (first load): let the planner see its size

    PERFORM etl.ensure_inferred_regioes(p_run_id, ARRAY(
        SELECT DISTINCT s.region_id FROM stg.customers AS s
        WHERE s.customer_id IS NOT NULL AND s.customer_id <> '-1' AND s.region_id IS NOT NULL));

    WITH screened AS (
        SELECT s.customer_id, s.customer_unique_id,
               coalesce(nullif(btrim(s.name), ''), 'Não informado') AS nome,
               s.city, s.state, s.region_id, s.segment,
               s.updated_at,
               CASE WHEN s.customer_id IS NULL THEN 'null_key'
                    WHEN s.customer_id = '-1' THEN 'reserved_key' END AS rule,
               s AS src
        FROM stg.customers AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_cliente', x.customer_id, x.rule, to_jsonb(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_cliente AS t
        USING (SELECT d.customer_id, d.customer_unique_id, d.nome, d.city, d.state, d.region_id,
                      coalesce(r.regiao_sk, -1) AS regiao_sk, d.segment
               FROM (SELECT DISTINCT ON (x.customer_id) x.customer_id, x.customer_unique_id, x.nome, x.city,
                                                       x.state, x.region_id, x.segment
                     FROM screened AS x
                     WHERE x.rule IS NULL
                     ORDER BY x.customer_id, x.updated_at DESC NULLS LAST) AS d
               LEFT JOIN dim.dim_regiao AS r ON r.regiao_id = d.region_id) AS s
        ON t.cliente_id = s.customer_id
        WHEN MATCHED AND (t.cliente_unico_id, t.nome, t.cidade, t.uf, t.regiao_id, t.regiao_sk, t.segmento, t.inferido)
                         IS DISTINCT FROM
                         (s.customer_unique_id, s.nome, s.city, s.state, s.region_id, s.regiao_sk, s.segment, false) THEN
            UPDATE SET cliente_unico_id = s.customer_unique_id, nome = s.nome, cidade = s.city, uf = s.state,
                       regiao_id = s.region_id, regiao_sk = s.regiao_sk, segmento = s.segment,
                       inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (cliente_id, cliente_unico_id, nome, cidade, uf, regiao_id, regiao_sk, segmento,
                    inferido, inserted_run_id)
            VALUES (s.customer_id, s.customer_unique_id, s.nome, s.city, s.state, s.region_id, s.regiao_sk,
                    s.segment, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m)
      INTO v_read, v_rejected, v_inserted, v_updated;

    CALL etl.finish_entity(p_run_id, 'dim_cliente', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_cliente(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_cliente a partir de stg.customers, resolvendo a região (inferida se desconhecida, -1 se nula); não faz COMMIT.';
