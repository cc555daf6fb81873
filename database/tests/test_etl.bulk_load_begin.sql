-- etl.bulk_load_begin: only for the tables with a bulk path; saves and drops exactly the outgoing
-- foreign keys, exclusion constraints and non-unique indexes (the primary key stays; the type-2
-- dimensions' no-overlap triggers stay); etl_writer may
-- call it but cannot touch the saved definitions.
BEGIN;
SELECT plan(9);

SELECT is_procedure('etl', 'bulk_load_begin', ARRAY['regclass', 'bigint'], 'signature');

CREATE TEMP TABLE expected AS
SELECT conname AS object_name, 'foreign_key' AS kind FROM pg_constraint
WHERE conrelid = 'fact.fact_vendas'::regclass AND contype = 'f'
UNION ALL
SELECT c.relname, 'index' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'fact.fact_vendas'::regclass AND NOT i.indisunique;
SELECT cmp_ok((SELECT count(*) FROM expected WHERE kind = 'foreign_key'), '=', 7::bigint,
              'fact_vendas has its 7 foreign keys before');

SELECT throws_ok($$CALL etl.bulk_load_begin('dim.dim_equipe', NULL)$$, '22023', NULL,
                 'refused for a table without a bulk path');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (970001, 'test', 'test');
CALL etl.bulk_load_begin('fact.fact_vendas', 970001);
SELECT set_eq($$SELECT object_name::text, kind FROM ctl.suspended_definition WHERE table_name = 'fact.fact_vendas'::regclass$$,
              $$SELECT object_name::text, kind FROM expected$$,
              'every foreign key and non-unique index is saved');
SELECT is((SELECT count(*)::integer FROM pg_constraint WHERE conrelid = 'fact.fact_vendas'::regclass AND contype = 'f'), 0,
          'the foreign keys are off');
SELECT has_pk('fact', 'fact_vendas', 'the primary key stays (the MERGE needs it)');

SELECT ok(NOT has_table_privilege('etl_writer', 'ctl.suspended_definition', 'DELETE, UPDATE, TRUNCATE'),
          'etl_writer cannot remove or edit saved definitions');
SELECT ok(NOT has_table_privilege('etl_writer', 'ctl.suspended_definition', 'INSERT'),
          'etl_writer cannot plant a definition for the owner to run');

-- a type-2 dimension (only its unknown member in it): its no-overlap rule is no longer an exclusion
-- constraint (V081: statement-level triggers, set-based per statement) and stays on during the bulk load
CALL etl.bulk_load_begin('dim.dim_cliente', 970001);
SELECT ok(NOT EXISTS (SELECT 1 FROM ctl.suspended_definition WHERE table_name = 'dim.dim_cliente'::regclass
                      AND object_name LIKE '%sem_sobreposicao%')
          AND (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'dim.dim_cliente'::regclass
               AND tgname LIKE 'dim_cliente_sem_sobreposicao_%' AND tgenabled = 'O') = 2,
          'the no-overlap triggers of dim_cliente stay on (nothing of them is suspended)');

SELECT * FROM finish();
ROLLBACK;
