-- audit.fn_abrir_incidente: the first occurrence opens an episode, the next ones repeat it; after
-- a resolution the incident opens a new episode. etl_writer cannot change alert rows.
BEGIN;
SELECT plan(7);

SELECT function_returns('audit', 'fn_abrir_incidente', ARRAY['text', 'text', 'bigint', 'text', 'text', 'text'],
                        'record', 'signature');
SELECT is_definer('audit', 'fn_abrir_incidente', ARRAY['text', 'text', 'bigint', 'text', 'text', 'text'],
                  'SECURITY DEFINER');
SELECT table_privs_are('audit', 'alert_event', 'etl_writer', ARRAY['INSERT', 'SELECT'],
                       'etl_writer may only read and insert alert events');

SET LOCAL ROLE etl_writer;
CREATE TEMP TABLE opened AS
SELECT 1 AS n, * FROM audit.fn_abrir_incidente('k1', 'load_failed', NULL, 'falhou', '[w] falhou', 'corpo');
INSERT INTO opened SELECT 2, * FROM audit.fn_abrir_incidente('k1', 'load_failed', NULL, 'falhou', 't', 'b');
DO $$ BEGIN PERFORM audit.fn_resolver_incidente('k1', NULL, 'r', 'b'); END $$;
INSERT INTO opened SELECT 3, * FROM audit.fn_abrir_incidente('k1', 'load_failed', NULL, 'falhou', 't', 'b');
RESET ROLE;

SELECT is((SELECT is_new FROM opened WHERE n = 1), true, 'first occurrence opens an episode');
SELECT results_eq($$SELECT is_new, episode = (SELECT episode FROM opened WHERE n = 1) FROM opened WHERE n = 2$$,
                  $$VALUES (false, true)$$, 'second occurrence repeats the open episode');
SELECT results_eq($$SELECT event, title FROM audit.alert_event WHERE incident_key = 'k1' ORDER BY event_id$$,
                  $$VALUES ('aberto', '[w] falhou'), ('repetido', NULL), ('resolvido', 'r'), ('aberto', 't')$$,
                  'aberto with its message, repetido, resolvido, then a new aberto');
SELECT results_eq($$SELECT is_new, episode > (SELECT episode FROM opened WHERE n = 1) FROM opened WHERE n = 3$$,
                  $$VALUES (true, true)$$, 'after a resolution: a new episode');

SELECT * FROM finish();
ROLLBACK;
