-- etl.scd2_sem_sobreposicao (V080-V083): the no-overlap rule of the three type-2 dimensions, kept by
-- statement-level triggers instead of the GiST exclusion constraint of V032. Same guarantee: any
-- statement (INSERT, UPDATE, MERGE) that leaves two versions of one key valid on the same day fails
-- with 23P01 naming <table>_sem_sobreposicao; small statements (daily loads) and large ones (a
-- first load: the whole-table pass) alike; adjacent versions and other keys are allowed.
BEGIN;
SELECT plan(14);

SELECT has_function('etl', 'scd2_sem_sobreposicao', ARRAY[]::text[], 'the trigger function exists');
SELECT is((SELECT count(*)::integer FROM pg_trigger
           WHERE tgrelid IN ('dim.dim_cliente'::regclass, 'dim.dim_produto'::regclass, 'dim.dim_vendedor'::regclass)
             AND tgname LIKE '%\_sem\_sobreposicao\_%' AND tgenabled = 'O'), 6,
          'an INSERT and an UPDATE trigger on each type-2 dimension');
SELECT is((SELECT count(*)::integer FROM pg_constraint WHERE contype = 'x'
           AND conrelid IN ('dim.dim_cliente'::regclass, 'dim.dim_produto'::regclass, 'dim.dim_vendedor'::regclass)), 0,
          'no GiST exclusion constraint left to build on a first load');

-- a daily-sized statement: one key
INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
VALUES ('OV1', 'x', '-infinity', '2024-05-01', false, 1), ('OV1', 'x', '2024-05-01', 'infinity', true, 2);
SELECT pass('adjacent versions [-inf, 2024-05-01) and [2024-05-01, inf) are allowed');
SELECT throws_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES ('OV1', 'x', '2024-04-01', '2024-04-10', false, 9)$$, '23P01',
                 'conflicting key value violates exclusion constraint "dim_cliente_sem_sobreposicao"',
                 'INSERT of a version inside another of its key: 23P01, named as the old constraint');
SELECT throws_ok($$UPDATE dim.dim_cliente SET valido_ate = '2024-05-02' WHERE cliente_id = 'OV1' AND versao = 1$$,
                 '23P01', NULL, 'UPDATE stretching a closed version over its successor: 23P01');
SELECT throws_ok($$MERGE INTO dim.dim_cliente AS t USING (VALUES ('OV1', DATE '2024-06-01')) AS s(k, d)
                   ON t.cliente_id = s.k AND t.valido_de = s.d
                   WHEN NOT MATCHED THEN INSERT (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                                         VALUES (s.k, 'y', s.d, '2024-07-01', false, 3)$$,
                 '23P01', NULL, 'MERGE inserting an overlapping version: 23P01');
SELECT throws_ok($$MERGE INTO dim.dim_cliente AS t USING (VALUES ('OV1')) AS s(k)
                   ON t.cliente_id = s.k AND t.versao = 2
                   WHEN MATCHED THEN UPDATE SET valido_de = '2024-04-30'$$,
                 '23P01', NULL, 'MERGE moving a version back over its predecessor: 23P01');
SELECT lives_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                  VALUES ('OV2', 'x', '-infinity', '2024-05-01', false, 1)$$,
                'the same interval for another key is allowed');

-- the other two dimensions
SELECT throws_ok($$INSERT INTO dim.dim_produto (produto_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES ('OVP', 'x', '-infinity', 'infinity', true, 1), ('OVP', 'x', '2024-01-01', '2024-02-01', false, 2)$$,
                 '23P01', 'conflicting key value violates exclusion constraint "dim_produto_sem_sobreposicao"',
                 'dim_produto: two overlapping versions in one statement');
SELECT throws_ok($$INSERT INTO dim.dim_vendedor (vendedor_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES ('OVV', 'x', '2024-01-01', '2024-03-01', false, 1), ('OVV', 'x', '2024-02-01', 'infinity', true, 2)$$,
                 '23P01', 'conflicting key value violates exclusion constraint "dim_vendedor_sem_sobreposicao"',
                 'dim_vendedor: two overlapping versions in one statement');

-- a first-load-sized statement (more than 10,000 rows: the whole-table pass), through the bulk path
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (970201, 'test', 'test');
CALL etl.bulk_load_begin('dim.dim_cliente', 970201);
SELECT throws_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                   SELECT 'OVB' || g, 'x', '-infinity'::date, 'infinity'::date, true, 1 FROM generate_series(1, 12000) AS g
                   UNION ALL SELECT 'OVB77', 'x', DATE '2024-01-01', DATE '2024-02-01', false, 2$$,
                 '23P01', NULL, 'a 12,001-row statement with one overlap is refused (bulk path, whole-table check)');
SELECT lives_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                  SELECT 'OVB' || g, 'x', '-infinity', 'infinity', true, 1 FROM generate_series(1, 12000) AS g$$,
                'the same 12,000 keys without the overlap load');
SELECT throws_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES ('OVB5', 'x', '2023-01-01', '2023-02-01', false, 2)$$,
                 '23P01', NULL, 'then a one-row statement overlapping one of them is refused (index probe)');
CALL etl.bulk_load_end('dim.dim_cliente');

SELECT * FROM finish();
ROLLBACK;
