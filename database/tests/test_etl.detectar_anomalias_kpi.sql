-- etl.detectar_anomalias_kpi and the pending-day trigger of mart.agg_pedidos_diarios: exact median and MAD
-- of the same weekday of the previous 8 weeks, thresholds, minimum volume, whole shop and region, peaks
-- skipped in the baseline and flagged as expected, rerun no-op, undone anomalies, the view, bad input.
BEGIN;
SELECT plan(21);

SELECT is_procedure('etl', 'detectar_anomalias_kpi', 'etl.detectar_anomalias_kpi exists');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (990201, 'test', 'test'), (990202, 'test', 'test'), (990203, 'test', 'test'), (990204, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('R1', 'Região Um'), ('R2', 'Região Dois');
DELETE FROM ctl.anomalia_dia_pendente;

-- ten Mondays: 2025-09-01 (a low outlier, 9 weeks back), eight ordinary ones, and 2025-11-03 cut by 70 %;
-- R1 sells 100 a order, at 70 % cost; R2 is tiny (10 orders a day) and falls 70 % too
CREATE TEMP TABLE vendas (data date, regiao text, pedidos integer);
INSERT INTO vendas
SELECT d::date, 'R1', p FROM (VALUES ('2025-09-01', 10), ('2025-09-08', 96), ('2025-09-15', 98), ('2025-09-22', 99),
                                     ('2025-09-29', 100), ('2025-10-06', 101), ('2025-10-13', 102), ('2025-10-20', 103),
                                     ('2025-10-27', 104), ('2025-11-03', 30)) AS x(d, p)
UNION ALL
SELECT d::date, 'R2', CASE WHEN d = '2025-11-03' THEN 3 ELSE 10 END
FROM generate_series('2025-09-01'::date, '2025-11-03', interval '7 days') AS d;
INSERT INTO mart.agg_pedidos_diarios (data, data_sk, regiao_sk, pedidos, clientes, valor_total_liquido, refreshed_run_id,
       pedidos_com_desconto, pedidos_sem_desconto, linhas, quantidade_vendida, quantidade_devolvida, valor_bruto,
       valor_desconto, custo_total, valor_bruto_com_desconto, valor_desconto_com_desconto, receita_com_desconto,
       custo_com_desconto)
SELECT v.data, to_char(v.data, 'YYYYMMDD')::integer, r.regiao_sk, v.pedidos, v.pedidos, v.pedidos * 100.00, 990201,
       0, v.pedidos, v.pedidos, v.pedidos, 0, v.pedidos * 100.00, 0, v.pedidos * 70.00, 0, 0, 0, 0
FROM vendas v JOIN dim.dim_regiao r ON r.regiao_id = v.regiao;

SELECT set_eq($$SELECT data FROM ctl.anomalia_dia_pendente$$, $$SELECT DISTINCT data FROM vendas$$,
              'the trigger marked every day written to the day x region aggregate as pending');
DELETE FROM ctl.anomalia_dia_pendente WHERE data <> '2025-11-03';

CREATE TEMP TABLE cfg AS SELECT '{"baseline_weeks": 8, "search_weeks": 16, "min_history": 5, "min_orders": 30,
  "kpis": {"pedidos": {"label": "Pedidos", "z_threshold": 3.5, "min_change_pct": 30},
           "receita_liquida": {"label": "Receita líquida", "z_threshold": 3.5, "min_change_pct": 40, "min_orders": 50},
           "ticket_medio": {"label": "Ticket médio", "z_threshold": 3.5, "min_change_pct": 40},
           "margem_percentual": {"label": "Margem bruta (%)", "z_threshold": 3.5, "min_difference": 8}}}'::jsonb AS c;
CREATE TEMP TABLE saida (run_id bigint, dias integer, novas integer, desfeitas integer);
CREATE FUNCTION pg_temp.detectar(p_run bigint, p_dias date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d integer; n integer; u integer; v_cfg jsonb := (SELECT c FROM cfg);
BEGIN
    CALL etl.detectar_anomalias_kpi(p_run, v_cfg, p_dias, d, n, u);
    INSERT INTO saida VALUES (p_run, d, n, u);
END $$;

SELECT pg_temp.detectar(990201, ARRAY['2025-11-03', '2026-01-05']::date[]);
SELECT results_eq($$SELECT dias, novas, desfeitas FROM saida WHERE run_id = 990201$$, $$VALUES (1, 4, 0)$$,
                  'one day evaluated (a day after the last sale is not), four anomalies');
-- median of 96..104 = (100 + 101) / 2 = 100.5; |x - 100.5| sorted 0.5 0.5 1.5 1.5 2.5 2.5 3.5 4.5: MAD 2;
-- robust z = (30 - 100.5) / (1.4826 x 2) = -23.78; the whole shop adds R2's 10 orders a day (median 110.5,
-- MAD 2); the outlier of 2025-09-01 is 9 weeks back: not used
SELECT set_eq($$SELECT coalesce(r.regiao_id, 'loja') AS escopo, a.kpi, a.observado, a.esperado, a.mad,
                       round(a.desvio_robusto, 2) AS z, round(a.variacao_pct, 2) AS pct, a.dias_base, a.pedidos_base,
                       a.esperada
                FROM dq.anomalia_kpi a LEFT JOIN dim.dim_regiao r USING (regiao_sk)$$,
              $$VALUES ('R1', 'pedidos', 30.0, 100.5, 2.0, -23.78, -70.15, 8, 100.5, false),
                       ('R1', 'receita_liquida', 3000.00, 10050.00, 200.00, -23.78, -70.15, 8, 100.5, false),
                       ('loja', 'pedidos', 33.0, 110.5, 2.0, -26.14, -70.14, 8, 110.5, false),
                       ('loja', 'receita_liquida', 3300.00, 11050.00, 200.00, -26.14, -70.14, 8, 110.5, false)$$,
              'orders and revenue of R1 and of the whole shop flagged with exact median and MAD; ticket and margin '
              'unchanged; R2 (10 orders a day) is under the minimum volume');
SELECT is((SELECT count(*)::integer FROM ctl.anomalia_dia_pendente WHERE data = '2025-11-03'), 0,
          'the evaluated day is no longer pending');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 990201 AND entity = 'anomalias_kpi'$$,
                  $$VALUES (12::bigint, 4::bigint, 0::bigint, 0::bigint, 8::bigint)$$,
                  'audit: 3 scopes x 4 KPIs read, 4 anomalies inserted');
SELECT results_eq($$SELECT escopo, escopo_nome, kpi_rotulo, direcao, round(diferenca, 2), nome_dia_semana
                    FROM mart.vw_anomalias_kpi WHERE kpi = 'pedidos' ORDER BY escopo$$,
                  $$VALUES ('loja', 'Loja inteira', 'Pedidos', 'queda', -77.50, 'segunda-feira'),
                           ('regiao', 'Região Um', 'Pedidos', 'queda', -70.50, 'segunda-feira')$$,
                  'the mart view names the scope, the KPI and the direction');

-- rerun over the same day: nothing new, the same rows found again
CREATE TEMP TABLE antes AS SELECT anomalia_id, observado, esperado FROM dq.anomalia_kpi;
SELECT pg_temp.detectar(990202, ARRAY['2025-11-03']::date[]);
SELECT results_eq($$SELECT dias, novas, desfeitas FROM saida WHERE run_id = 990202$$, $$VALUES (1, 0, 0)$$,
                  'rerun: no new anomaly');
SELECT set_eq($$SELECT anomalia_id, observado, esperado FROM dq.anomalia_kpi$$, $$SELECT * FROM antes$$,
              'rerun: the same rows with the same values');
SELECT is((SELECT count(*)::integer FROM dq.anomalia_kpi WHERE avaliada_run_id = 990202 AND detectada_run_id = 990201), 4,
          'rerun: every row re-evaluated by the second run, first found by the first');

-- the Monday before becomes a seasonal peak: left out of the baseline (the 9-weeks-back outlier comes in), and
-- 2025-11-03 itself a peak: its anomalies are expected, with the peak's name
UPDATE dim.dim_data SET eh_pico_sazonal = true, nome_pico_sazonal = 'Pico de teste' WHERE data IN ('2025-10-27', '2025-11-03');
SELECT pg_temp.detectar(990203, ARRAY['2025-11-03']::date[]);
SELECT results_eq($$SELECT esperado, esperada, motivo_esperado FROM dq.anomalia_kpi WHERE regiao_sk IS NOT NULL AND kpi = 'pedidos'$$,
                  $$VALUES (99.5, true, 'Pico de teste')$$,
                  'a peak day is left out of the baseline (median of 2025-09-01..10-20: 10 96 98 99 | 100 ...) '
                  'and its anomaly is expected');
SELECT is((SELECT count(*)::integer FROM mart.vw_anomalias_kpi WHERE esperada), 4, 'all four are now expected');

-- the day's sales come back to normal: its anomalies are undone, kept with the run that undid them
UPDATE dim.dim_data SET eh_pico_sazonal = false, nome_pico_sazonal = NULL WHERE data IN ('2025-10-27', '2025-11-03');
UPDATE mart.agg_pedidos_diarios a SET pedidos = 100, valor_total_liquido = 10000.00, custo_total = 7000.00
FROM dim.dim_regiao r WHERE r.regiao_sk = a.regiao_sk AND r.regiao_id = 'R1' AND a.data = '2025-11-03';
SELECT is((SELECT count(*)::integer FROM ctl.anomalia_dia_pendente WHERE data = '2025-11-03'), 1,
          'the update marked the day pending again');
SELECT pg_temp.detectar(990204, NULL);
SELECT results_eq($$SELECT dias, novas, desfeitas FROM saida WHERE run_id = 990204$$, $$VALUES (1, 0, 4)$$,
                  'the pending day evaluated again: four anomalies undone');
SELECT is((SELECT count(*)::integer FROM dq.anomalia_kpi WHERE desfeita_run_id = 990204), 4, 'undone rows are kept');
SELECT is_empty($$SELECT 1 FROM mart.vw_anomalias_kpi$$, 'the view shows no undone anomaly');
SELECT is_empty($$SELECT 1 FROM ctl.anomalia_dia_pendente$$, 'no day left pending');
DELETE FROM mart.agg_pedidos_diarios a USING dim.dim_regiao r
WHERE r.regiao_sk = a.regiao_sk AND r.regiao_id = 'R2' AND a.data = '2025-10-06';
SELECT set_eq($$SELECT data FROM ctl.anomalia_dia_pendente$$, $$VALUES ('2025-10-06'::date)$$,
              'a day x region row deleted (no sale left) marks its day too');

SELECT throws_ok($$CALL etl.detectar_anomalias_kpi(990204, '{"baseline_weeks": 8}'::jsonb, NULL, NULL, NULL, NULL)$$,
                 '22023', NULL, 'an incomplete configuration is refused');
SELECT throws_ok(format('CALL etl.detectar_anomalias_kpi(990204, %L::jsonb, NULL, NULL, NULL, NULL)',
                        jsonb_set(c, '{kpis,clientes_ativos}', '{"label": "x", "z_threshold": 3, "min_change_pct": 9}')),
                 '22023', NULL, 'a KPI the detection cannot compute is refused') FROM cfg;
SELECT throws_ok(format('CALL etl.detectar_anomalias_kpi(424242, %L::jsonb, NULL, NULL, NULL, NULL)', c),
                 '23503', NULL, 'an unknown run is refused') FROM cfg;

SELECT * FROM finish();
ROLLBACK;
