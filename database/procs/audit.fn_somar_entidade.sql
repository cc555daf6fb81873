-- audit.fn_somar_entidade: write or add to a run's audit.etl_run_entity row while the run runs.
-- Purpose: the load procedures' accounting (etl_writer has no UPDATE on audit): the first call
--   for (run, entity) inserts the row, later ones add their counts (a reprocess loads a period
--   in windows; two refreshes share 'agg_vendas_diarias'; a dimension adds re-bound facts)
--   and move watermark_to when given. Refused (object_not_in_prerequisite_state, 55000) once
--   the run has ended, unless the session user is a superuser (test fixtures).
--   The CHECK read = inserted + updated + unchanged + rejected holds for the sums.
--   rows_rejected_first is replaced when given (the caller recounts the run's new problems);
--   valor_lido / valor_rejeitado (facts) are added.
-- Grain: one (run, entity) per call.  Rerun: adds again.  SECURITY DEFINER.  Does not commit.
DROP FUNCTION IF EXISTS audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                                bigint, bigint, timestamptz, timestamptz);
CREATE OR REPLACE FUNCTION audit.fn_somar_entidade(p_run_id bigint, p_entity text, p_started_at timestamptz,
                                                   p_rows_read bigint DEFAULT 0, p_rows_inserted bigint DEFAULT 0,
                                                   p_rows_updated bigint DEFAULT 0, p_rows_deleted bigint DEFAULT 0,
                                                   p_rows_unchanged bigint DEFAULT 0, p_rows_rejected bigint DEFAULT 0,
                                                   p_rows_rebound bigint DEFAULT 0,
                                                   p_watermark_from timestamptz DEFAULT NULL,
                                                   p_watermark_to timestamptz DEFAULT NULL,
                                                   p_rows_rejected_first bigint DEFAULT NULL,
                                                   p_valor_lido numeric DEFAULT NULL,
                                                   p_valor_rejeitado numeric DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    SELECT r.status INTO v_status FROM audit.etl_run AS r WHERE r.run_id = p_run_id;
    IF v_status IS DISTINCT FROM 'running'
       AND NOT (SELECT a.rolsuper FROM pg_roles AS a WHERE a.rolname = session_user) THEN
        RAISE EXCEPTION 'run % is not running (status %): its entity counts are closed',
                        p_run_id, coalesce(v_status, 'unknown')
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO audit.etl_run_entity AS e (run_id, entity, rows_read, rows_inserted, rows_updated, rows_deleted,
                                           rows_unchanged, rows_rejected, rows_rebound, watermark_from,
                                           watermark_to, started_at, rows_rejected_first, valor_lido, valor_rejeitado)
    VALUES (p_run_id, p_entity, p_rows_read, p_rows_inserted, p_rows_updated, p_rows_deleted, p_rows_unchanged,
            p_rows_rejected, p_rows_rebound, p_watermark_from, p_watermark_to, p_started_at,
            coalesce(p_rows_rejected_first, 0), p_valor_lido, p_valor_rejeitado)
    ON CONFLICT (run_id, entity) DO UPDATE
       SET rows_read      = e.rows_read      + excluded.rows_read,
           rows_inserted  = e.rows_inserted  + excluded.rows_inserted,
           rows_updated   = e.rows_updated   + excluded.rows_updated,
           rows_deleted   = e.rows_deleted   + excluded.rows_deleted,
           rows_unchanged = e.rows_unchanged + excluded.rows_unchanged,
           rows_rejected  = e.rows_rejected  + excluded.rows_rejected,
           rows_rebound   = e.rows_rebound   + excluded.rows_rebound,
           rows_rejected_first = coalesce(p_rows_rejected_first, e.rows_rejected_first),
           valor_lido      = CASE WHEN e.valor_lido IS NULL AND excluded.valor_lido IS NULL THEN NULL
                                  ELSE coalesce(e.valor_lido, 0) + coalesce(excluded.valor_lido, 0) END,
           valor_rejeitado = CASE WHEN e.valor_rejeitado IS NULL AND excluded.valor_rejeitado IS NULL THEN NULL
                                  ELSE coalesce(e.valor_rejeitado, 0) + coalesce(excluded.valor_rejeitado, 0) END,
           watermark_to   = coalesce(excluded.watermark_to, e.watermark_to),
           finished_at    = clock_timestamp();
END
$$;
REVOKE ALL ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                               bigint, bigint, timestamptz, timestamptz, bigint, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                                  bigint, bigint, timestamptz, timestamptz, bigint, numeric, numeric) TO etl_writer;
COMMENT ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                            bigint, bigint, timestamptz, timestamptz, bigint, numeric, numeric) IS
    'Insere ou soma as contagens de uma entidade numa execução em curso (SECURITY DEFINER).';
