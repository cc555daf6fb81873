-- audit.fn_marcar_execucoes_abandonadas: a running run whose lock session holds the load lock is
-- live and untouched; the others become stale with their last step and the reason.
BEGIN;
SELECT plan(7);

SELECT function_returns('audit', 'fn_marcar_execucoes_abandonadas', ARRAY[]::text[], 'setof bigint', 'signature');
SELECT is_definer('audit', 'fn_marcar_execucoes_abandonadas', ARRAY[]::text[], 'SECURITY DEFINER');

UPDATE audit.etl_run SET status = 'failed' WHERE status = 'running';  -- (as the administrator) a clean slate
-- this session holds the load lock, as a live run's lock connection does
DO $$ BEGIN PERFORM FROM ctl.load_lock WHERE lock_name = 'load' FOR UPDATE; END $$;
INSERT INTO audit.etl_run (run_id, command, trigger, lock_pid) OVERRIDING SYSTEM VALUE
VALUES (991001, 'test', 'test', pg_backend_pid()),                 -- live
       (991002, 'test', 'test', pg_backend_pid() + 100000),        -- its lock session is gone: killed
       (991003, 'test', 'test', NULL);                             -- never held the lock
INSERT INTO audit.etl_run (run_id, command, trigger, lock_pid, started_at) OVERRIDING SYSTEM VALUE
VALUES (991004, 'test', 'test', pg_backend_pid() + 100001, pg_postmaster_start_time() - interval '1 minute');
INSERT INTO audit.etl_run_step (run_id, step, started_at) VALUES
    (991002, 'dim_cliente', clock_timestamp() - interval '2 seconds'), (991002, 'fact_vendas', clock_timestamp()),
    (991004, 'fact_metas', clock_timestamp());

SET LOCAL ROLE etl_writer;   -- what the next run does
CREATE TEMP TABLE marked AS SELECT * FROM audit.fn_marcar_execucoes_abandonadas() AS m(run_id);
RESET ROLE;
SELECT set_eq($$SELECT run_id FROM marked$$, ARRAY[991002, 991003, 991004]::bigint[],
              'every running run but the live one is marked');
SELECT is((SELECT status FROM audit.etl_run WHERE run_id = 991001), 'running', 'the live run is untouched');
SELECT results_eq($$SELECT status, failed_step, error_message LIKE 'o processo do harness terminou%', finished_at IS NOT NULL
                    FROM audit.etl_run WHERE run_id = 991002$$,
                  $$VALUES ('stale', 'fact_vendas', true, true)$$,
                  'a killed run: stale, at its last step, the process ended');
SELECT results_eq($$SELECT failed_step, error_message LIKE 'o servidor do banco reiniciou%' FROM audit.etl_run
                    WHERE run_id = 991004$$,
                  $$VALUES ('fact_metas', true)$$, 'a run older than the server: cut off by a database stop');
SELECT is_empty($$SELECT * FROM audit.fn_marcar_execucoes_abandonadas()$$, 'rerun: nothing left to mark');

SELECT * FROM finish();
ROLLBACK;
