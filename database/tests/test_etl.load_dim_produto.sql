-- etl.load_dim_produto: first load, screens (null key, negative price), inferred product completed,
-- audit counts, watermark, rerun no-op, update, type-2 change, two changes in one window (change
-- log), a late re-categorisation split in the middle of history, bad input.
BEGIN;
SELECT plan(27);

SELECT is_procedure('etl', 'load_dim_produto', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_produto has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (950001, 'test', 'test'), (950002, 'test', 'test'), (950003, 'test', 'test');
INSERT INTO dim.dim_produto (produto_id, nome, inferido) VALUES ('P9', 'Não informado (inferido)', true);
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at) VALUES
    ('P1', 'Cadeira',  'moveis', 'escritorio', 100.00, 60.00, '2024-03-01 10:00-03'),
    ('P2', NULL,       NULL,     NULL,         NULL,   NULL,  '2024-03-01 10:00-03'),  -- NULL name kept
    ('P3', 'Estranho', 'moveis', NULL,          -5.00,  1.00, '2024-03-01 10:00-03'),  -- negative_price
    ('P4', 'Brinde',   'brindes', NULL,          0.00, -1.00, '2024-03-01 10:00-03'),  -- negative_price (cost)
    ('P9', 'Mesa',     'moveis', 'escritorio', 300.00, 150.00, '2024-03-01 10:00-03'), -- completes P9
    (NULL, 'Sem chave', NULL,    NULL,          1.00,  1.00,  '2024-03-01 10:00-03'),  -- null_key
    ('P6', 'Longo', repeat('c', 201), NULL,     1.00,  1.00,  '2024-03-01 10:00-03'),  -- text_too_long (aggregates' key)
    (repeat('P', 201), 'Chave longa', NULL, NULL, 1.00, 1.00, '2024-03-01 10:00-03');  -- key_too_long

CALL etl.load_dim_produto(950001, '2024-03-01 12:00-03');

SELECT set_eq($$SELECT produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido FROM dim.dim_produto$$,
              $$VALUES ('-1', 'Não informado', NULL, NULL, NULL::numeric, NULL::numeric, false),
                       ('P1', 'Cadeira', 'moveis', 'escritorio', 100.00, 60.00, false),
                       ('P2', 'Não informado', NULL, NULL, NULL, NULL, false),
                       ('P9', 'Mesa', 'moveis', 'escritorio', 300.00, 150.00, false)$$,
              'products loaded; P9 completed; negative prices kept out');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 950001 AND entity = 'dim_produto'$$,
                  $$VALUES (8::bigint, 2::bigint, 1::bigint, 0::bigint, 5::bigint)$$,
                  'audit: 8 read = 2 inserted + 1 updated + 5 rejected');
SELECT set_eq($$SELECT natural_key, rule FROM audit.rejected_rows WHERE run_id = 950001 AND entity = 'dim_produto'$$,
              $$VALUES (NULL, 'null_key'), ('P3', 'negative_price'), ('P4', 'negative_price'), ('P6', 'text_too_long'),
                       (repeat('P', 201), 'key_too_long')$$,
              'rejected rows with their rules');
SELECT is((SELECT (raw ->> 'list_price')::numeric FROM audit.rejected_rows WHERE run_id = 950001 AND natural_key = 'P3'),
          -5.00, 'the raw staging row is kept');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_produto'), '2024-03-01 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_produto;
CALL etl.load_dim_produto(950002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 950002 AND entity = 'dim_produto'$$,
                  $$VALUES (0::bigint, 0::bigint, 8::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_produto'), 5,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_produto$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');

TRUNCATE stg.products;
INSERT INTO stg.products VALUES ('P1', 'Cadeira', 'moveis', 'escritorio', 110.00, 60.00, '2024-03-02 10:00-03'),
                                ('P6', 'Longo', 'moveis', NULL, 1.00, 1.00, '2024-03-02 10:00-03');  -- fixed at the source
CALL etl.load_dim_produto(950003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated FROM audit.etl_run_entity
                    WHERE run_id = 950003 AND entity = 'dim_produto'$$,
                  $$VALUES (2::bigint, 1::bigint, 1::bigint)$$, 'update: the new price updates the row, the fixed one loads');
SELECT results_eq($$SELECT r.natural_key, x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('P6', 950003::bigint)$$, 'the fixed product''s reject is resolved, the others stay open');
SELECT is((SELECT (preco_lista, updated_run_id)::text FROM dim.dim_produto WHERE produto_id = 'P1'), '(110.00,950003)',
          'update: new price, stamped');

-- type-2 change (category and cost) dated after a sale: the sale keeps version 1
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (950004, 'test', 'test');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, p.produto_sk, -1, -1, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('H1', 20240301), ('H2', 20240310)) AS x(id, dia)
JOIN dim.dim_produto p ON p.produto_id = 'P1' AND p.eh_atual;
TRUNCATE stg.products;
INSERT INTO stg.products VALUES ('P1', 'Cadeira Gamer', 'games', 'cadeiras', 110.00, 65.00, '2024-03-05 10:00-03');
CALL etl.load_dim_produto(950004, '2024-03-20 12:00-03');
SELECT results_eq($$SELECT versao, nome, categoria, custo_unitario, valido_de, valido_ate FROM dim.dim_produto
                    WHERE produto_id = 'P1' ORDER BY versao$$,
                  $$VALUES (1, 'Cadeira Gamer', 'moveis', 60.00, '-infinity'::date, '2024-03-05'::date),
                           (2, 'Cadeira Gamer', 'games', 65.00, '2024-03-05'::date, 'infinity'::date)$$,
                  'category/cost change: version 2 from its day; the name (type 1) on both');
SELECT results_eq($$SELECT f.item_pedido_id, p.categoria FROM fact.fact_vendas f JOIN dim.dim_produto p USING (produto_sk)
                    WHERE f.item_pedido_id IN ('H1', 'H2') ORDER BY 1$$,
                  $$VALUES ('H1', 'moveis'), ('H2', 'games')$$,
                  'the sale before the change keeps version 1, the one after it (already loaded) is re-bound');

-- two changes in one window from the shop's change log (history_id): every state is applied in
-- write order (not only the last), a state already applied (the window's overlap) is skipped,
-- a second change on the same day corrects that day's version, and facts follow their version
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (950005, 'test', 'test'), (950006, 'test', 'test'), (950007, 'test', 'test');
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P5', 'Lápis', 'papelaria', 'escrita', 2.00, 1.00, '2024-01-10 10:00-03', 50);
CALL etl.load_dim_produto(950005, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, p.produto_sk, -1, -1, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('K51', 20240201), ('K52', 20240305), ('K53', 20240320)) AS x(id, dia)
JOIN dim.dim_produto p ON p.produto_id = 'P5' AND p.eh_atual;
DELETE FROM ctl.agg_refresh_pending;
DELETE FROM ctl.agg_grupos_pendentes;
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P5', 'Lápis',    'papelaria', 'escrita', 2.00, 1.00, '2024-01-10 10:00-03', 50),  -- applied already
       ('P5', 'Lápis',    'papelaria', 'escrita', 2.00, 1.10, '2024-03-01 09:00-03', 51),
       ('P5', 'Lápis',    'escolar',   'escrita', 2.00, 1.10, '2024-03-10 09:00-03', 52),
       ('P5', 'Lápis HB', 'escolar',   'escrita', 2.50, 1.20, '2024-03-10 15:00-03', 53);  -- same day
CALL etl.load_dim_produto(950006, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT versao, nome, preco_lista, categoria, custo_unitario, valido_de, valido_ate, eh_atual,
                           origem_historico_id
                    FROM dim.dim_produto WHERE produto_id = 'P5' ORDER BY versao$$,
                  $$VALUES (1, 'Lápis HB', 2.50, 'papelaria', 1.00, '-infinity'::date, '2024-03-01'::date, false, 50::bigint),
                           (2, 'Lápis HB', 2.50, 'papelaria', 1.10, '2024-03-01'::date, '2024-03-10'::date, false, 51::bigint),
                           (3, 'Lápis HB', 2.50, 'escolar', 1.20, '2024-03-10'::date, 'infinity'::date, true, 53::bigint)$$,
                  'change log: one version per state and day, the same-day change corrects version 3, name and price (type 1) from the latest');
SELECT results_eq($$SELECT f.item_pedido_id, p.versao, p.categoria FROM fact.fact_vendas f
                    JOIN dim.dim_produto p USING (produto_sk) WHERE f.item_pedido_id LIKE 'K5_' ORDER BY 1$$,
                  $$VALUES ('K51', 1, 'papelaria'), ('K52', 2, 'papelaria'), ('K53', 3, 'escolar')$$,
                  'change log: each sale is bound to the version of its day');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 950006 AND entity = 'dim_produto'$$,
                  $$VALUES (4::bigint, 2::bigint, 1::bigint, 1::bigint, 2::bigint)$$,
                  'audit: 2 versions opened, 1 corrected, the state already applied unchanged, 2 sales re-bound');
SELECT set_eq($$SELECT data_sk, regiao_sk, equipe_sk, vendedor_sk FROM ctl.agg_grupos_pendentes
                UNION ALL SELECT to_char(data, 'YYYYMMDD')::integer, 0, 0, 0 FROM ctl.agg_refresh_pending$$,
              $$VALUES (20240305, -1, -1, -1), (20240320, -1, -1, -1), (20240320, 0, 0, 0)$$,
              'pending: the aggregate groups (day x region x team x seller) of the re-bound sales, and whole the day of the version corrected in place');
CREATE TEMP TABLE before_overlap AS SELECT * FROM dim.dim_produto;
CALL etl.load_dim_produto(950007, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 950007 AND entity = 'dim_produto'$$,
                  $$VALUES (0::bigint, 0::bigint, 4::bigint, 0::bigint)$$,
                  'the same change-log rows again (overlap, reprocess): every state is skipped');
SELECT set_eq($$SELECT * FROM dim.dim_produto$$, $$SELECT * FROM before_overlap$$,
              'the same change-log rows again: the dimension is unchanged');

-- a late re-categorisation: P8's cost changes on 2024-03-01; then a new category recorded later but
-- effective 2024-02-01 splits version 1 in the middle of history: the category holds from its day on
-- (the later version takes it too, renumbered), the cost keeps its own history
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (950008, 'test', 'test'), (950009, 'test', 'test'), (950010, 'test', 'test'), (950011, 'test', 'test');
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P8', 'Banco', 'moveis', 'cadeiras', 20.00, 10.00, '2024-01-10 10:00-03', 80);
CALL etl.load_dim_produto(950008, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, p.produto_sk, -1, -1, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('N81', 20240120), ('N82', 20240215), ('N83', 20240315)) AS x(id, dia)
JOIN dim.dim_produto p ON p.produto_id = 'P8' AND p.eh_atual;
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P8', 'Banco', 'moveis', 'cadeiras', 20.00, 12.00, '2024-03-01 10:00-03', 81);
CALL etl.load_dim_produto(950009, '2024-03-20 12:00-03');
DELETE FROM ctl.agg_refresh_pending;
DELETE FROM ctl.agg_grupos_pendentes;
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P8', 'Banco', 'games', 'cadeiras', 20.00, 12.00, '2024-02-01 10:00-03', 82);
CALL etl.load_dim_produto(950010, '2024-03-21 12:00-03');
SELECT results_eq($$SELECT versao, categoria, custo_unitario, valido_de, valido_ate, eh_atual, origem_historico_id
                    FROM dim.dim_produto WHERE produto_id = 'P8' ORDER BY versao$$,
                  $$VALUES (1, 'moveis', 10.00, '-infinity'::date, '2024-02-01'::date, false, 80::bigint),
                           (2, 'games', 10.00, '2024-02-01'::date, '2024-03-01'::date, false, 82::bigint),
                           (3, 'games', 12.00, '2024-03-01'::date, 'infinity'::date, true, 82::bigint)$$,
                  'late re-categorisation between two versions: split at its day, the later version takes the category and keeps its cost');
SELECT results_eq($$SELECT f.item_pedido_id, p.versao, p.categoria FROM fact.fact_vendas f
                    JOIN dim.dim_produto p USING (produto_sk) WHERE f.item_pedido_id LIKE 'N8_' ORDER BY 1$$,
                  $$VALUES ('N81', 1, 'moveis'), ('N82', 2, 'games'), ('N83', 3, 'games')$$,
                  'each sale on the version of its day');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 950010 AND entity = 'dim_produto'$$,
                  $$VALUES (1::bigint, 0::bigint, 1::bigint)$$,
                  'audit: the split is one insert, the sale inside it re-bound');
SELECT set_eq($$SELECT data_sk, regiao_sk, equipe_sk, vendedor_sk FROM ctl.agg_grupos_pendentes
                UNION ALL SELECT to_char(data, 'YYYYMMDD')::integer, 0, 0, 0 FROM ctl.agg_refresh_pending$$,
              $$VALUES (20240215, -1, -1, -1)$$,
              'the re-bound sale''s group is pending (the later version''s groups are queued by the harness)');
CREATE TEMP TABLE before_late_rerun AS SELECT * FROM dim.dim_produto;
TRUNCATE stg.products;
INSERT INTO stg.products (product_id, name, category, subcategory, list_price, unit_cost, updated_at, history_id)
VALUES ('P8', 'Banco', 'moveis', 'cadeiras', 20.00, 10.00, '2024-01-10 10:00-03', 80),
       ('P8', 'Banco', 'moveis', 'cadeiras', 20.00, 12.00, '2024-03-01 10:00-03', 81),
       ('P8', 'Banco', 'games', 'cadeiras', 20.00, 12.00, '2024-02-01 10:00-03', 82);
CALL etl.load_dim_produto(950011, '2024-03-21 12:00-03');
SELECT set_eq($$SELECT * FROM dim.dim_produto$$, $$SELECT * FROM before_late_rerun$$,
              'the late states again (overlap, reprocess): the dimension is unchanged');

SELECT throws_ok($$CALL etl.load_dim_produto(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_produto(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
