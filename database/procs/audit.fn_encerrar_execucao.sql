-- audit.fn_encerrar_execucao: the only way a running run ends (etl_writer has no UPDATE on audit).
-- Purpose: move audit.etl_run from 'running' to 'succeeded', 'failed' or 'blocked', once, with its
--   end time, failed step and error (already redacted by the harness). A run that is not running
--   (ended, marked stale, unknown) raises object_not_in_prerequisite_state (55000): history is
--   never rewritten. SECURITY DEFINER (owner dw_owner), search_path pinned.
-- Grain: one run per call.  Rerun: a second call for the same run raises.  Does not commit.
CREATE OR REPLACE FUNCTION audit.fn_encerrar_execucao(p_run_id bigint, p_status text,
                                                      p_failed_step text DEFAULT NULL,
                                                      p_error_sqlstate text DEFAULT NULL,
                                                      p_error_message text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('succeeded', 'failed', 'blocked') THEN
        RAISE EXCEPTION 'a run ends as succeeded, failed or blocked, not %', coalesce(p_status, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE audit.etl_run AS r
       SET status = p_status, finished_at = clock_timestamp(), failed_step = p_failed_step,
           error_sqlstate = p_error_sqlstate, error_message = left(p_error_message, 2000)
     WHERE r.run_id = p_run_id AND r.status = 'running';
    IF NOT FOUND THEN
        SELECT r.status INTO v_status FROM audit.etl_run AS r WHERE r.run_id = p_run_id;
        RAISE EXCEPTION 'run % is not running (status %): its end is already recorded',
                        p_run_id, coalesce(v_status, 'unknown')
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION audit.fn_encerrar_execucao(bigint, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_encerrar_execucao(bigint, text, text, text, text) TO etl_writer;
COMMENT ON FUNCTION audit.fn_encerrar_execucao(bigint, text, text, text, text) IS
    'Encerra uma execução running como succeeded, failed ou blocked, uma única vez (SECURITY DEFINER).';
