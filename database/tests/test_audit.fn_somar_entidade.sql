-- audit.fn_somar_entidade: inserts then adds a run's entity counts while the run runs; refuses
-- once the run has ended (for a session that is not a superuser); etl_writer cannot UPDATE the
-- entity rows directly.
BEGIN;
SELECT plan(5);

SELECT function_returns('audit', 'fn_somar_entidade',
                        ARRAY['bigint', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint',
                              'bigint', 'bigint', 'bigint', 'timestamp with time zone', 'timestamp with time zone',
                              'bigint', 'numeric', 'numeric'],
                        'void', 'signature');
SELECT is_definer('audit', 'fn_somar_entidade',
                  ARRAY['bigint', 'text', 'timestamp with time zone', 'bigint', 'bigint', 'bigint', 'bigint',
                        'bigint', 'bigint', 'bigint', 'timestamp with time zone', 'timestamp with time zone',
                              'bigint', 'numeric', 'numeric'],
                  'SECURITY DEFINER');
SELECT table_privs_are('audit', 'etl_run_entity', 'etl_writer', ARRAY['INSERT', 'SELECT'],
                       'etl_writer may only read and insert entity rows');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (992001, 'test', 'test');
SET SESSION AUTHORIZATION etl_writer;   -- session_user too: no superuser bypass
CREATE TEMP TABLE etl_outcome (n int, what text, state text);
DO $$
DECLARE
    attempts text[][] := ARRAY[
        ['first call',      $q$SELECT audit.fn_somar_entidade(992001, 'dim_x', now(), 5, 2, 1, 0, 1, 1, p_watermark_from => '2024-01-01', p_watermark_to => '2024-01-02')$q$],
        ['adds',            $q$SELECT audit.fn_somar_entidade(992001, 'dim_x', now(), 3, 3, p_rows_rebound => 4, p_watermark_to => '2024-01-03')$q$],
        ['adds rebound',    $q$SELECT audit.fn_somar_entidade(992001, 'dim_x', now(), p_rows_rebound => 2)$q$],
        ['bad sums',        $q$SELECT audit.fn_somar_entidade(992001, 'dim_x', now(), 1)$q$],
        ['direct update',   $q$UPDATE audit.etl_run_entity SET rows_read = 0$q$],
        ['ends the run',    $q$SELECT audit.fn_encerrar_execucao(992001, 'succeeded')$q$],
        ['adds after end',  $q$SELECT audit.fn_somar_entidade(992001, 'dim_x', now(), 1, 1)$q$],
        ['unknown run',     $q$SELECT audit.fn_somar_entidade(992999, 'dim_x', now(), 1, 1)$q$]];
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
RESET SESSION AUTHORIZATION;

SELECT results_eq($$SELECT what, state FROM etl_outcome ORDER BY n$$,
                  $$VALUES ('first call', 'ok'), ('adds', 'ok'), ('adds rebound', 'ok'), ('bad sums', '23514'),
                           ('direct update', '42501'), ('ends the run', 'ok'), ('adds after end', '55000'),
                           ('unknown run', '55000')$$,
                  'counts added while the run runs, closed after it ends; no direct UPDATE');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected, rows_rebound,
                           watermark_from, watermark_to FROM audit.etl_run_entity WHERE run_id = 992001$$,
                  $$VALUES (8::bigint, 5::bigint, 1::bigint, 1::bigint, 1::bigint, 6::bigint,
                            '2024-01-01'::timestamptz, '2024-01-03'::timestamptz)$$,
                  'first call inserts, later ones add; watermark_to moves only when given');

SELECT * FROM finish();
ROLLBACK;
