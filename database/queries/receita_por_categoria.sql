-- Receita líquida, margem e devolução por categoria de produto no período (PRD 2: "receita
-- líquida por categoria"). Sem linhas canceladas. Lê mart.vw_vendas_diarias (pré-agregado).
-- params: data_inicio date, data_fim date (obrigatórios); regiao, equipe, vendedor (opcionais)
SELECT categoria,
       SUM(valor_total_liquido)                                              AS receita_liquida,
       SUM(valor_total_liquido - custo_total)                                AS margem_bruta,
       round(SUM(valor_total_liquido - custo_total) * 100.0 / NULLIF(SUM(valor_total_liquido), 0), 2)
                                                                             AS margem_percentual,
       SUM(quantidade_vendida)                                               AS itens,
       round(SUM(quantidade_devolvida) * 100.0 / NULLIF(SUM(quantidade_vendida), 0), 2)
                                                                             AS taxa_devolucao
FROM mart.vw_vendas_diarias
WHERE data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
  AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
  AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
  AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
GROUP BY categoria
ORDER BY receita_liquida DESC, categoria;
