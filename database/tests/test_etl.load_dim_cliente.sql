-- etl.load_dim_cliente: region resolution, dedup, blank name, screens, inferred customer completed,
-- audit counts, watermark, rerun no-op, update, bad input.
BEGIN;
SELECT plan(13);

SELECT is_procedure('etl', 'load_dim_cliente', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_cliente has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (940001, 'test', 'test'), (940002, 'test', 'test'), (940003, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('SE', 'Sudeste');
INSERT INTO dim.dim_cliente (cliente_id, nome, inferido) VALUES ('C9', 'Não informado (inferido)', true);
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at) VALUES
    ('C1', 'U1', 'Maria',       'São Paulo', 'SP', 'SE', 'varejo',  '2024-03-01 10:00-03'),
    ('C1', 'U1', 'Maria Velha', 'Santos',    'SP', 'SE', 'varejo',  '2024-01-01 10:00-03'),  -- older copy
    ('C2', 'U2', '',            'Recife',    'PE', 'NE', 'atacado', '2024-03-01 10:00-03'),  -- blank name, region inferred
    ('C3', 'U3', 'Sem UF',      NULL,        NULL, NULL, NULL,      '2024-03-01 10:00-03'),  -- region -1
    ('C9', 'U9', 'João',        'Rio',       'RJ', 'SE', 'varejo',  '2024-03-01 10:00-03'),  -- completes C9
    (NULL, 'U0', 'Sem chave',   'Rio',       'RJ', 'SE', 'varejo',  '2024-03-01 10:00-03');  -- null_key

CALL etl.load_dim_cliente(940001, '2024-03-01 12:00-03');

SELECT set_eq($$SELECT c.cliente_id, c.cliente_unico_id, c.nome, c.cidade, c.uf, c.regiao_id, r.regiao_id AS sk_regiao,
                       c.segmento, c.inferido
                FROM dim.dim_cliente c JOIN dim.dim_regiao r ON r.regiao_sk = c.regiao_sk$$,
              $$VALUES ('-1', NULL, 'Não informado', NULL, NULL, NULL, '-1', NULL, false),
                       ('C1', 'U1', 'Maria', 'São Paulo', 'SP', 'SE', 'SE', 'varejo', false),
                       ('C2', 'U2', 'Não informado', 'Recife', 'PE', 'NE', 'NE', 'atacado', false),
                       ('C3', 'U3', 'Sem UF', NULL, NULL, NULL, '-1', NULL, false),
                       ('C9', 'U9', 'João', 'Rio', 'RJ', 'SE', 'SE', 'varejo', false)$$,
              'customers loaded: latest copy wins, blank name replaced, regions resolved, C9 completed');
SELECT is((SELECT inferido FROM dim.dim_regiao WHERE regiao_id = 'NE'), true, 'an unknown region is inferred');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 940001 AND entity = 'dim_cliente'$$,
                  $$VALUES (6::bigint, 3::bigint, 1::bigint, 1::bigint, 1::bigint)$$,
                  'audit: 6 read = 3 inserted + 1 updated + 1 unchanged (older copy) + 1 rejected');
SELECT set_eq($$SELECT natural_key, rule, raw ->> 'customer_unique_id' FROM audit.rejected_rows
                WHERE run_id = 940001 AND entity = 'dim_cliente'$$,
              $$VALUES (NULL, 'null_key', 'U0')$$, 'the null key is rejected with its raw row');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_cliente'), '2024-03-01 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_cliente;
CALL etl.load_dim_cliente(940002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 940002 AND entity = 'dim_cliente'$$,
                  $$VALUES (0::bigint, 0::bigint, 5::bigint, 1::bigint)$$, 'rerun: nothing inserted or updated');
SELECT set_eq($$SELECT * FROM dim.dim_cliente$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');

TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C3', 'U3', 'Sem UF', 'Vitória', 'ES', 'SE', 'corporativo', '2024-03-02 10:00-03'),
                                 ('C4', 'U4', 'Novo', 'Manaus', 'AM', 'N', 'varejo', '2024-03-02 10:00-03');
CALL etl.load_dim_cliente(940003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 940003 AND entity = 'dim_cliente'$$,
                  $$VALUES (2::bigint, 1::bigint, 1::bigint, 0::bigint)$$, 'update: one updated, one inserted');
SELECT is((SELECT (c.cidade, c.uf, r.regiao_id, c.segmento, c.updated_run_id)::text FROM dim.dim_cliente c
           JOIN dim.dim_regiao r ON r.regiao_sk = c.regiao_sk WHERE c.cliente_id = 'C3'),
          '(Vitória,ES,SE,corporativo,940003)', 'update: C3 now in SE, stamped');
SELECT is((SELECT count(*)::integer FROM dim.dim_cliente), 6, 'five customers plus the unknown member');

SELECT throws_ok($$CALL etl.load_dim_cliente(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_cliente(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
