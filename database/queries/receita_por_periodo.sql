-- Receita líquida, margem e itens por mês, no período e com os filtros dados (PRD 2: "receita
-- líquida por período"). Sem linhas canceladas.
-- Fonte: a mais barata que aceita os filtros dados (um parâmetro nulo desliga o ramo no plano):
-- mart.vw_pedidos_diarios (dia x região) sem filtro de categoria, equipe ou vendedor;
-- mart.vendas_periodo_vendedor / mart.vendas_periodo_categoria (meses inteiros dos agregados
-- mensais, dias das pontas do diário); mart.vw_vendas_diarias quando categoria e equipe/vendedor
-- vêm juntos.
-- params: data_inicio date, data_fim date (obrigatórios); regiao, categoria, equipe, vendedor (ids, opcionais)
WITH linhas AS (
    SELECT date_trunc('month', data::timestamp)::date AS mes, valor_total_liquido, custo_total, quantidade_vendida
    FROM mart.vw_pedidos_diarios
    WHERE %(categoria)s::text IS NULL AND %(equipe)s::text IS NULL AND %(vendedor)s::text IS NULL
      AND data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
    UNION ALL
    SELECT mes, valor_total_liquido, custo_total, quantidade_vendida
    FROM mart.vendas_periodo_vendedor(%(data_inicio)s::date, %(data_fim)s::date)
    WHERE %(categoria)s::text IS NULL AND (%(equipe)s::text IS NOT NULL OR %(vendedor)s::text IS NOT NULL)
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
      AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
    UNION ALL
    SELECT mes, valor_total_liquido, custo_total, quantidade_vendida
    FROM mart.vendas_periodo_categoria(%(data_inicio)s::date, %(data_fim)s::date)
    WHERE %(categoria)s::text IS NOT NULL AND %(equipe)s::text IS NULL AND %(vendedor)s::text IS NULL
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
    UNION ALL
    SELECT date_trunc('month', data::timestamp)::date, valor_total_liquido, custo_total, quantidade_vendida
    FROM mart.vw_vendas_diarias
    WHERE %(categoria)s::text IS NOT NULL AND (%(equipe)s::text IS NOT NULL OR %(vendedor)s::text IS NOT NULL)
      AND data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
      AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
)
SELECT to_char(mes, 'YYYY-MM')                                               AS ano_mes,
       SUM(valor_total_liquido)                                              AS receita_liquida,
       SUM(valor_total_liquido - custo_total)                                AS margem_bruta,
       round(SUM(valor_total_liquido - custo_total) * 100.0 / NULLIF(SUM(valor_total_liquido), 0), 2)
                                                                             AS margem_percentual,
       SUM(quantidade_vendida)                                               AS itens
FROM linhas
GROUP BY 1
ORDER BY 1;
