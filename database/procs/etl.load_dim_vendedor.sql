-- etl.load_dim_vendedor: loads dim.dim_vendedor (type 1) from stg.sellers.
-- Source: stg.sellers (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_vendedor; grain: one row per seller (vendedor_id).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_vendedor(run_id, watermark_to), after
--   etl.load_dim_equipe, one transaction per entity. p_reprocess_from/to are checked but ignored.
-- Screens (audit.rejected_rows, entity 'dim_vendedor'): null_key (seller_id NULL), reserved_key
--   (seller_id = '-1'). Blank/NULL name is kept as 'Não informado' (not a rejection).
-- References: equipe_sk from dim.dim_equipe by team_id; a team not loaded yet becomes an inferred
--   team (etl.ensure_inferred_equipes, region -1); NULL team_id -> unknown member -1.
-- Load: dedup by seller_id (latest updated_at wins; losers count as unchanged); MERGE updating only
--   changed rows; an inferred seller (created by a fact) is completed (inferido -> false) and that
--   counts as an update.  Facts keep the equipe_sk they were loaded with (type 1 on the dimension,
--   the fact row is re-resolved only when the line or its order changes).
-- Audit: read = inserted + updated + unchanged + rejected.  Rerun: no change.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_vendedor(p_run_id bigint, p_watermark_to timestamptz,
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

    PERFORM etl.ensure_inferred_equipes(p_run_id, ARRAY(
        SELECT DISTINCT s.team_id FROM stg.sellers AS s
        WHERE s.seller_id IS NOT NULL AND s.seller_id <> '-1' AND s.team_id IS NOT NULL));

    WITH screened AS (
        SELECT s.seller_id,
               coalesce(nullif(btrim(s.name), ''), 'Não informado') AS nome,
               s.team_id, s.city, s.state, s.hired_on,
               s.updated_at,
               CASE WHEN s.seller_id IS NULL THEN 'null_key'
                    WHEN s.seller_id = '-1' THEN 'reserved_key' END AS rule,
               s AS src
        FROM stg.sellers AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_vendedor', x.seller_id, x.rule, to_jsonb(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_vendedor AS t
        USING (SELECT d.seller_id, d.nome, d.team_id, coalesce(e.equipe_sk, -1) AS equipe_sk,
                      d.city, d.state, d.hired_on
               FROM (SELECT DISTINCT ON (x.seller_id) x.seller_id, x.nome, x.team_id, x.city, x.state, x.hired_on
                     FROM screened AS x
                     WHERE x.rule IS NULL
                     ORDER BY x.seller_id, x.updated_at DESC NULLS LAST) AS d
               LEFT JOIN dim.dim_equipe AS e ON e.equipe_id = d.team_id) AS s
        ON t.vendedor_id = s.seller_id
        WHEN MATCHED AND (t.nome, t.equipe_id, t.equipe_sk, t.cidade, t.uf, t.contratado_em, t.inferido)
                         IS DISTINCT FROM (s.nome, s.team_id, s.equipe_sk, s.city, s.state, s.hired_on, false) THEN
            UPDATE SET nome = s.nome, equipe_id = s.team_id, equipe_sk = s.equipe_sk, cidade = s.city,
                       uf = s.state, contratado_em = s.hired_on, inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (vendedor_id, nome, equipe_id, equipe_sk, cidade, uf, contratado_em, inferido, inserted_run_id)
            VALUES (s.seller_id, s.nome, s.team_id, s.equipe_sk, s.city, s.state, s.hired_on, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m)
      INTO v_read, v_rejected, v_inserted, v_updated;

    CALL etl.finish_entity(p_run_id, 'dim_vendedor', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_vendedor(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_vendedor a partir de stg.sellers, resolvendo a equipe (inferida se desconhecida, -1 se nula); não faz COMMIT.';
