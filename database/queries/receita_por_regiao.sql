-- Receita líquida e margem por região do cliente no período (PRD 2: "receita líquida por região").
-- Sem linhas canceladas. Lê mart.vw_vendas_diarias (pré-agregado).
-- params: data_inicio date, data_fim date (obrigatórios); categoria, equipe, vendedor (opcionais)
SELECT regiao_id,
       regiao_nome,
       SUM(valor_total_liquido)                                              AS receita_liquida,
       SUM(valor_total_liquido - custo_total)                                AS margem_bruta,
       round(SUM(valor_total_liquido - custo_total) * 100.0 / NULLIF(SUM(valor_total_liquido), 0), 2)
                                                                             AS margem_percentual,
       SUM(quantidade_vendida)                                               AS itens
FROM mart.vw_vendas_diarias
WHERE data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
  AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
  AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
  AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
GROUP BY regiao_id, regiao_nome
ORDER BY receita_liquida DESC, regiao_id;
