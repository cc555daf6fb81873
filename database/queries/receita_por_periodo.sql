-- Receita líquida, margem e itens por mês, no período e com os filtros dados (PRD 2: "receita
-- líquida por período"). Sem linhas canceladas. Lê mart.vw_vendas_diarias (pré-agregado).
-- params: data_inicio date, data_fim date (obrigatórios); regiao, categoria, equipe, vendedor (ids, opcionais)
SELECT ano_mes,
       SUM(valor_total_liquido)                                              AS receita_liquida,
       SUM(valor_total_liquido - custo_total)                                AS margem_bruta,
       round(SUM(valor_total_liquido - custo_total) * 100.0 / NULLIF(SUM(valor_total_liquido), 0), 2)
                                                                             AS margem_percentual,
       SUM(quantidade_vendida)                                               AS itens
FROM mart.vw_vendas_diarias
WHERE data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
  AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
  AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
  AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
  AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
GROUP BY ano_mes
ORDER BY ano_mes;
