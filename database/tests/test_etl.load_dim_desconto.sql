-- etl.load_dim_desconto: kind mapping, screens (null key, unknown kind), inferred discount completed,
-- audit counts, watermark, rerun no-op, update, bad input.
BEGIN;
SELECT plan(14);

SELECT is_procedure('etl', 'load_dim_desconto', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_desconto has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (960001, 'test', 'test'), (960002, 'test', 'test'), (960003, 'test', 'test');
INSERT INTO dim.dim_desconto (desconto_id, codigo, campanha, inferido)
VALUES ('D9', 'Não informado (inferido)', 'Não informado (inferido)', true);
TRUNCATE stg.discounts;
INSERT INTO stg.discounts (discount_id, code, campaign, kind, value, valid_from, valid_to, campaign_cost, updated_at) VALUES
    ('D1', 'PROMO10', 'Black Friday', 'percent', 10.00, '2024-11-20', '2024-11-30', 5000.00, '2024-03-01 10:00-03'),
    ('D2', 'FRETE15', 'Frete',        ' FIXED ', 15.00, NULL,         NULL,            0.00, '2024-03-01 10:00-03'),
    ('D3', 'X',       'Y',            'bogus',    1.00, NULL,         NULL,            0.00, '2024-03-01 10:00-03'),
    ('D4', 'Z',       'W',            NULL,       1.00, NULL,         NULL,            0.00, '2024-03-01 10:00-03'),
    ('D9', 'VOLTA5',  'Retorno',      'fixed',    5.00, '2024-01-01', NULL,          100.00, '2024-03-01 10:00-03'),
    (NULL, 'N',       'N',            'fixed',    1.00, NULL,         NULL,            0.00, '2024-03-01 10:00-03'),
    ('D5', 'SEMFIM',  'Sem fim',      'fixed',    1.00, '2024-01-01', 'infinity',      0.00, '2024-03-01 10:00-03'),
    (repeat('D', 201), 'L', 'L',      'fixed',    1.00, NULL,         NULL,            0.00, '2024-03-01 10:00-03');

CALL etl.load_dim_desconto(960001, '2024-03-01 12:00-03');

SELECT set_eq($$SELECT desconto_id, codigo, campanha, tipo, valor, valido_de, valido_ate, custo_campanha, inferido
                FROM dim.dim_desconto$$,
              $$VALUES ('-1', 'Não informado', 'Não informado', NULL, NULL::numeric, NULL::date, NULL::date, NULL::numeric, false),
                       ('D1', 'PROMO10', 'Black Friday', 'percentual', 10.00, '2024-11-20', '2024-11-30', 5000.00, false),
                       ('D2', 'FRETE15', 'Frete', 'valor_fixo', 15.00, NULL, NULL, 0.00, false),
                       ('D9', 'VOLTA5', 'Retorno', 'valor_fixo', 5.00, '2024-01-01', NULL, 100.00, false)$$,
              'percent -> percentual, fixed (any case) -> valor_fixo; D9 completed');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 960001 AND entity = 'dim_desconto'$$,
                  $$VALUES (8::bigint, 2::bigint, 1::bigint, 0::bigint, 5::bigint)$$,
                  'audit: 8 read = 2 inserted + 1 updated + 5 rejected');
SELECT set_eq($$SELECT natural_key, rule FROM audit.rejected_rows WHERE run_id = 960001 AND entity = 'dim_desconto'$$,
              $$VALUES (NULL, 'null_key'), ('D3', 'unknown_discount_kind'), ('D4', 'unknown_discount_kind'),
                       ('D5', 'date_out_of_range'), (repeat('D', 201), 'key_too_long')$$,
              'unknown kinds, the null key, an infinite validity and an over-long key are rejected');
SELECT is((SELECT raw ->> 'kind' FROM audit.rejected_rows WHERE run_id = 960001 AND natural_key = 'D3'), 'bogus',
          'the raw staging row is kept');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_desconto'), '2024-03-01 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_desconto;
CALL etl.load_dim_desconto(960002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 960002 AND entity = 'dim_desconto'$$,
                  $$VALUES (0::bigint, 0::bigint, 8::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_desconto'), 5,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_desconto$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');

TRUNCATE stg.discounts;
INSERT INTO stg.discounts VALUES ('D1', 'PROMO10', 'Black Friday', 'percent', 12.00, '2024-11-20', '2024-12-02', 5000.00,
                                  '2024-03-02 10:00-03'),
                                 ('D5', 'SEMFIM', 'Sem fim', 'fixed', 1.00, '2024-01-01', '2024-12-31', 0.00,
                                  '2024-03-02 10:00-03');
CALL etl.load_dim_desconto(960003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated FROM audit.etl_run_entity
                    WHERE run_id = 960003 AND entity = 'dim_desconto'$$,
                  $$VALUES (2::bigint, 1::bigint, 1::bigint)$$,
                  'update: changed value and validity update the row; the fixed coupon is inserted');
SELECT results_eq($$SELECT r.natural_key, x.motivo FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('D5', 'carregada')$$, 'the fixed coupon''s reject is resolved, the others stay open');
SELECT is((SELECT (valor, valido_ate, updated_run_id)::text FROM dim.dim_desconto WHERE desconto_id = 'D1'),
          '(12.00,2024-12-02,960003)', 'update: new value and end date, stamped');

SELECT throws_ok($$CALL etl.load_dim_desconto(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_desconto(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
