-- mart.vw_vendas_diarias: the daily sales aggregate with dimension names, for dashboards.
-- Purpose: fast breakdowns/trends (issue 6 "Speed") without scanning fact_vendas.
-- Source: mart.agg_vendas_diarias (refreshed by etl.refresh_agg_vendas_diarias) + dim_data,
--         dim_regiao, dim_equipe, dim_vendedor (small; names are joined, not stored).
-- Grain: day x customer region x category x team x seller; NON-CANCELLED lines only.
-- Caution: `pedidos` adds up over days and regions only, not over categoria/equipe/vendedor
--          (an order can span them): totals come from mart.agg_pedidos_diarios or mart.vw_vendas.
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_vendas_diarias;
CREATE VIEW mart.vw_vendas_diarias AS
SELECT a.data,
       d.ano,
       d.mes,
       d.ano_mes,
       d.dia_semana,
       d.eh_dia_util,
       r.regiao_id,
       r.nome                                 AS regiao_nome,
       a.categoria,
       e.equipe_id,
       e.nome                                 AS equipe_nome,
       v.vendedor_id,
       v.nome                                 AS vendedor_nome,
       a.linhas,
       a.pedidos,
       a.quantidade_vendida,
       a.quantidade_devolvida,
       a.valor_bruto,
       a.valor_desconto,
       a.valor_total_liquido,
       a.custo_total,
       (a.valor_total_liquido - a.custo_total)::numeric(16,2) AS margem_bruta,
       a.valor_frete,
       a.linhas_com_desconto,
       a.receita_com_desconto,
       (a.valor_total_liquido - a.receita_com_desconto)::numeric(16,2) AS receita_sem_desconto,
       a.custo_com_desconto
FROM mart.agg_vendas_diarias a
JOIN dim.dim_data d     ON d.data_sk = a.data_sk
JOIN dim.dim_regiao r   ON r.regiao_sk = a.regiao_sk
JOIN dim.dim_equipe e   ON e.equipe_sk = a.equipe_sk
JOIN dim.dim_vendedor v ON v.vendedor_sk = a.vendedor_sk;

COMMENT ON VIEW mart.vw_vendas_diarias IS
    'Vendas não canceladas por dia x região do cliente x categoria x equipe x vendedor (agregado pré-calculado). '
    '"pedidos" não soma entre categorias, equipes ou vendedores.';
