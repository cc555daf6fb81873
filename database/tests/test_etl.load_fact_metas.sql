-- etl.load_fact_metas: month normalisation, seller/team resolution (inferred seller), screens,
-- audit counts, watermark, rerun no-op, update, tombstones, reprocess window, bad input.
BEGIN;
SELECT plan(18);

SELECT is_procedure('etl', 'load_fact_metas', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_fact_metas has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (990001, 'test', 'test'), (990002, 'test', 'test'), (990003, 'test', 'test'), (990004, 'test', 'test');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T1', 'Equipe Um');
INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk)
SELECT 'V1', 'Ana', 'T1', equipe_sk FROM dim.dim_equipe WHERE equipe_id = 'T1';
TRUNCATE stg.sales_targets, stg.deleted_rows;
INSERT INTO stg.sales_targets (seller_id, month, target_amount, updated_at) VALUES
    ('V1', '2024-03-01', 10000.00, '2024-03-05 10:00-03'),
    ('V1', '2024-04-15', 12000.00, '2024-03-05 10:00-03'),   -- mid-month date: counts for April
    ('V9', '2024-03-01',  5000.00, '2024-03-05 10:00-03'),   -- unknown seller: inferred
    (NULL, '2024-03-01',     1.00, '2024-03-05 10:00-03'),   -- null_key
    ('V1', '2024-05-01',    -1.00, '2024-03-05 10:00-03'),   -- negative_target
    ('V1', '2024-06-01',     NULL, '2024-03-05 10:00-03'),   -- null_target
    ('V1', '2040-01-01',     1.00, '2024-03-05 10:00-03'),   -- date_out_of_range (calendar ends 2035)
    ('V1', 'infinity',       1.00, '2024-03-05 10:00-03'),   -- date_out_of_range
    (repeat('V', 201), '2024-03-01', 1.00, '2024-03-05 10:00-03');   -- key_too_long (no inferred seller)
CALL etl.load_fact_metas(990001, '2024-03-05 12:00-03');

CREATE TEMP VIEW fm AS
SELECT m.vendedor_id, v.vendedor_id AS sk_vendedor, m.mes, m.mes_sk, e.equipe_id, m.valor_meta
FROM fact.fact_metas m JOIN dim.dim_vendedor v ON v.vendedor_sk = m.vendedor_sk JOIN dim.dim_equipe e ON e.equipe_sk = m.equipe_sk;

SELECT set_eq($$SELECT * FROM fm$$,
              $$VALUES ('V1', 'V1', '2024-03-01'::date, 20240301, 'T1', 10000.00),
                       ('V1', 'V1', '2024-04-01'::date, 20240401, 'T1', 12000.00),
                       ('V9', 'V9', '2024-03-01'::date, 20240301, '-1', 5000.00)$$,
              'targets per seller and month: month normalised, team from the seller, inferred seller in team -1');
SELECT is((SELECT inferido FROM dim.dim_vendedor WHERE vendedor_id = 'V9'), true, 'the unknown seller is an inferred member');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 990001 AND entity = 'fact_metas'$$,
                  $$VALUES (9::bigint, 3::bigint, 0::bigint, 0::bigint, 0::bigint, 6::bigint)$$,
                  'audit: 9 read = 3 inserted + 6 rejected');
SELECT set_eq($$SELECT natural_key, rule FROM audit.rejected_rows WHERE run_id = 990001 AND entity = 'fact_metas'$$,
              $$VALUES (NULL, 'null_key'), ('V1|2024-05-01', 'negative_target'), ('V1|2024-06-01', 'null_target'),
                       ('V1|2040-01-01', 'date_out_of_range'), ('V1|infinity', 'date_out_of_range'),
                       (repeat('V', 201) || '|2024-03-01', 'key_too_long')$$, 'screens with their rules');
SELECT is((SELECT count(*)::integer FROM dim.dim_vendedor WHERE length(vendedor_id) > 200), 0,
          'a rejected target infers no seller');
SELECT results_eq($$SELECT valor_lido, valor_rejeitado FROM audit.etl_run_entity WHERE run_id = 990001 AND entity = 'fact_metas'$$,
                  $$VALUES (27005.00::numeric, 5.00::numeric)$$, 'audit values: the targets read and rejected');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'fact_metas'), '2024-03-05 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM fact.fact_metas;
CALL etl.load_fact_metas(990002, '2024-03-05 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 990002 AND entity = 'fact_metas'$$,
                  $$VALUES (0::bigint, 0::bigint, 0::bigint, 9::bigint, 0::bigint)$$,
                  'rerun: nothing changes, nothing rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'fact_metas'), 6,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM fact.fact_metas$$, $$SELECT * FROM before_rerun$$, 'rerun: the fact is unchanged');

-- update V1/March, V9 unchanged, V1/May fixed at the source; tombstones: V1/April deleted,
-- V9/March staged again (kept), one whose month is no date (ignored)
TRUNCATE stg.sales_targets;
INSERT INTO stg.sales_targets VALUES ('V1', '2024-03-01', 11000.00, '2024-03-06 10:00-03'),
                                     ('V9', '2024-03-01', 5000.00, '2024-03-06 10:00-03'),
                                     ('V1', '2024-05-01', 500.00, '2024-03-06 10:00-03');
INSERT INTO stg.deleted_rows VALUES (1, 'sales_targets', 'V1|2024-04-01', '2024-03-06 09:00-03'),
                                    (2, 'sales_targets', 'V9|2024-03-01', '2024-03-06 08:00-03'),
                                    (3, 'sales_targets', 'V1|2024-13-45', '2024-03-06 08:00-03');
CALL etl.load_fact_metas(990003, '2024-03-06 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged
                    FROM audit.etl_run_entity WHERE run_id = 990003 AND entity = 'fact_metas'$$,
                  $$VALUES (3::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint)$$,
                  'update: 1 inserted (the fixed target), 1 updated, 1 unchanged, 1 deleted by tombstone');
SELECT set_eq($$SELECT vendedor_id, mes, valor_meta FROM fact.fact_metas$$,
              $$VALUES ('V1', '2024-03-01'::date, 11000.00), ('V9', '2024-03-01'::date, 5000.00),
                       ('V1', '2024-05-01'::date, 500.00)$$,
              'tombstoned target gone, re-staged one kept, new value applied, fixed target loaded');
SELECT results_eq($$SELECT r.natural_key, x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('V1|2024-05-01', 990003::bigint)$$, 'the fixed target''s reject is resolved, the others stay open');
SELECT is((SELECT updated_run_id FROM fact.fact_metas WHERE vendedor_id = 'V1' AND mes = '2024-03-01'), 990003::bigint,
          'update stamped');

-- reprocess March: stg holds every target of March; V9 absent -> deleted (May is outside the window)
TRUNCATE stg.sales_targets, stg.deleted_rows;
INSERT INTO stg.sales_targets VALUES ('V1', '2024-03-01', 11000.00, '2024-03-06 10:00-03');
CALL etl.load_fact_metas(990004, '2024-03-07 12:00-03', '2024-03-01', '2024-03-31');
SELECT results_eq($$SELECT rows_read, rows_deleted, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 990004 AND entity = 'fact_metas'$$,
                  $$VALUES (1::bigint, 1::bigint, 1::bigint)$$, 'reprocess: the target absent from staging is deleted');

SELECT throws_ok($$CALL etl.load_fact_metas(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_fact_metas(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
