-- audit.fn_resolver_incidente: closes the open episode once, with the recovery message; an
-- incident that is not open returns NULL. Deliveries are insert-only for etl_writer.
BEGIN;
SELECT plan(6);

SELECT function_returns('audit', 'fn_resolver_incidente', ARRAY['text', 'bigint', 'text', 'text'], 'bigint',
                        'signature');
SELECT is_definer('audit', 'fn_resolver_incidente', ARRAY['text', 'bigint', 'text', 'text'], 'SECURITY DEFINER');
SELECT table_privs_are('audit', 'alert_delivery', 'etl_writer', ARRAY['INSERT', 'SELECT'],
                       'etl_writer may only read and insert deliveries');

SET LOCAL ROLE etl_writer;
CREATE TEMP TABLE resolved AS
SELECT 1 AS n, audit.fn_resolver_incidente('never', NULL, 't', 'b') AS event_id;
DO $$ BEGIN PERFORM audit.fn_abrir_incidente('k2', 'sla_breach', NULL, 'SLA de ontem', '[w] SLA', 'corpo'); END $$;
INSERT INTO resolved SELECT 2, audit.fn_resolver_incidente('k2', NULL, '[w] resolvido: SLA', 'ok');
INSERT INTO resolved SELECT 3, audit.fn_resolver_incidente('k2', NULL, 't', 'b');
RESET ROLE;

SELECT is((SELECT event_id FROM resolved WHERE n = 1), NULL, 'never opened: nothing to resolve');
SELECT results_eq($$SELECT e.event, e.episode = a.event_id, e.summary, e.title
                    FROM resolved r JOIN audit.alert_event e USING (event_id)
                    JOIN audit.alert_event a ON a.incident_key = 'k2' AND a.event = 'aberto' WHERE r.n = 2$$,
                  $$VALUES ('resolvido', true, 'SLA de ontem', '[w] resolvido: SLA')$$,
                  'a resolvido event in the open episode, with the opening summary and its own title');
SELECT is((SELECT event_id FROM resolved WHERE n = 3), NULL, 'resolved once');

SELECT * FROM finish();
ROLLBACK;
