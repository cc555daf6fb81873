-- etl.suspend_fact_definitions: only for the two fact tables, only when empty; saves and drops exactly
-- the outgoing foreign keys and non-unique indexes (the primary key stays); etl_writer may call it
-- but cannot touch the saved definitions.
BEGIN;
SELECT plan(9);

SELECT is_procedure('etl', 'suspend_fact_definitions', ARRAY['regclass', 'bigint'], 'signature');

CREATE TEMP TABLE expected AS
SELECT conname AS object_name, 'foreign_key' AS kind FROM pg_constraint
WHERE conrelid = 'fact.fact_vendas'::regclass AND contype = 'f'
UNION ALL
SELECT c.relname, 'index' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'fact.fact_vendas'::regclass AND NOT i.indisunique;
SELECT cmp_ok((SELECT count(*) FROM expected WHERE kind = 'foreign_key'), '=', 7::bigint,
              'fact_vendas has its 7 foreign keys before');

SELECT throws_ok($$CALL etl.suspend_fact_definitions('dim.dim_cliente', NULL)$$, '22023', NULL,
                 'refused for a table that is not a fact with a bulk path');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (970001, 'test', 'test');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk, equipe_sk,
                              regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida, quantidade_devolvida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total, valor_frete,
                              inserted_run_id)
VALUES ('X1', 'P1', 1, -1, -1, -1, -1, -1, -1, -1, 'delivered', false, 1, 0, 1, 1, 0, 1, 0, 0, 970001);
SELECT throws_ok($$CALL etl.suspend_fact_definitions('fact.fact_vendas', 970001)$$, '55000', NULL,
                 'refused while the table holds rows (nothing may enter unchecked)');
DELETE FROM fact.fact_vendas WHERE item_pedido_id = 'X1';

CALL etl.suspend_fact_definitions('fact.fact_vendas', 970001);
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

SELECT * FROM finish();
ROLLBACK;
