-- etl.refresh_agg_metas_mensais: first computation (goals found without months), actual over several
-- roll-up rows, rank within team and month, a goal without sales, rerun no-op, a sales change in a
-- given month, a deleted goal, bad input.
BEGIN;
SELECT plan(10);

SELECT is_procedure('etl', 'refresh_agg_metas_mensais', ARRAY['bigint', 'date[]'],
                    'etl.refresh_agg_metas_mensais(run_id, months) exists');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (990101, 'test', 'test'), (990102, 'test', 'test'), (990103, 'test', 'test');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T1', 'Equipe Um');
INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk)
SELECT v, 'Vendedor ' || v, 'T1', equipe_sk FROM dim.dim_equipe, (VALUES ('V1'), ('V2')) AS x(v) WHERE equipe_id = 'T1';
CREATE TEMP TABLE sk AS
SELECT v.vendedor_id, v.vendedor_sk, v.equipe_sk FROM dim.dim_vendedor v WHERE v.vendedor_id IN ('V1', 'V2');
INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta)
SELECT s.vendedor_sk, to_char(g.mes, 'YYYYMMDD')::integer, s.equipe_sk, s.vendedor_id, g.mes, g.meta
FROM sk s JOIN (VALUES ('V1', '2024-03-01'::date, 1000.00), ('V2', '2024-03-01'::date, 500.00),
                       ('V1', '2024-04-01'::date, 800.00)) AS g(v, mes, meta) ON g.v = s.vendedor_id;
-- V1 sold in March to customers of two regions (two roll-up rows), V2 in one; nobody in April
INSERT INTO mart.agg_vendas_mensais_vendedor (mes, regiao_sk, equipe_sk, vendedor_sk, linhas, pedidos,
       quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido, custo_total,
       valor_frete, linhas_com_desconto, receita_com_desconto, custo_com_desconto, refreshed_run_id)
SELECT '2024-03-01', r.regiao_sk, s.equipe_sk, s.vendedor_sk, 1, 1, 1, 0, r.valor, 0, r.valor, 0, 0, 0, 0, 0, 990101
FROM sk s JOIN (VALUES ('V1', -1, 400.00), ('V1', 7, 300.00), ('V2', -1, 500.00)) AS r(v, regiao_sk, valor)
  ON r.v = s.vendedor_id;

CALL etl.refresh_agg_metas_mensais(990101);   -- no month given: the new goals are found by comparison
CREATE TEMP VIEW am AS
SELECT vendedor_id, mes, valor_meta, valor_realizado, round(atingimento, 2) AS pct, ranking_equipe
FROM mart.agg_metas_mensais;
SELECT set_eq($$SELECT * FROM am$$,
              $$VALUES ('V1', '2024-03-01'::date, 1000.00, 700.00, 70.00, 2),
                       ('V2', '2024-03-01'::date, 500.00, 500.00, 100.00, 1),
                       ('V1', '2024-04-01'::date, 800.00, 0.00, 0.00, 1)$$,
              'one row per goal: actual summed over regions, 0 without sales, ranked within team and month');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted FROM audit.etl_run_entity
                    WHERE run_id = 990101 AND entity = 'agg_metas_mensais'$$,
                  $$VALUES (3::bigint, 3::bigint, 0::bigint, 0::bigint)$$, 'audit: 3 rows inserted');

CALL etl.refresh_agg_metas_mensais(990102, ARRAY['2024-03-15', '2024-04-30']::date[]);
SELECT is_empty($$SELECT 1 FROM audit.etl_run_entity WHERE run_id = 990102 AND entity = 'agg_metas_mensais'$$,
                'rerun over the same months: nothing changes, no audit row');

-- V1's March sales grow (a day of theirs was refreshed): V1 passes V2
UPDATE mart.agg_vendas_mensais_vendedor SET valor_total_liquido = 900.00
WHERE mes = '2024-03-01' AND regiao_sk = 7;
CALL etl.refresh_agg_metas_mensais(990102, ARRAY['2024-03-20']::date[]);
SELECT set_eq($$SELECT vendedor_id, pct, ranking_equipe FROM am WHERE mes = '2024-03-01'$$,
              $$VALUES ('V1', 130.00, 1), ('V2', 100.00, 2)$$, 'the month of a changed day is recomputed');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 990102 AND entity = 'agg_metas_mensais'$$,
                  $$VALUES (0::bigint, 2::bigint, 0::bigint)$$, 'audit: the two March rows updated');
SELECT is((SELECT refreshed_run_id FROM mart.agg_metas_mensais WHERE vendedor_id = 'V1' AND mes = '2024-04-01'),
          990101::bigint, 'April was not rewritten');

-- V1's March goal is deleted: found without a month, V2 alone again
DELETE FROM fact.fact_metas WHERE vendedor_id = 'V1' AND mes = '2024-03-01';
CALL etl.refresh_agg_metas_mensais(990103, NULL);
SELECT set_eq($$SELECT vendedor_id, mes, ranking_equipe FROM am$$,
              $$VALUES ('V2', '2024-03-01'::date, 1), ('V1', '2024-04-01'::date, 1)$$,
              'a deleted goal leaves, its team-month is re-ranked');

SELECT throws_ok($$CALL etl.refresh_agg_metas_mensais(NULL)$$, '22023', NULL, 'NULL run: invalid_parameter_value');
SELECT throws_ok($$CALL etl.refresh_agg_metas_mensais(999999999)$$, '23503', NULL, 'unknown run: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
