-- etl.resolver_rejeicoes: open rejects of the keys given are resolved once, with the run and the
-- reason; other keys, other entities and rejects already resolved are left alone.
BEGIN;
SELECT plan(7);

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (995001, 'test', 'test'), (995002, 'test', 'test'), (995003, 'test', 'test');
INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw) VALUES
    (995001, 'fact_vendas', 'I1', 'quantity_not_positive', '{"quantity": 0}'),
    (995001, 'fact_vendas', 'I1', 'quantity_not_positive', '{"quantity": -1}'),   -- a later state of I1
    (995001, 'fact_vendas', 'I2', 'negative_price', '{}'),
    (995001, 'dim_produto', 'I1', 'negative_price', '{}');                        -- same key, other entity

SELECT is(etl.resolver_rejeicoes(995002, 'fact_vendas', ARRAY['I1', 'I9']), 2::bigint,
          'both rejects of the accepted key are resolved');
SELECT set_eq($$SELECT r.entity, r.natural_key, x.run_id, x.motivo FROM audit.rejeicoes_resolvidas x
                JOIN audit.rejected_rows r USING (rejected_id)$$,
              $$VALUES ('fact_vendas', 'I1', 995002::bigint, 'carregada'), ('fact_vendas', 'I1', 995002::bigint, 'carregada')$$,
              'only that entity''s key, stamped with the run, reason carregada');
SELECT set_eq($$SELECT entity, natural_key FROM audit.vw_rejeicoes_abertas$$,
              $$VALUES ('fact_vendas', 'I2'), ('dim_produto', 'I1')$$, 'the others stay open');
SELECT is(etl.resolver_rejeicoes(995003, 'fact_vendas', ARRAY['I1']), 0::bigint, 'a resolved reject is not resolved again');
SELECT is(etl.resolver_rejeicoes(995003, 'fact_vendas', ARRAY['I2'], 'excluida_na_origem'), 1::bigint,
          'a key deleted at the source');
SELECT is((SELECT x.motivo FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)
           WHERE r.natural_key = 'I2'), 'excluida_na_origem', 'with its reason');
SELECT is(etl.resolver_rejeicoes(995003, 'fact_vendas', ARRAY[]::text[]), 0::bigint, 'no key: nothing');

SELECT * FROM finish();
ROLLBACK;
