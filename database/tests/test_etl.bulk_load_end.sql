-- etl.bulk_load_end: puts back exactly what begin took off (same definitions), validates every
-- foreign key and exclusion constraint over the rows loaded meanwhile (an orphan fails the call; an overlap
-- in a type-2 dimension is refused by the statement, its triggers stay on), is a no-op when nothing
-- is saved, and the fact loads heal a suspension left committed.
BEGIN;
SELECT plan(8);

SELECT is_procedure('etl', 'bulk_load_end', ARRAY['regclass'], 'signature');

CREATE TEMP TABLE defs_before AS
SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'fact.fact_vendas'::regclass
UNION ALL
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'fact.fact_vendas'::regclass;
CREATE TEMP VIEW defs_now AS
SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'fact.fact_vendas'::regclass
UNION ALL
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'fact.fact_vendas'::regclass;

CALL etl.bulk_load_end('fact.fact_vendas');
SELECT set_eq('SELECT def FROM defs_now', 'SELECT def FROM defs_before', 'nothing saved: nothing changes');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (970101, 'test', 'test');
CALL etl.bulk_load_begin('fact.fact_vendas', 970101);
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk, equipe_sk,
                              regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida, quantidade_devolvida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total, valor_frete,
                              inserted_run_id)
VALUES ('X1', 'P1', 1, -1, 987654, -1, -1, -1, -1, -1, 'delivered', false, 1, 0, 1, 1, 0, 1, 0, 0, 970101);
SELECT throws_ok($$CALL etl.bulk_load_end('fact.fact_vendas')$$, '23503', NULL,
                 'a row loaded while the keys were off that breaks one makes the restore fail');
UPDATE fact.fact_vendas SET cliente_sk = -1 WHERE item_pedido_id = 'X1';
CALL etl.bulk_load_end('fact.fact_vendas');
SELECT set_eq('SELECT def FROM defs_now', 'SELECT def FROM defs_before',
              'restored: the same foreign keys and indexes, definition for definition');
SELECT is((SELECT count(*)::integer FROM ctl.suspended_definition), 0, 'nothing left saved');
DELETE FROM fact.fact_vendas WHERE item_pedido_id = 'X1';

-- a suspension left committed (simulated: saved, never restored) is healed by the next fact load
CALL etl.bulk_load_begin('fact.fact_vendas', 970101);
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'S1', 'C1', 'delivered', '2024-03-04 12:00+00', NULL, 2, 50.00, 20.00, 0, 0, 0, NULL, true, '2024-03-05 10:00-03');
CALL etl.load_fact_vendas(970101, '2024-03-05 12:00-03');
SELECT set_eq('SELECT def FROM defs_now', 'SELECT def FROM defs_before', 'the next load restored them');
SELECT is((SELECT count(*)::integer FROM fact.fact_vendas), 1, 'and loaded its line through the bulk path');

-- a type-2 dimension during its bulk path: the no-overlap rule (V081 triggers, per statement) stays
-- on, so two overlapping versions of one key are refused by the statement that writes them
CALL etl.bulk_load_begin('dim.dim_cliente', 970101);
SELECT throws_ok($$INSERT INTO dim.dim_cliente (cliente_sk, cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES (970001, 'CX', 'X', '-infinity', '2024-05-01', false, 1),
                          (970002, 'CX', 'X', '2024-04-01', 'infinity', true, 2)$$, '23P01', NULL,
                 'an overlap written during the bulk path is refused at once (exclusion_violation)');

SELECT * FROM finish();
ROLLBACK;
