-- mart.vw_devolucoes: returns per month of the order and product category.
-- Purpose: taxa de devolução (PRD 11.1) by category over time.
-- Source: mart.agg_vendas_mensais_categoria (non-cancelled lines; monthly roll-up kept by
--         etl.refresh_agg_vendas_diarias; was the daily table until V042, 0.5-2 s at scale 1). The month is the ORDER month (cohort), not the
--         month of the return, so the rate compares returns with the sales they came from.
-- Grain: month x category. taxa_devolucao_pct = quantidade_devolvida / quantidade_vendida * 100.
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_devolucoes;
CREATE VIEW mart.vw_devolucoes AS
SELECT a.mes                                           AS mes,
       to_char(a.mes, 'YYYY-MM')                             AS ano_mes,
       a.categoria,
       sum(a.quantidade_vendida)::bigint                     AS quantidade_vendida,
       sum(a.quantidade_devolvida)::bigint                   AS quantidade_devolvida,
       round(sum(a.quantidade_devolvida) * 100.0 / NULLIF(sum(a.quantidade_vendida), 0), 2)::numeric(7,2)
                                                             AS taxa_devolucao_pct,
       sum(a.valor_total_liquido)::numeric(16,2)             AS valor_total_liquido
FROM mart.agg_vendas_mensais_categoria a
GROUP BY 1, 2, 3;

COMMENT ON VIEW mart.vw_devolucoes IS
    'Quantidades vendidas e devolvidas e taxa de devolução (%) por mês do pedido e categoria; sem cancelados.';
