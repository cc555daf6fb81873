-- audit.fn_encerrar_execucao: the only way a run ends; running -> one terminal status, once;
-- etl_writer cannot UPDATE, DELETE or TRUNCATE the run rows, nor insert one already ended.
BEGIN;
SELECT plan(9);

SELECT function_returns('audit', 'fn_encerrar_execucao', ARRAY['bigint', 'text', 'text', 'text', 'text'], 'void',
                        'signature');
SELECT is_definer('audit', 'fn_encerrar_execucao', ARRAY['bigint', 'text', 'text', 'text', 'text'],
                  'SECURITY DEFINER');
SELECT ok((SELECT proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] FROM pg_proc
            WHERE oid = 'audit.fn_encerrar_execucao(bigint, text, text, text, text)'::regprocedure),
          'search_path pinned');
SELECT function_owner_is('audit', 'fn_encerrar_execucao', ARRAY['bigint', 'text', 'text', 'text', 'text'],
                         'dw_owner', 'owned by dw_owner');
SELECT table_privs_are('audit', 'etl_run', 'etl_writer', ARRAY['INSERT', 'SELECT'],
                       'etl_writer may only read and insert runs');

-- act as etl_writer; each attempt's SQLSTATE (or 'ok') goes to a temporary table of its own
SET LOCAL ROLE etl_writer;
CREATE TEMP TABLE etl_outcome (n int, what text, state text);
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (990001, 'test', 'test'), (990002, 'test', 'test');
DO $$
DECLARE
    attempts text[][] := ARRAY[
        ['ends a running run',             $q$SELECT audit.fn_encerrar_execucao(990001, 'failed', 'fact_vendas', '23514', 'boom')$q$],
        ['ends it again',                  $q$SELECT audit.fn_encerrar_execucao(990001, 'succeeded')$q$],
        ['ends an unknown run',            $q$SELECT audit.fn_encerrar_execucao(990999, 'failed')$q$],
        ['ends a run as stale',            $q$SELECT audit.fn_encerrar_execucao(990002, 'stale')$q$],
        ['updates a run',                  $q$UPDATE audit.etl_run SET status = 'succeeded' WHERE run_id = 990001$q$],
        ['deletes a run',                  $q$DELETE FROM audit.etl_run WHERE run_id = 990001$q$],
        ['truncates the runs',             $q$TRUNCATE audit.etl_run CASCADE$q$],
        ['inserts a succeeded run',        $q$INSERT INTO audit.etl_run (command, trigger, status) VALUES ('test', 'test', 'succeeded')$q$],
        ['inserts an unknown trigger',     $q$INSERT INTO audit.etl_run (command, trigger) VALUES ('test', 'bogus')$q$]];
BEGIN
    FOR i IN 1 .. array_length(attempts, 1) LOOP
        BEGIN
            EXECUTE attempts[i][2];
            INSERT INTO etl_outcome VALUES (i, attempts[i][1], 'ok');
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO etl_outcome VALUES (i, attempts[i][1], SQLSTATE);
        END;
    END LOOP;
END
$$;
RESET ROLE;

SELECT results_eq($$SELECT what, state FROM etl_outcome ORDER BY n$$,
                  $$VALUES ('ends a running run', 'ok'), ('ends it again', '55000'), ('ends an unknown run', '55000'),
                           ('ends a run as stale', '22023'), ('updates a run', '42501'), ('deletes a run', '42501'),
                           ('truncates the runs', '42501'), ('inserts a succeeded run', '42501'),
                           ('inserts an unknown trigger', '23514')$$,
                  'etl_writer: one end per run, through the function only; no rewrite, no forged run');
SELECT results_eq($$SELECT status, failed_step, error_sqlstate, error_message, finished_at IS NOT NULL
                    FROM audit.etl_run WHERE run_id = 990001$$,
                  $$VALUES ('failed', 'fact_vendas', '23514', 'boom', true)$$, 'status, step, error and end recorded');
SELECT is((SELECT status FROM audit.etl_run WHERE run_id = 990002), 'running', 'a refused end changes nothing');
SELECT lives_ok($$INSERT INTO audit.etl_run (command, trigger, status, finished_at)
                  VALUES ('test', 'test', 'succeeded', now())$$, 'the owner (here a superuser) may insert history');

SELECT * FROM finish();
ROLLBACK;
