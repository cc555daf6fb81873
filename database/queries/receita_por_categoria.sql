-- Receita líquida, margem e devolução por categoria de produto no período (PRD 2: "receita
-- líquida por categoria"). Sem linhas canceladas.
-- Fonte: a mais barata que aceita os filtros dados (um parâmetro nulo desliga o ramo no plano):
-- mart.vendas_periodo_vendedor / mart.vendas_periodo_categoria (meses inteiros dos agregados
-- mensais, dias das pontas do diário); mart.vw_vendas_diarias quando categoria e equipe/vendedor
-- vêm juntos.
-- params: data_inicio date, data_fim date (obrigatórios); regiao, equipe, vendedor (opcionais)
WITH linhas AS (
    SELECT categoria, valor_total_liquido, custo_total, quantidade_vendida, quantidade_devolvida
    FROM mart.vendas_periodo_categoria(%(data_inicio)s::date, %(data_fim)s::date)
    WHERE %(equipe)s::text IS NULL AND %(vendedor)s::text IS NULL
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
    UNION ALL
    SELECT categoria, valor_total_liquido, custo_total, quantidade_vendida, quantidade_devolvida
    FROM mart.vw_vendas_diarias
    WHERE (%(equipe)s::text IS NOT NULL OR %(vendedor)s::text IS NOT NULL)
      AND data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
      AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
)
SELECT categoria,
       SUM(valor_total_liquido)                                              AS receita_liquida,
       SUM(valor_total_liquido - custo_total)                                AS margem_bruta,
       round(SUM(valor_total_liquido - custo_total) * 100.0 / NULLIF(SUM(valor_total_liquido), 0), 2)
                                                                             AS margem_percentual,
       SUM(quantidade_vendida)                                               AS itens,
       round(SUM(quantidade_devolvida) * 100.0 / NULLIF(SUM(quantidade_vendida), 0), 2)
                                                                             AS taxa_devolucao
FROM linhas
GROUP BY categoria
ORDER BY receita_liquida DESC, categoria;
