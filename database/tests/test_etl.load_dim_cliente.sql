-- etl.load_dim_cliente: region resolution, dedup, blank name, screens, inferred customer completed,
-- audit counts, watermark, rerun no-op, update, backdated change, two changes in one window (change
-- log), late-arriving changes split in the middle of history, bad input.
BEGIN;
SELECT plan(36);

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
    (NULL, 'U0', 'Sem chave',   'Rio',       'RJ', 'SE', 'varejo',  '2024-03-01 10:00-03'),  -- null_key
    ('C5', 'U5', 'Ana',         'Rio',       'RJ', repeat('R', 201), 'varejo', '2024-03-01 10:00-03');  -- key_too_long

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
                  $$VALUES (7::bigint, 3::bigint, 1::bigint, 1::bigint, 2::bigint)$$,
                  'audit: 7 read = 3 inserted + 1 updated + 1 unchanged (older copy) + 2 rejected');
SELECT set_eq($$SELECT natural_key, rule, raw ->> 'customer_unique_id' FROM audit.rejected_rows
                WHERE run_id = 940001 AND entity = 'dim_cliente'$$,
              $$VALUES (NULL, 'null_key', 'U0'), ('C5', 'key_too_long', 'U5')$$,
              'the null key and the over-long region id are rejected with their raw row');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_cliente'), '2024-03-01 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_cliente;
CALL etl.load_dim_cliente(940002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 940002 AND entity = 'dim_cliente'$$,
                  $$VALUES (0::bigint, 0::bigint, 7::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_cliente'), 2,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_cliente$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');

TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C3', 'U3', 'Sem UF', 'Vitória', 'ES', 'SE', 'corporativo', '2024-03-02 10:00-03'),
                                 ('C4', 'U4', 'Novo', 'Manaus', 'AM', 'N', 'varejo', '2024-03-02 10:00-03'),
                                 ('C5', 'U5', 'Ana', 'Rio', 'RJ', 'SE', 'varejo', '2024-03-02 10:00-03');  -- fixed
CALL etl.load_dim_cliente(940003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 940003 AND entity = 'dim_cliente'$$,
                  $$VALUES (3::bigint, 3::bigint, 0::bigint, 0::bigint)$$,
                  'type-2 change and new keys: three versions inserted (C3 version 2, C4 and the fixed C5 version 1)');
SELECT results_eq($$SELECT r.natural_key, x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('C5', 940003::bigint)$$, 'the fixed customer''s reject is resolved, the null key''s stays open');
SELECT results_eq($$SELECT c.versao, c.cidade, r.regiao_id, c.valido_de, c.valido_ate, c.eh_atual
                    FROM dim.dim_cliente c JOIN dim.dim_regiao r ON r.regiao_sk = c.regiao_sk
                    WHERE c.cliente_id = 'C3' ORDER BY c.versao$$,
                  $$VALUES (1, NULL::text, '-1', '-infinity'::date, '2024-03-02'::date, false),
                           (2, 'Vitória', 'SE', '2024-03-02'::date, 'infinity'::date, true)$$,
                  'type-2 change: version 1 closed on the effective day, version 2 open from it');
SELECT is((SELECT count(*)::integer FROM dim.dim_cliente), 8, 'six customers, C3 twice, plus the unknown member');

-- ---------------------------------------------------------------- SCD2 cases with facts
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (940004, 'test', 'test'), (940005, 'test', 'test'), (940006, 'test', 'test'), (940007, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('S', 'Sul');
-- C1 (version 1, SE) bought on 2024-03-05 and 2024-03-20
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, c.cliente_sk, -1, -1, -1, c.regiao_sk, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('F1', 20240305), ('F2', 20240320)) AS x(id, dia)
JOIN dim.dim_cliente c ON c.cliente_id = 'C1' AND c.eh_atual;
DELETE FROM ctl.agg_refresh_pending;

-- type 1 only: the name changes, no version
TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C1', 'U1', 'Maria Souza', 'São Paulo', 'SP', 'SE', 'varejo', '2024-03-03 10:00-03');
CALL etl.load_dim_cliente(940004, '2024-03-03 12:00-03');
SELECT results_eq($$SELECT count(*)::integer, min(nome) FROM dim.dim_cliente WHERE cliente_id = 'C1'$$,
                  $$VALUES (1, 'Maria Souza')$$, 'type-1 change: name overwritten, no new version');

-- backdated change: C1 moved to Curitiba/PR effective 2024-03-10, after F1 and before F2 were loaded
TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C1', 'U1', 'Maria S.', 'Curitiba', 'PR', 'S', 'varejo', '2024-03-10 09:00-03');
CALL etl.load_dim_cliente(940005, '2024-03-25 12:00-03');
SELECT results_eq($$SELECT c.versao, c.nome, c.uf, c.valido_de, c.valido_ate FROM dim.dim_cliente c
                    WHERE c.cliente_id = 'C1' ORDER BY c.versao$$,
                  $$VALUES (1, 'Maria S.', 'SP', '-infinity'::date, '2024-03-10'::date),
                           (2, 'Maria S.', 'PR', '2024-03-10'::date, 'infinity'::date)$$,
                  'backdated change: new version from its day; the name (type 1) is on every version');
SELECT results_eq($$SELECT f.item_pedido_id, c.versao, r.regiao_id, f.updated_run_id FROM fact.fact_vendas f
                    JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
                    WHERE f.item_pedido_id IN ('F1', 'F2') ORDER BY 1$$,
                  $$VALUES ('F1', 1, 'SE', NULL::bigint), ('F2', 2, 'S', 940005::bigint)$$,
                  'backdated change: the sale after the effective day is re-bound (version and region), the earlier one stays');
SELECT results_eq($$SELECT data FROM ctl.agg_refresh_pending$$, $$VALUES ('2024-03-20'::date)$$,
                  'the re-bound sale''s day is pending for the aggregate refresh');

-- two staged copies without a history_id (not from the change log): the latest state wins,
-- and a second change on the same day corrects that day's version instead of opening another
TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C1', 'U1', 'Maria S.', 'Londrina', 'PR', 'S', 'atacado', '2024-03-22 10:00-03'),
                                 ('C1', 'U1', 'Maria S.', 'Maringá', 'PR', 'S', 'varejo', '2024-03-21 10:00-03');
CALL etl.load_dim_cliente(940006, '2024-03-22 12:00-03');
TRUNCATE stg.customers;
INSERT INTO stg.customers VALUES ('C1', 'U1', 'Maria S.', 'Londrina', 'PR', 'S', 'corporativo', '2024-03-22 16:00-03');
CALL etl.load_dim_cliente(940007, '2024-03-22 18:00-03');
SELECT results_eq($$SELECT c.versao, c.cidade, c.segmento, c.valido_de, c.valido_ate, c.eh_atual FROM dim.dim_cliente c
                    WHERE c.cliente_id = 'C1' ORDER BY c.versao$$,
                  $$VALUES (1, 'São Paulo', 'varejo', '-infinity'::date, '2024-03-10'::date, false),
                           (2, 'Curitiba', 'varejo', '2024-03-10'::date, '2024-03-22'::date, false),
                           (3, 'Londrina', 'corporativo', '2024-03-22'::date, 'infinity'::date, true)$$,
                  'two changes: latest staged state wins, a same-day change corrects version 3 in place');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id IN (940006, 940007) AND entity = 'dim_cliente' ORDER BY run_id$$,
                  $$VALUES (1::bigint, 0::bigint, 1::bigint), (0::bigint, 1::bigint, 0::bigint)$$,
                  'audit: the older staged copy is unchanged; the same-day correction is an update');

-- inferred member completed: it stays the first version, no history is invented
SELECT is((SELECT (versao, valido_de, valido_ate, eh_atual, inferido)::text FROM dim.dim_cliente WHERE cliente_id = 'C9'),
          '(1,-infinity,infinity,t,f)', 'inferred C9 completed in place: an ordinary first version');

-- two changes in one window from the shop's change log (history_id): every state is applied in
-- write order (not only the last), a state already applied (the window's overlap) is skipped,
-- a second change on the same day corrects that day's version, and facts follow their version
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (940008, 'test', 'test'), (940009, 'test', 'test'), (940010, 'test', 'test');
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C7', 'U7', 'Lia', 'Recife', 'PE', 'NE', 'varejo', '2024-01-10 10:00-03', 70);
CALL etl.load_dim_cliente(940008, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, c.cliente_sk, -1, -1, -1, c.regiao_sk, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('K71', 20240201), ('K72', 20240305), ('K73', 20240320)) AS x(id, dia)
JOIN dim.dim_cliente c ON c.cliente_id = 'C7' AND c.eh_atual;
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C7', 'U7', 'Lia',       'Recife',   'PE', 'NE', 'varejo',  '2024-01-10 10:00-03', 70),  -- applied already
       ('C7', 'U7', 'Lia',       'Curitiba', 'PR', 'S',  'varejo',  '2024-03-01 09:00-03', 71),
       ('C7', 'U7', 'Lia',       'Salvador', 'BA', 'NE', 'varejo',  '2024-03-10 09:00-03', 72),
       ('C7', 'U7', 'Lia Maria', 'Salvador', 'BA', 'NE', 'atacado', '2024-03-10 15:00-03', 73);  -- same day
CALL etl.load_dim_cliente(940009, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT c.versao, c.nome, c.cidade, c.segmento, c.valido_de, c.valido_ate, c.eh_atual, c.origem_historico_id
                    FROM dim.dim_cliente c WHERE c.cliente_id = 'C7' ORDER BY c.versao$$,
                  $$VALUES (1, 'Lia Maria', 'Recife', 'varejo', '-infinity'::date, '2024-03-01'::date, false, 70::bigint),
                           (2, 'Lia Maria', 'Curitiba', 'varejo', '2024-03-01'::date, '2024-03-10'::date, false, 71::bigint),
                           (3, 'Lia Maria', 'Salvador', 'atacado', '2024-03-10'::date, 'infinity'::date, true, 73::bigint)$$,
                  'change log: one version per state and day, the same-day change corrects version 3, name (type 1) from the latest');
SELECT results_eq($$SELECT f.item_pedido_id, c.versao, r.regiao_id FROM fact.fact_vendas f
                    JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
                    WHERE f.item_pedido_id LIKE 'K7_' ORDER BY 1$$,
                  $$VALUES ('K71', 1, 'NE'), ('K72', 2, 'S'), ('K73', 3, 'NE')$$,
                  'change log: each sale is bound to the version (and region) of its day');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 940009 AND entity = 'dim_cliente'$$,
                  $$VALUES (4::bigint, 2::bigint, 1::bigint, 1::bigint, 2::bigint)$$,
                  'audit: 2 versions opened, 1 corrected, the state already applied unchanged, 2 sales re-bound');
CREATE TEMP TABLE before_overlap AS SELECT * FROM dim.dim_cliente;
CALL etl.load_dim_cliente(940010, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 940010 AND entity = 'dim_cliente'$$,
                  $$VALUES (0::bigint, 0::bigint, 4::bigint, 0::bigint)$$,
                  'the same change-log rows again (overlap, reprocess): every state is skipped');
SELECT set_eq($$SELECT * FROM dim.dim_cliente$$, $$SELECT * FROM before_overlap$$,
              'the same change-log rows again: the dimension is unchanged');

-- late-arriving changes (recorded after later ones, effective before them): C8 moves SP -> BA on
-- 2024-04-01; then a segment change recorded later but effective 2024-02-01 splits version 1 in the
-- middle of history (the later version keeps its city, takes the segment, and is renumbered); then a
-- move effective 2023-06-01, before the customer's first recorded day, splits version 1 again and
-- moves every later version too (the latest state of an attribute holds from its effective day on)
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (940011, 'test', 'test'), (940012, 'test', 'test'), (940013, 'test', 'test'), (940014, 'test', 'test'),
       (940015, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('NE', 'Nordeste') ON CONFLICT (regiao_id) DO NOTHING;
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C8', 'U8', 'Rui', 'São Paulo', 'SP', 'SE', 'varejo', '2024-01-10 10:00-03', 80);
CALL etl.load_dim_cliente(940011, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, c.cliente_sk, -1, -1, -1, c.regiao_sk, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('L81', 20231201), ('L82', 20240215), ('L83', 20240410), ('L84', 20240601)) AS x(id, dia)
JOIN dim.dim_cliente c ON c.cliente_id = 'C8' AND c.eh_atual;
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C8', 'U8', 'Rui', 'Salvador', 'BA', 'NE', 'varejo', '2024-04-01 10:00-03', 81);
CALL etl.load_dim_cliente(940012, '2024-06-02 12:00-03');
DELETE FROM ctl.agg_refresh_pending;
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C8', 'U8', 'Rui', 'Salvador', 'BA', 'NE', 'atacado', '2024-02-01 10:00-03', 82);
CALL etl.load_dim_cliente(940013, '2024-06-03 12:00-03');
SELECT results_eq($$SELECT c.versao, c.cidade, c.segmento, c.valido_de, c.valido_ate, c.eh_atual, c.origem_historico_id
                    FROM dim.dim_cliente c WHERE c.cliente_id = 'C8' ORDER BY c.versao$$,
                  $$VALUES (1, 'São Paulo', 'varejo', '-infinity'::date, '2024-02-01'::date, false, 80::bigint),
                           (2, 'São Paulo', 'atacado', '2024-02-01'::date, '2024-04-01'::date, false, 82::bigint),
                           (3, 'Salvador', 'atacado', '2024-04-01'::date, 'infinity'::date, true, 82::bigint)$$,
                  'late segment change between two versions: version 1 split at its day, the later version keeps its city, takes the segment, becomes version 3');
SELECT results_eq($$SELECT f.item_pedido_id, c.versao, r.regiao_id, f.updated_run_id FROM fact.fact_vendas f
                    JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
                    WHERE f.item_pedido_id LIKE 'L8_' ORDER BY 1$$,
                  $$VALUES ('L81', 1, 'SE', NULL::bigint), ('L82', 2, 'SE', 940013::bigint),
                           ('L83', 3, 'NE', 940012::bigint), ('L84', 3, 'NE', 940012::bigint)$$,
                  'middle split: only the sale inside the new version is re-bound');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 940013 AND entity = 'dim_cliente'$$,
                  $$VALUES (1::bigint, 0::bigint, 1::bigint)$$, 'audit: the split is one insert, one sale re-bound');
SELECT is((SELECT count(*) FROM ctl.agg_refresh_pending), 0::bigint,
          'the re-bound sale kept its region: no day to refresh');
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C8', 'U8', 'Rui', 'Recife', 'PE', 'NE', 'atacado', '2023-06-01 10:00-03', 83);
CALL etl.load_dim_cliente(940014, '2024-06-04 12:00-03');
SELECT results_eq($$SELECT c.versao, c.cidade, c.uf, c.segmento, c.valido_de, c.valido_ate, c.eh_atual
                    FROM dim.dim_cliente c WHERE c.cliente_id = 'C8' ORDER BY c.versao$$,
                  $$VALUES (1, 'São Paulo', 'SP', 'varejo', '-infinity'::date, '2023-06-01'::date, false),
                           (2, 'Recife', 'PE', 'varejo', '2023-06-01'::date, '2024-02-01'::date, false),
                           (3, 'Recife', 'PE', 'atacado', '2024-02-01'::date, '2024-04-01'::date, false),
                           (4, 'Recife', 'PE', 'atacado', '2024-04-01'::date, 'infinity'::date, true)$$,
                  'move effective before the first recorded day: version 1 split, every later version takes the move');
SELECT results_eq($$SELECT f.item_pedido_id, c.versao, r.regiao_id FROM fact.fact_vendas f
                    JOIN dim.dim_cliente c USING (cliente_sk) JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
                    WHERE f.item_pedido_id LIKE 'L8_' ORDER BY 1$$,
                  $$VALUES ('L81', 2, 'NE'), ('L82', 3, 'NE'), ('L83', 4, 'NE'), ('L84', 4, 'NE')$$,
                  'every sale on the version of its day, with the region that version now has');
SELECT set_eq($$SELECT data FROM ctl.agg_refresh_pending$$, $$VALUES ('2023-12-01'::date), ('2024-02-15'::date)$$,
              'the days of the sales whose region changed (SE to NE) are pending for the aggregate refresh');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_rebound, (SELECT count(*) FROM dim.dim_cliente
                                                                      WHERE cliente_id = 'C8' AND origem_historico_id = 83)
                    FROM audit.etl_run_entity WHERE run_id = 940014 AND entity = 'dim_cliente'$$,
                  $$VALUES (1::bigint, 0::bigint, 2::bigint, 2::bigint)$$,
                  'audit: one split; two sales re-bound (one to the new version, one to its version''s new region); the new and the current version stamped');
CREATE TEMP TABLE before_late_rerun AS SELECT * FROM dim.dim_cliente;
TRUNCATE stg.customers;
INSERT INTO stg.customers (customer_id, customer_unique_id, name, city, state, region_id, segment, updated_at, history_id)
VALUES ('C8', 'U8', 'Rui', 'São Paulo', 'SP', 'SE', 'varejo', '2024-01-10 10:00-03', 80),
       ('C8', 'U8', 'Rui', 'Salvador', 'BA', 'NE', 'varejo', '2024-04-01 10:00-03', 81),
       ('C8', 'U8', 'Rui', 'Salvador', 'BA', 'NE', 'atacado', '2024-02-01 10:00-03', 82),
       ('C8', 'U8', 'Rui', 'Recife', 'PE', 'NE', 'atacado', '2023-06-01 10:00-03', 83);
CALL etl.load_dim_cliente(940015, '2024-06-04 12:00-03');
SELECT set_eq($$SELECT * FROM dim.dim_cliente$$, $$SELECT * FROM before_late_rerun$$,
              'the late states again (overlap, reprocess): the dimension is unchanged');

SELECT throws_ok($$CALL etl.load_dim_cliente(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_cliente(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
