-- audit.fn_somar_entidade: write or add to a run's audit.etl_run_entity row while the run runs.
-- Purpose: the load procedures' accounting (etl_writer has no UPDATE on audit): the first call
--   for (run, entity) inserts the row, later ones add their counts (a reprocess loads a period
--   in windows; two refreshes share 'agg_vendas_diarias'; a dimension adds re-bound facts)
--   and move watermark_to when given. Refused (object_not_in_prerequisite_state, 55000) once
--   the run has ended, unless the session user is a superuser (test fixtures).
--   The CHECK read = inserted + updated + unchanged + rejected holds for the sums.
-- Grain: one (run, entity) per call.  Rerun: adds again.  SECURITY DEFINER.  Does not commit.
CREATE OR REPLACE FUNCTION audit.fn_somar_entidade(p_run_id bigint, p_entity text, p_started_at timestamptz,
                                                   p_rows_read bigint DEFAULT 0, p_rows_inserted bigint DEFAULT 0,
                                                   p_rows_updated bigint DEFAULT 0, p_rows_deleted bigint DEFAULT 0,
                                                   p_rows_unchanged bigint DEFAULT 0, p_rows_rejected bigint DEFAULT 0,
                                                   p_rows_rebound bigint DEFAULT 0,
                                                   p_watermark_from timestamptz DEFAULT NULL,
                                                   p_watermark_to timestamptz DEFAULT NULL)
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
                                           watermark_to, started_at)
    VALUES (p_run_id, p_entity, p_rows_read, p_rows_inserted, p_rows_updated, p_rows_deleted, p_rows_unchanged,
            p_rows_rejected, p_rows_rebound, p_watermark_from, p_watermark_to, p_started_at)
    ON CONFLICT (run_id, entity) DO UPDATE
       SET rows_read      = e.rows_read      + excluded.rows_read,
           rows_inserted  = e.rows_inserted  + excluded.rows_inserted,
           rows_updated   = e.rows_updated   + excluded.rows_updated,
           rows_deleted   = e.rows_deleted   + excluded.rows_deleted,
           rows_unchanged = e.rows_unchanged + excluded.rows_unchanged,
           rows_rejected  = e.rows_rejected  + excluded.rows_rejected,
           rows_rebound   = e.rows_rebound   + excluded.rows_rebound,
           watermark_to   = coalesce(excluded.watermark_to, e.watermark_to),
           finished_at    = clock_timestamp();
END
$$;
REVOKE ALL ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                               bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                                  bigint, bigint, timestamptz, timestamptz) TO etl_writer;
COMMENT ON FUNCTION audit.fn_somar_entidade(bigint, text, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                            bigint, bigint, timestamptz, timestamptz) IS
    'Insere ou soma as contagens de uma entidade numa execução em curso (SECURITY DEFINER).';
