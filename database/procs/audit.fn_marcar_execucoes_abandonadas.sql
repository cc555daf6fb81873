-- audit.fn_marcar_execucoes_abandonadas: close the runs nobody runs any more as 'stale'.
-- Purpose: a run is live while the backend recorded in its lock_pid holds the load lock (the
--   transaction in the xmax of ctl.load_lock's row); a 'running' row without it was killed or
--   cut off. Each gets status 'stale', finished_at, failed_step = the last step it started
--   (audit.etl_run_step) and error_message = why: the database server restarted after the run
--   began (stopped or crashed) or, the server up all along, the harness process ended without
--   closing its run.
--   Safe to call at any time: a live run is never touched. SECURITY DEFINER, search_path pinned.
-- Grain: every abandoned run; returns their run_ids.  Rerun: nothing left to mark.  No commit.
CREATE OR REPLACE FUNCTION audit.fn_marcar_execucoes_abandonadas()
RETURNS SETOF bigint
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE audit.etl_run AS r
       SET status = 'stale', finished_at = clock_timestamp(),
           failed_step = coalesce(r.failed_step,
                                  (SELECT s.step FROM audit.etl_run_step AS s WHERE s.run_id = r.run_id
                                   ORDER BY s.started_at DESC LIMIT 1)),
           error_message = coalesce(r.error_message,
               CASE WHEN pg_postmaster_start_time() > r.started_at
                    THEN 'o servidor do banco reiniciou durante a execução (parado ou caiu): execução interrompida'
                    ELSE 'o processo do harness terminou sem encerrar a execução (morto ou caiu)'
               END || '; marcada stale pela execução seguinte')
     WHERE r.status = 'running'
       AND (r.lock_pid IS NULL OR r.lock_pid IS DISTINCT FROM
           (SELECT l.pid FROM ctl.load_lock AS k
              JOIN pg_locks AS l ON l.locktype = 'transactionid' AND l.transactionid = k.xmax
                                AND l.mode = 'ExclusiveLock' AND l.granted
             WHERE k.lock_name = 'load'))
    RETURNING r.run_id;
$$;
REVOKE ALL ON FUNCTION audit.fn_marcar_execucoes_abandonadas() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_marcar_execucoes_abandonadas() TO etl_writer;
COMMENT ON FUNCTION audit.fn_marcar_execucoes_abandonadas() IS
    'Marca stale as execuções running cuja sessão de trava sumiu, com a última etapa e o motivo (SECURITY DEFINER).';
