-- etl.finish_entity: the audit row (unchanged = read - inserted - updated - rejected, values), the
-- monotone watermark, a second call of the same run adding up, counts that do not add up.
BEGIN;
SELECT plan(7);

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (996001, 'test', 'test');
CALL etl.finish_entity(996001, 'teste', now(), '2024-03-05 12:00-03', 10, 3, 2, 1, 4, 1000.00, 250.00);
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected,
                           valor_lido, valor_rejeitado
                    FROM audit.etl_run_entity WHERE run_id = 996001 AND entity = 'teste'$$,
                  $$VALUES (10::bigint, 3::bigint, 2::bigint, 1::bigint, 1::bigint, 4::bigint, 1000.00::numeric, 250.00::numeric)$$,
                  'audit row: unchanged is the remainder; values recorded');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'teste'), '2024-03-05 12:00-03'::timestamptz,
          'watermark set');
CALL etl.finish_entity(996001, 'teste', now(), '2024-03-01 12:00-03', 5, 0, 0, 0, 1, 100.00, 10.00);
SELECT results_eq($$SELECT rows_read, rows_unchanged, rows_rejected, valor_lido, valor_rejeitado
                    FROM audit.etl_run_entity WHERE run_id = 996001 AND entity = 'teste'$$,
                  $$VALUES (15::bigint, 5::bigint, 5::bigint, 1100.00::numeric, 260.00::numeric)$$,
                  'a second call of the run adds its counts and values');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'teste'), '2024-03-05 12:00-03'::timestamptz,
          'an older watermark never moves it back');
-- rows_rejected_first: of the run's rejects, those of rows with no reject open from an earlier run
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (996000, 'test', 'test');
INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw) VALUES
    (996000, 'dim', 'K1', 'null_key', '{"v": 1}'), (996000, 'dim', 'K3', 'null_key', '{"v": 1}'),
    (996001, 'dim', 'K1', 'null_key', '{"v": 2}'),   -- K1 was open: rejected again, no new problem
    (996001, 'dim', 'K2', 'null_key', '{"v": 2}'),   -- new
    (996001, 'dim', 'K3', 'null_key', '{"v": 2}'),   -- K3's earlier reject was resolved: a new problem again
    (996001, 'dim', NULL, 'null_key', '{"v": 2}');   -- no key: always new
INSERT INTO audit.rejeicoes_resolvidas (rejected_id, run_id, motivo)
SELECT rejected_id, 996000, 'carregada' FROM audit.rejected_rows WHERE run_id = 996000 AND natural_key = 'K3';
CALL etl.finish_entity(996001, 'dim', now(), now(), 6, 1, 0, 0, 4);
SELECT is((SELECT rows_rejected_first FROM audit.etl_run_entity WHERE run_id = 996001 AND entity = 'dim'), 3::bigint,
          'rows_rejected_first: K2, K3 (fixed before, broken again) and the NULL key; not K1, still open');
SELECT results_eq($$SELECT valor_lido, valor_rejeitado FROM audit.etl_run_entity WHERE run_id = 996001 AND entity = 'dim'$$,
                  $$VALUES (NULL::numeric, NULL::numeric)$$, 'a dimension passes no value');
SELECT throws_ok($$CALL etl.finish_entity(996001, 'x', now(), now(), 1, 1, 1, 0, 0)$$, 'XX000', NULL,
                 'counts that do not add up: internal_error');

SELECT * FROM finish();
ROLLBACK;
