-- Quantidades vendidas e devolvidas e taxa de devolução por mês do pedido e categoria.
-- Meses que cruzam o período; sem linhas canceladas. Lê mart.vw_devolucoes.
-- params: data_inicio date, data_fim date (obrigatórios); categoria (opcional)
SELECT ano_mes, categoria, quantidade_vendida, quantidade_devolvida, taxa_devolucao_pct
FROM mart.vw_devolucoes
WHERE mes BETWEEN date_trunc('month', %(data_inicio)s::date)::date AND %(data_fim)s::date
  AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
ORDER BY ano_mes, taxa_devolucao_pct DESC NULLS LAST, categoria;
