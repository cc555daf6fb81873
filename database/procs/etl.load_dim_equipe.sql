-- etl.load_dim_equipe: loads dim.dim_equipe (type 1) from stg.teams.
-- Source: stg.teams (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_equipe; grain: one row per team (equipe_id).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_equipe(run_id, watermark_to), after
--   etl.load_dim_regiao, one transaction per entity. p_reprocess_from/to are checked but ignored.
-- Screens (audit.rejected_rows, entity 'dim_equipe', each (key, rule, content) once), first wins:
--   null_key (team_id NULL), reserved_key (team_id = '-1'), key_too_long (team_id or region_id
--   longer than 200 characters). Blank/NULL name is kept as 'Não informado' (not a rejection).
--   Open rejects of keys whose latest staged row is accepted are resolved (etl.resolver_rejeicoes).
-- References: regiao_sk from dim.dim_regiao by region_id; a region not loaded yet becomes an
--   inferred region (etl.ensure_inferred_regioes); NULL region_id -> unknown member -1.
-- Load: dedup by team_id (latest updated_at wins; losers count as unchanged); MERGE updating only
--   changed rows (name, region, inferido); an inferred team is completed (inferido -> false) and
--   that counts as an update.  Audit: read = inserted + updated + unchanged + rejected (new ones).
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_equipe(p_run_id bigint, p_watermark_to timestamptz,
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

    -- screens first: the inferred regions come from accepted rows only
    IF to_regclass('pg_temp.etl_triagem_equipe') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_triagem_equipe;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_triagem_equipe ON COMMIT DROP AS
    SELECT s.*,
           CASE WHEN s.team_id IS NULL THEN 'null_key'
                WHEN s.team_id = '-1' THEN 'reserved_key'
                WHEN length(s.team_id) > 200 OR length(s.region_id) > 200 THEN 'key_too_long' END AS rule,
           row_number() OVER (PARTITION BY s.team_id ORDER BY s.updated_at DESC NULLS LAST) = 1 AS ultima
    FROM stg.teams AS s;

    PERFORM etl.ensure_inferred_regioes(p_run_id, ARRAY(
        SELECT DISTINCT s.region_id FROM pg_temp.etl_triagem_equipe AS s
        WHERE s.rule IS NULL AND s.region_id IS NOT NULL));

    WITH screened AS (
        SELECT s.team_id,
               coalesce(nullif(btrim(s.name), ''), 'Não informado') AS nome,
               s.region_id,
               s.updated_at,
               s.rule,
               s.ultima,
               CASE WHEN s.rule IS NOT NULL THEN etl.json_linha(s) - 'rule' - 'ultima' END AS raw  -- the staged row
        FROM pg_temp.etl_triagem_equipe AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_equipe', x.team_id, x.rule, x.raw
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_equipe AS t
        USING (SELECT d.team_id, d.nome, d.region_id, coalesce(r.regiao_sk, -1) AS regiao_sk
               FROM (SELECT DISTINCT ON (x.team_id) x.team_id, x.nome, x.region_id
                     FROM screened AS x
                     WHERE x.rule IS NULL
                     ORDER BY x.team_id, x.updated_at DESC NULLS LAST) AS d
               LEFT JOIN dim.dim_regiao AS r ON r.regiao_id = d.region_id) AS s
        ON t.equipe_id = s.team_id
        WHEN MATCHED AND (t.nome, t.regiao_id, t.regiao_sk, t.inferido)
                         IS DISTINCT FROM (s.nome, s.region_id, s.regiao_sk, false) THEN
            UPDATE SET nome = s.nome, regiao_id = s.region_id, regiao_sk = s.regiao_sk,
                       inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (equipe_id, nome, regiao_id, regiao_sk, inferido, inserted_run_id)
            VALUES (s.team_id, s.nome, s.region_id, s.regiao_sk, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m),
           ARRAY(SELECT x.team_id FROM screened AS x WHERE x.ultima AND x.rule IS NULL)
      INTO v_read, v_rejected, v_inserted, v_updated, v_aceitas;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_equipe', v_aceitas);

    CALL etl.finish_entity(p_run_id, 'dim_equipe', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_equipe(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_equipe a partir de stg.teams, resolvendo a região (inferida se desconhecida, -1 se nula); não faz COMMIT.';
