-- mart.vw_anomalias_kpi: the KPI anomalies in force, readable by bi_reader (dashboards, digest, analysts).
-- Purpose: who, when and how much: day, scope (whole shop or customer region), KPI, observed vs
--          expected value, deviation, and whether the calendar expected it (seasonal peak, holiday).
-- Source: dq.anomalia_kpi (etl.detectar_anomalias_kpi; rows undone by a later evaluation are left
--         out), dim.dim_regiao (names joined here: a rename shows at once), dim.dim_data.
-- Grain: day x scope x KPI. The view runs with its owner's rights (bi_reader cannot read dq).
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied
--        by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_anomalias_kpi;
CREATE VIEW mart.vw_anomalias_kpi AS
SELECT a.data,
       d.nome_dia_semana,
       CASE WHEN a.regiao_sk IS NULL THEN 'loja' ELSE 'regiao' END       AS escopo,
       r.regiao_id,
       coalesce(r.nome, 'Loja inteira')                                  AS escopo_nome,
       a.kpi,
       a.kpi_rotulo,
       a.observado,
       a.esperado,
       a.observado - a.esperado                                          AS diferenca,
       a.variacao_pct,
       a.desvio_robusto,
       CASE WHEN a.observado > a.esperado THEN 'alta' ELSE 'queda' END   AS direcao,
       a.dias_base,
       a.pedidos_base,
       a.esperada,
       a.motivo_esperado,
       a.alertada_em,
       a.detectada_em,
       a.detectada_run_id
FROM dq.anomalia_kpi a
JOIN dim.dim_data d ON d.data = a.data
LEFT JOIN dim.dim_regiao r ON r.regiao_sk = a.regiao_sk
WHERE a.desfeita_run_id IS NULL;

COMMENT ON VIEW mart.vw_anomalias_kpi IS
    'Anomalias de KPI em vigor por dia x escopo (loja inteira ou região do cliente) x KPI: observado, esperado '
    '(mediana do mesmo dia da semana nas semanas anteriores), variação, desvio robusto; esperada = pico sazonal '
    'ou feriado (registrada, sem alerta).';
