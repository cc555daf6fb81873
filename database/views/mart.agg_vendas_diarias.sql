-- mart.agg_vendas_diarias: PROVISIONAL (dashboards branch) until the consumption-layer branch
-- (work-mart) delivers the real aggregate; its file replaces this one on merge.
-- Purpose: daily sales cube for the dashboards' trends and breakdowns.
-- Source: fact.fact_vendas + dimensions.  Grain: day x region x category x team x seller.
-- Excludes cancelled lines (revenue KPIs). Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.agg_vendas_diarias AS
SELECT d.data,
       r.regiao_id, r.nome AS regiao_nome,
       coalesce(p.categoria, 'Não informado') AS categoria,
       e.equipe_id, e.nome AS equipe_nome,
       v.vendedor_id, v.nome AS vendedor_nome,
       sum(f.valor_total_liquido)                 AS receita_liquida,
       sum(f.custo_total)                         AS custo_total,
       sum(f.valor_total_liquido - f.custo_total) AS margem_bruta,
       sum(f.valor_bruto)                         AS valor_bruto,
       sum(f.valor_desconto)                      AS valor_desconto,
       sum(f.quantidade_vendida)::bigint          AS quantidade_vendida,
       count(DISTINCT f.pedido_id)::bigint        AS pedidos
FROM fact.fact_vendas f
JOIN dim.dim_data d ON d.data_sk = f.data_sk
JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
JOIN dim.dim_vendedor v ON v.vendedor_sk = f.vendedor_sk
WHERE NOT f.eh_cancelado
GROUP BY d.data, r.regiao_id, r.nome, coalesce(p.categoria, 'Não informado'), e.equipe_id, e.nome,
         v.vendedor_id, v.nome;

COMMENT ON VIEW mart.agg_vendas_diarias IS
    'Vendas por dia x região x categoria x equipe x vendedor, sem cancelados (provisória).';
