-- Contract of the warehouse's schemas and roles (V001): what exists and who may do what.
BEGIN;
SELECT plan(11);

SELECT schemas_are(ARRAY['public', 'stg', 'dim', 'fact', 'mart', 'ctl', 'audit', 'dq', 'etl'],
                   'the warehouse has exactly its schemas');
SELECT has_role('dw_owner', 'dw_owner exists');
SELECT has_role('etl_writer', 'etl_writer exists');
SELECT has_role('bi_reader', 'bi_reader exists');
SELECT schema_owner_is('dim', 'dw_owner', 'dw_owner owns dim');
SELECT schema_privs_are('mart', 'bi_reader', ARRAY['USAGE'], 'bi_reader may use mart');
SELECT schema_privs_are('stg', 'bi_reader', ARRAY[]::text[], 'bi_reader has nothing on stg');
SELECT schema_privs_are('audit', 'bi_reader', ARRAY[]::text[], 'bi_reader has nothing on audit');
SELECT schema_privs_are('ctl', 'bi_reader', ARRAY[]::text[], 'bi_reader has nothing on ctl');
SELECT schema_privs_are('etl', 'etl_writer', ARRAY['USAGE'], 'etl_writer may use etl');
SELECT table_privs_are('ctl', 'schema_migrations', 'bi_reader', ARRAY[]::text[],
                       'bi_reader cannot read the migration history');

SELECT * FROM finish();
ROLLBACK;
