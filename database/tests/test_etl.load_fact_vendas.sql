-- etl.load_fact_vendas: first load (measures, every sk resolved, inferred members, São Paulo date),
-- every screen (poison values included: overflow, infinity, 9999-12-31, negative freight, NULL and
-- over-long references), audit counts and values, watermark, rerun no-op (rejects recorded once),
-- update, a fixed line loading and its reject resolved, tombstones (line and order), reprocess
-- window, bad input.
BEGIN;
SELECT plan(29);

SELECT is_procedure('etl', 'load_fact_vendas', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_fact_vendas has the load contract signature');

-- arrange: runs, one known member per dimension
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (970001, 'test', 'test'), (970002, 'test', 'test'), (970003, 'test', 'test'),
       (970004, 'test', 'test'), (970005, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('SE', 'Sudeste');
INSERT INTO dim.dim_equipe (equipe_id, nome, regiao_id, regiao_sk)
SELECT 'T1', 'Equipe Um', 'SE', regiao_sk FROM dim.dim_regiao WHERE regiao_id = 'SE';
INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk)
SELECT 'V1', 'Ana', 'T1', equipe_sk FROM dim.dim_equipe WHERE equipe_id = 'T1';
INSERT INTO dim.dim_cliente (cliente_id, nome, regiao_id, regiao_sk)
SELECT 'C1', 'Maria', 'SE', regiao_sk FROM dim.dim_regiao WHERE regiao_id = 'SE';
INSERT INTO dim.dim_produto (produto_id, nome) VALUES ('P1', 'Cadeira');
INSERT INTO dim.dim_desconto (desconto_id, codigo, campanha, tipo) VALUES ('D1', 'PROMO10', 'Black Friday', 'percentual');
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    -- accepted: known members; 01:30 UTC on 03-01 is still 02-29 in São Paulo
    ('I1',  'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-01 01:30+00', 'D1', 2, 50.00, 20.00, 10.00, 5.00, 1, '2024-03-10', true, '2024-03-05 10:00-03'),
    -- accepted: unknown customer, product and seller -> inferred members; team/region/discount -1
    ('I2',  'O1', 2, 'P9', 'V9', 'C9', 'delivered', '2024-03-01 15:00+00', NULL, 1, 30.00, NULL, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    -- accepted: cancelled, NULL discount -> the unknown member (no coupon)
    ('I3',  'O2', 1, 'P1', 'V1', 'C1', 'canceled', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    -- rejected, one per rule
    (NULL,  'O3', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I5',  'O4', 1, 'P1', 'V1', NULL, NULL,        NULL,                   NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, false, '2024-03-05 10:00-03'),
    ('I6',  'O5', 1, 'P1', 'V1', 'C1', 'lost',      '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I7',  'O5', 2, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 0, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I8',  'O5', 3, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, -1.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I9',  'O5', 4, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', 'D1', 1, 10.00, 5.00, 11.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I10', 'O5', 5, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 2, NULL, true, '2024-03-05 10:00-03'),
    ('I20', 'O1', 2, 'P1', 'V1', 'C1', 'delivered', '2024-03-01 15:00+00', NULL, 1, 30.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I12', 'O6', 1, 'P1', 'V1', 'C1', 'delivered', '2010-01-01 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    -- poison values the shop can hold
    ('I13', 'O8', 1, 'P1', 'V1', NULL, 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I14', 'O8', 2, NULL, 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I15', 'O8', 3, 'P1', NULL, 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I16', 'O8', 4, repeat('P', 201), 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I17', 'O8', 5, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1000, 9999999999.99, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I18', 'O8', 6, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, -5.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I19', 'O8', 7, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 1, '9999-12-31', true, '2024-03-05 10:00-03'),
    ('I21', 'O9', 1, 'P1', 'V1', 'C1', 'delivered', 'infinity', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I22', 'O10', 1, 'P1', 'V1', 'C1', 'delivered', '9999-12-31 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03');

CREATE TEMP VIEW fv AS
SELECT f.item_pedido_id, f.pedido_id, f.linha, f.data_sk, c.cliente_id, p.produto_id, v.vendedor_id, e.equipe_id,
       r.regiao_id, d.desconto_id, f.status, f.eh_cancelado, f.quantidade_vendida, f.quantidade_devolvida,
       f.data_devolucao, f.preco_unitario, f.valor_bruto, f.valor_desconto, f.valor_total_liquido, f.custo_total, f.valor_frete
FROM fact.fact_vendas f
JOIN dim.dim_cliente c ON c.cliente_sk = f.cliente_sk JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
JOIN dim.dim_vendedor v ON v.vendedor_sk = f.vendedor_sk JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk JOIN dim.dim_desconto d ON d.desconto_sk = f.desconto_sk;

-- act: a session time zone far from São Paulo must not move the business date
SET LOCAL TimeZone = 'Asia/Tokyo';
CALL etl.load_fact_vendas(970001, '2024-03-05 12:00-03');
RESET TimeZone;

SELECT set_eq($$SELECT * FROM fv$$,
              $$VALUES ('I1', 'O1', 1, 20240229, 'C1', 'P1', 'V1', 'T1', 'SE', 'D1', 'delivered', false, 2, 1, '2024-03-10'::date,
                        50.00, 100.00, 10.00, 90.00, 40.00, 5.00),
                       ('I2', 'O1', 2, 20240301, 'C9', 'P9', 'V9', '-1', '-1', '-1', 'delivered', false, 1, 0, NULL,
                        30.00, 30.00, 0.00, 30.00, 0.00, 0.00),
                       ('I3', 'O2', 1, 20240302, 'C1', 'P1', 'V1', 'T1', 'SE', '-1', 'canceled', true, 1, 0, NULL,
                        10.00, 10.00, 0.00, 10.00, 5.00, 0.00)$$,
              'first load: measures, São Paulo date, sks resolved (known, inferred, no coupon), cancelled line kept');
SELECT set_eq($$SELECT 'cliente', cliente_id, nome, inferido FROM dim.dim_cliente WHERE cliente_id = 'C9'
                UNION ALL SELECT 'produto', produto_id, nome, inferido FROM dim.dim_produto WHERE produto_id = 'P9'
                UNION ALL SELECT 'vendedor', vendedor_id, nome, inferido FROM dim.dim_vendedor WHERE vendedor_id = 'V9'$$,
              $$VALUES ('cliente', 'C9', 'Não informado (inferido)', true), ('produto', 'P9', 'Não informado (inferido)', true),
                       ('vendedor', 'V9', 'Não informado (inferido)', true)$$,
              'unknown customer, product and seller became inferred members');
SELECT is((SELECT count(*)::integer FROM dim.dim_produto WHERE inferido), 1, 'rejected lines inferred nothing');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 970001 AND entity = 'fact_vendas'$$,
                  $$VALUES (21::bigint, 3::bigint, 0::bigint, 0::bigint, 0::bigint, 18::bigint)$$,
                  'audit: 21 read = 3 inserted + 18 rejected');
SELECT set_eq($$SELECT natural_key, rule FROM audit.rejected_rows WHERE run_id = 970001 AND entity = 'fact_vendas'$$,
              $$VALUES (NULL, 'null_key'), ('I5', 'orphan_order'), ('I6', 'unknown_status'), ('I7', 'quantity_not_positive'),
                       ('I8', 'negative_price'), ('I9', 'discount_out_of_range'), ('I10', 'returned_out_of_range'),
                       ('I20', 'duplicate_line'), ('I12', 'date_out_of_range'), ('I13', 'null_customer'),
                       ('I14', 'null_product'), ('I15', 'null_seller'), ('I16', 'key_too_long'), ('I17', 'value_overflow'),
                       ('I18', 'negative_freight'), ('I19', 'return_date_out_of_range'), ('I21', 'date_out_of_range'),
                       ('I22', 'date_out_of_range')$$,
              'every screen rejects its line with its rule, poison values included');
SELECT results_eq($$SELECT valor_lido, valor_rejeitado FROM audit.etl_run_entity
                    WHERE run_id = 970001 AND entity = 'fact_vendas'$$,
                  $$SELECT sum(abs(quantity * unit_price)), sum(abs(quantity * unit_price)) FILTER (WHERE order_item_id IS NULL
                           OR order_item_id NOT IN ('I1', 'I2', 'I3')) FROM stg.order_lines$$,
                  'audit values: |quantity x price| of every line read and of the lines rejected');
SELECT is((SELECT (raw ->> 'discount_amount')::numeric || '/' || (raw ? 'rule')::text FROM audit.rejected_rows
           WHERE run_id = 970001 AND natural_key = 'I9'), '11.00/false', 'raw is the staging row as extracted');
SELECT is((SELECT (watermark, last_run_id)::text FROM ctl.etl_control WHERE entity = 'fact_vendas'),
          ('2024-03-05 12:00-03'::timestamptz, 970001)::text, 'watermark and last run advanced');
SELECT is((SELECT count(*)::integer FROM fact.fact_vendas WHERE inserted_run_id = 970001 AND updated_run_id IS NULL), 3,
          'inserted rows carry the inserting run');

-- rerun: identical staging
CREATE TEMP TABLE before_rerun AS SELECT * FROM fact.fact_vendas;
CALL etl.load_fact_vendas(970002, '2024-03-05 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 970002 AND entity = 'fact_vendas'$$,
                  $$VALUES (21::bigint, 0::bigint, 0::bigint, 0::bigint, 21::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated, deleted, nor rejected anew (the re-read rejects are unchanged)');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'fact_vendas'), 18,
          'rerun: each reject is recorded once');
SELECT is((SELECT valor_rejeitado FROM audit.etl_run_entity WHERE run_id = 970002 AND entity = 'fact_vendas'), 0::numeric,
          'rerun: no value rejected anew');
SELECT set_eq($$SELECT * FROM fact.fact_vendas$$, $$SELECT * FROM before_rerun$$, 'rerun: the fact is unchanged');
SELECT is((SELECT count(*)::integer FROM dim.dim_cliente), 3, 'rerun: no second inferred customer');

-- update, insert and tombstones: I1 returned one more unit, I3 unchanged, I4 new, I7 fixed at the
-- source (quantity 1); tombstone of line I2 (deleted) and of the rejected line I8 (its reject
-- resolved); tombstone of order O2 while I3 is staged with its order (kept)
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-01 01:30+00', 'D1', 2, 50.00, 20.00, 10.00, 5.00, 2, '2024-03-10', true, '2024-03-06 10:00-03'),
    ('I3', 'O2', 1, 'P1', 'V1', 'C1', 'canceled', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-06 10:00-03'),
    ('I4', 'O7', 1, 'P1', 'V1', 'C1', 'shipped', '2024-03-05 12:00+00', NULL, 3, 7.50, 2.00, 0.00, 1.00, 0, NULL, true, '2024-03-06 10:00-03'),
    ('I7', 'O5', 2, 'P1', 'V1', 'C1', 'delivered', '2024-03-02 12:00+00', NULL, 1, 10.00, 5.00, 0.00, 0.00, 0, NULL, true, '2024-03-06 10:00-03');
INSERT INTO stg.deleted_rows (deleted_row_id, table_name, row_key, updated_at)
VALUES (1, 'order_items', 'I2', '2024-03-06 09:00-03'), (2, 'orders', 'O2', '2024-03-06 09:00-03'),
       (4, 'order_items', 'I8', '2024-03-06 09:00-03');
CALL etl.load_fact_vendas(970003, '2024-03-06 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 970003 AND entity = 'fact_vendas'$$,
                  $$VALUES (4::bigint, 2::bigint, 1::bigint, 1::bigint, 1::bigint, 0::bigint)$$,
                  'update: 2 inserted (one a fixed line), 1 updated, 1 unchanged, 1 deleted by tombstone');
SELECT set_eq($$SELECT item_pedido_id FROM fact.fact_vendas$$, $$VALUES ('I1'), ('I3'), ('I4'), ('I7')$$,
              'the tombstoned line is gone; a staged line of a tombstoned order stays; the fixed line loaded');
SELECT set_eq($$SELECT r.natural_key, x.run_id, x.motivo FROM audit.rejeicoes_resolvidas x
                JOIN audit.rejected_rows r USING (rejected_id)$$,
              $$VALUES ('I7', 970003::bigint, 'carregada'), ('I8', 970003::bigint, 'excluida_na_origem')$$,
              'the fixed line''s reject and the deleted line''s reject are resolved, nothing else');
SELECT is((SELECT count(*)::integer FROM audit.vw_rejeicoes_abertas WHERE entity = 'fact_vendas'), 16,
          'the other sixteen rejects stay open');
SELECT is((SELECT (quantidade_devolvida, updated_run_id)::text FROM fact.fact_vendas WHERE item_pedido_id = 'I1'),
          '(2,970003)', 'the changed line is updated and stamped');
SELECT is((SELECT (valor_bruto, custo_total, valor_frete, eh_cancelado)::text FROM fact.fact_vendas WHERE item_pedido_id = 'I4'),
          '(22.50,6.00,1.00,f)', 'the new line: 3 x 7.50 gross, 3 x 2.00 cost');
SELECT is((SELECT updated_run_id FROM fact.fact_vendas WHERE item_pedido_id = 'I3'), NULL::bigint,
          'the unchanged line is not touched');

-- an order tombstone removes every line of the order (fact_descontos follows by cascade)
INSERT INTO fact.fact_descontos (item_pedido_id, pedido_id, desconto_sk, data_sk, cliente_sk, produto_sk, vendedor_sk,
                                 eh_cancelado, valor_bruto, valor_desconto_aplicado, valor_com_desconto, custo_total)
SELECT item_pedido_id, pedido_id, desconto_sk, data_sk, cliente_sk, produto_sk, vendedor_sk, eh_cancelado, valor_bruto,
       valor_desconto, valor_total_liquido, custo_total FROM fact.fact_vendas WHERE item_pedido_id = 'I1';
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.deleted_rows VALUES (3, 'orders', 'O1', '2024-03-07 09:00-03');
CALL etl.load_fact_vendas(970004, '2024-03-07 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_deleted FROM audit.etl_run_entity WHERE run_id = 970004 AND entity = 'fact_vendas'$$,
                  $$VALUES (0::bigint, 1::bigint)$$, 'order tombstone: its line deleted and counted');
SELECT is((SELECT count(*)::integer FROM fact.fact_descontos WHERE item_pedido_id = 'I1'), 0,
          'order tombstone: the discount row went with its line');

-- reprocess 2024-03-02..2024-03-31: stg holds every line of the window; I3 (03-02) is absent -> deleted
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at)
VALUES ('I4', 'O7', 1, 'P1', 'V1', 'C1', 'shipped', '2024-03-05 12:00+00', NULL, 3, 7.50, 2.00, 0.00, 1.00, 0, NULL, true, '2024-03-06 10:00-03');
CALL etl.load_fact_vendas(970005, '2024-03-07 12:00-03', '2024-03-02', '2024-03-31');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged
                    FROM audit.etl_run_entity WHERE run_id = 970005 AND entity = 'fact_vendas'$$,
                  $$VALUES (1::bigint, 0::bigint, 0::bigint, 2::bigint, 1::bigint)$$,
                  'reprocess: the lines absent from the window''s staging are deleted, the rest unchanged');
SELECT set_eq($$SELECT item_pedido_id FROM fact.fact_vendas$$, $$VALUES ('I4')$$, 'reprocess: only I4 remains');

SELECT throws_ok($$CALL etl.load_fact_vendas(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_fact_vendas(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');
SELECT throws_ok($$CALL etl.load_fact_vendas(970005, now(), '2024-04-01', '2024-03-01')$$, '22023', NULL,
                 'reversed reprocess window: invalid_parameter_value');

SELECT * FROM finish();
ROLLBACK;
