-- etl.rejeicao_primeira: a reject is a new problem unless the same row (entity, key) still had a
-- reject open from an earlier run; a reject resolved before (the row was fixed, then broke again),
-- another entity's key and a NULL key do not count as open.
BEGIN;
SELECT plan(6);

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (997001, 'test', 'test'), (997002, 'test', 'test'), (997003, 'test', 'test');
INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw) VALUES
    (997001, 'fact_vendas', 'I1', 'quantity_not_positive', '{}'),
    (997001, 'fact_vendas', 'I2', 'quantity_not_positive', '{}'),
    (997001, 'dim_produto', 'I3', 'negative_price', '{}');
INSERT INTO audit.rejeicoes_resolvidas (rejected_id, run_id, motivo)
SELECT rejected_id, 997002, 'carregada' FROM audit.rejected_rows WHERE natural_key = 'I2';

SELECT ok(NOT etl.rejeicao_primeira('fact_vendas', 'I1', 997003), 'I1 still open from run 997001: not new');
SELECT ok(etl.rejeicao_primeira('fact_vendas', 'I2', 997003), 'I2 was resolved by run 997002: new again');
SELECT ok(NOT etl.rejeicao_primeira('fact_vendas', 'I2', 997002),
          'as seen by run 997002, which resolved it, I2 was open before it');
SELECT ok(etl.rejeicao_primeira('fact_vendas', 'I3', 997003), 'another entity''s key does not count');
SELECT ok(etl.rejeicao_primeira('fact_vendas', 'I1', 997001), 'rejects of the same run are not "earlier"');
SELECT ok(etl.rejeicao_primeira('fact_vendas', NULL, 997003), 'a NULL key is always new');

SELECT * FROM finish();
ROLLBACK;
