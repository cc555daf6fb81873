-- etl.prepare_agg_linhas_antes: opens the session's list of changed lines' earlier state; a second
-- call keeps what the list holds (the first state written wins, so two loads before one refresh still
-- describe the state the aggregates were computed from); one row per line.
BEGIN;
SELECT plan(5);

SELECT is_procedure('etl', 'prepare_agg_linhas_antes', ARRAY[]::text[], 'signature');
SELECT is(to_regclass('pg_temp.etl_agg_linhas_antes'), NULL, 'no list before the first call');
CALL etl.prepare_agg_linhas_antes();
SELECT isnt(to_regclass('pg_temp.etl_agg_linhas_antes'), NULL, 'the call opens it');
INSERT INTO pg_temp.etl_agg_linhas_antes (item_pedido_id, existia, pedido_id, data_sk, valor_total_liquido)
VALUES ('I1', true, 'O1', 20240304, 10.00);
CALL etl.prepare_agg_linhas_antes();
SELECT results_eq($$SELECT item_pedido_id, valor_total_liquido FROM pg_temp.etl_agg_linhas_antes$$,
                  $$VALUES ('I1', 10.00::numeric(14,2))$$, 'a second call keeps the rows');
SELECT throws_ok($$INSERT INTO pg_temp.etl_agg_linhas_antes (item_pedido_id, existia) VALUES ('I1', false)$$,
                 '23505', NULL, 'one row per line');

SELECT * FROM finish();
ROLLBACK;
