-- etl.load_fact_descontos: rows derived from the loaded fact_vendas lines with a discount, lines
-- rejected by fact_vendas skipped (not logged twice), audit conservation, rerun no-op,
-- update / insert / delete when a discount changes, appears or goes to 0, bad input. The lines name
-- their customer, product and seller (a NULL one is rejected by fact_vendas: null_customer...).
BEGIN;
SELECT plan(13);

SELECT is_procedure('etl', 'load_fact_descontos', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_fact_descontos has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (980001, 'test', 'test'), (980002, 'test', 'test'), (980003, 'test', 'test');
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', 'D1', 2, 50.00, 20.00, 10.00, 0, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I2', 'O1', 2, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', 'D1', 1, 30.00, NULL,   0.00, 0, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I3', 'O2', 1, 'P1', 'V1', 'C1', 'canceled',  '2024-03-04 12:00+00', NULL, 1, 20.00, 8.00,   5.00, 0, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I4', 'O3', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', 'D1', 0, 20.00, 8.00,   3.00, 0, 0, NULL, true, '2024-03-05 10:00-03');
CALL etl.load_fact_vendas(980001, '2024-03-05 12:00-03');
CALL etl.load_fact_descontos(980001, '2024-03-05 12:00-03');

CREATE TEMP VIEW fd AS
SELECT f.item_pedido_id, f.pedido_id, d.desconto_id, f.data_sk, f.eh_cancelado, f.valor_bruto, f.valor_desconto_aplicado,
       f.valor_com_desconto, f.custo_total
FROM fact.fact_descontos f JOIN dim.dim_desconto d ON d.desconto_sk = f.desconto_sk;

SELECT set_eq($$SELECT * FROM fd$$,
              $$VALUES ('I1', 'O1', 'D1', 20240304, false, 100.00, 10.00, 90.00, 40.00),
                       ('I3', 'O2', '-1', 20240304, true, 20.00, 5.00, 15.00, 8.00)$$,
              'one row per loaded line with a discount; NULL discount id -> -1; the rejected line I4 is skipped');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 980001 AND entity = 'fact_descontos'$$,
                  $$VALUES (4::bigint, 2::bigint, 0::bigint, 0::bigint, 2::bigint, 0::bigint)$$,
                  'audit: 4 read = 2 inserted + 2 unchanged (no discount / not in fact_vendas)');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'fact_descontos'), 0,
          'a line rejected by fact_vendas is not logged a second time');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'fact_descontos'), '2024-03-05 12:00-03'::timestamptz,
          'watermark advanced');
SELECT is((SELECT count(*)::integer FROM fact.fact_descontos WHERE inserted_run_id = 980001), 2, 'rows stamped');

CREATE TEMP TABLE before_rerun AS SELECT * FROM fact.fact_descontos;
CALL etl.load_fact_vendas(980002, '2024-03-05 12:00-03');
CALL etl.load_fact_descontos(980002, '2024-03-05 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_deleted, rows_unchanged
                    FROM audit.etl_run_entity WHERE run_id = 980002 AND entity = 'fact_descontos'$$,
                  $$VALUES (0::bigint, 0::bigint, 0::bigint, 4::bigint)$$, 'rerun: nothing inserted, updated or deleted');
SELECT set_eq($$SELECT * FROM fact.fact_descontos$$, $$SELECT * FROM before_rerun$$, 'rerun: the fact is unchanged');

-- I1 discount 10 -> 20 (update), I2 0 -> 4 (insert), I3 5 -> 0 (delete)
TRUNCATE stg.order_lines;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', 'D1', 2, 50.00, 20.00, 20.00, 0, 0, NULL, true, '2024-03-06 10:00-03'),
    ('I2', 'O1', 2, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', 'D1', 1, 30.00, NULL,   4.00, 0, 0, NULL, true, '2024-03-06 10:00-03'),
    ('I3', 'O2', 1, 'P1', 'V1', 'C1', 'canceled',  '2024-03-04 12:00+00', NULL, 1, 20.00, 8.00,   0.00, 0, 0, NULL, true, '2024-03-06 10:00-03');
CALL etl.load_fact_vendas(980003, '2024-03-06 12:00-03');
CALL etl.load_fact_descontos(980003, '2024-03-06 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 980003 AND entity = 'fact_descontos'$$,
                  $$VALUES (3::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 0::bigint)$$,
                  'update: 1 updated, 1 inserted, 1 deleted (discount went to 0, counted unchanged too)');
SELECT set_eq($$SELECT item_pedido_id, valor_bruto, valor_desconto_aplicado, valor_com_desconto, custo_total FROM fd$$,
              $$VALUES ('I1', 100.00, 20.00, 80.00, 40.00), ('I2', 30.00, 4.00, 26.00, 0.00)$$,
              'update: new discount applied, new discounted line added, zero-discount line removed');
SELECT is((SELECT updated_run_id FROM fact.fact_descontos WHERE item_pedido_id = 'I1'), 980003::bigint, 'update stamped');

SELECT throws_ok($$CALL etl.load_fact_descontos(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_fact_descontos(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
