-- etl.regra_meta: each rule of a sales target, first wins, an acceptable target gives NULL.
BEGIN;
SELECT plan(8);

SELECT is(etl.regra_meta('V1', '2024-03-15', 100.00, '2015-01-01', '2035-12-31'), NULL,
          'an acceptable target (mid-month date: its month)');
SELECT is(etl.regra_meta(NULL, '2024-03-01', 100.00, '2015-01-01', '2035-12-31'), 'null_key', 'NULL seller');
SELECT is(etl.regra_meta('V1', NULL, 100.00, '2015-01-01', '2035-12-31'), 'null_key', 'NULL month');
SELECT is(etl.regra_meta(repeat('V', 201), '2024-03-01', 100.00, '2015-01-01', '2035-12-31'), 'key_too_long',
          'a 201-character seller id');
SELECT is(etl.regra_meta('V1', 'infinity', 100.00, '2015-01-01', '2035-12-31'), 'date_out_of_range', 'month infinity');
SELECT is(etl.regra_meta('V1', '2035-12-31', 100.00, '2015-01-01', '2035-12-31'), NULL, 'the calendar''s last month');
SELECT is(etl.regra_meta('V1', '2024-03-01', NULL, '2015-01-01', '2035-12-31'), 'null_target', 'NULL target');
SELECT is(etl.regra_meta('V1', '2024-03-01', -1.00, '2015-01-01', '2035-12-31'), 'negative_target', 'negative target');

SELECT * FROM finish();
ROLLBACK;
