-- etl.load_dim_regiao: loads dim.dim_regiao (type 1) from stg.regions.
-- Source: stg.regions (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_regiao; grain: one row per region (regiao_id).
-- Called by: harness load-daily / reprocess, as CALL etl.load_dim_regiao(run_id, watermark_to), one
--   transaction per entity (see BRIEF load contract). p_reprocess_from/to are checked but ignored:
--   a type-1 dimension has no date window.
-- Screens (rows go to audit.rejected_rows with entity 'dim_regiao', each (key, rule, content) once):
--   null_key      region_id IS NULL
--   reserved_key  region_id = '-1' (the unknown member's key; never overwritten from the source)
--   key_too_long  region_id longer than 200 characters (a btree entry holds about 2.7 kB)
--   A blank or NULL name is NOT a rejection: the row is kept with nome 'Não informado' (the key is
--   what facts need; the name can be fixed at the source and arrives with the next change).
--   Open rejects of keys whose latest staged row is accepted are resolved (etl.resolver_rejeicoes).
-- Load: dedup by region_id (latest updated_at wins; losers count as unchanged), MERGE updating
--   only changed rows; an inferred member (inferido = true) is completed by its real row
--   (inferido -> false) and counted as an update.
-- Audit: rows_read = stg rows; inserted/updated from merge_action(); rejected = new rejects;
--   unchanged = rest (a reject re-read by the overlap counts here).
-- Rerun: the same staging rows update nothing (counts 0 inserted/0 updated).  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_regiao(p_run_id bigint, p_watermark_to timestamptz,
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
    v_aceitas  text[];   -- keys whose latest staged row passed the screens
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);

    WITH screened AS (
        SELECT s.region_id,
               coalesce(nullif(btrim(s.name), ''), 'Não informado') AS nome,
               s.updated_at,
               CASE WHEN s.region_id IS NULL THEN 'null_key'
                    WHEN s.region_id = '-1' THEN 'reserved_key'
                    WHEN length(s.region_id) > 200 THEN 'key_too_long' END AS rule,
               row_number() OVER (PARTITION BY s.region_id ORDER BY s.updated_at DESC NULLS LAST) = 1 AS ultima,
               s AS src
        FROM stg.regions AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_regiao', x.region_id, x.rule, etl.json_linha(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_regiao AS t
        USING (SELECT DISTINCT ON (x.region_id) x.region_id, x.nome
               FROM screened AS x
               WHERE x.rule IS NULL
               ORDER BY x.region_id, x.updated_at DESC NULLS LAST) AS s
        ON t.regiao_id = s.region_id
        WHEN MATCHED AND (t.nome, t.inferido) IS DISTINCT FROM (s.nome, false) THEN
            UPDATE SET nome = s.nome, inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (regiao_id, nome, inferido, inserted_run_id)
            VALUES (s.region_id, s.nome, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m),
           ARRAY(SELECT x.region_id FROM screened AS x WHERE x.ultima AND x.rule IS NULL)
      INTO v_read, v_rejected, v_inserted, v_updated, v_aceitas;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_regiao', v_aceitas);

    CALL etl.finish_entity(p_run_id, 'dim_regiao', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_regiao(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_regiao a partir de stg.regions (MERGE só do que mudou; rejeita chave nula/reservada); não faz COMMIT.';
