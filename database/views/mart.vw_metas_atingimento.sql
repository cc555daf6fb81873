-- mart.vw_metas_atingimento: PROVISIONAL (dashboards branch) until work-mart delivers it.
-- Purpose: goal vs actual per seller and month (journey 1).
-- Source: fact.fact_metas, fact.fact_vendas (without cancelled lines), dimensions.
-- Grain: seller x month. Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_metas_atingimento AS
WITH realizado AS (
    SELECT f.vendedor_sk, date_trunc('month', d.data)::date AS mes, sum(f.valor_total_liquido) AS valor
    FROM fact.fact_vendas f JOIN dim.dim_data d ON d.data_sk = f.data_sk
    WHERE NOT f.eh_cancelado
    GROUP BY 1, 2
)
SELECT m.mes, v.vendedor_id, v.nome AS vendedor_nome, e.equipe_id, e.nome AS equipe_nome,
       r.regiao_id, r.nome AS regiao_nome,
       m.valor_meta, coalesce(x.valor, 0) AS valor_realizado,
       CASE WHEN m.valor_meta > 0 THEN round(coalesce(x.valor, 0) / m.valor_meta * 100, 2) END AS pct_atingimento
FROM fact.fact_metas m
JOIN dim.dim_vendedor v ON v.vendedor_sk = m.vendedor_sk
JOIN dim.dim_equipe e ON e.equipe_sk = m.equipe_sk
JOIN dim.dim_regiao r ON r.regiao_sk = e.regiao_sk
LEFT JOIN realizado x ON x.vendedor_sk = m.vendedor_sk AND x.mes = m.mes;

COMMENT ON VIEW mart.vw_metas_atingimento IS 'Meta x realizado por vendedor e mês (provisória).';
