-- Receita líquida, margem e pedidos por vendedor no período (PRD 2: "receita líquida por
-- vendedor"). Sem linhas canceladas. Sem filtro de categoria lê mart.vendas_periodo_vendedor_total
-- (meses inteiros do agregado mensal por vendedor, dias das pontas do diário, já somados por região,
-- equipe e vendedor), cujos pedidos são os pedidos distintos exatos do vendedor. Com filtro de
-- categoria lê mart.vw_vendas_diarias e conta os pedidos distintos em
-- mart.pedidos_periodo_vendedor_categoria (linhas do período, mais lenta).
-- params: data_inicio date, data_fim date (obrigatórios); regiao, categoria, equipe (opcionais)
WITH linhas AS (
    SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome, valor_total_liquido, custo_total,
           quantidade_vendida, pedidos
    FROM mart.vendas_periodo_vendedor_total(%(data_inicio)s::date, %(data_fim)s::date)
    WHERE %(categoria)s::text IS NULL
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
    UNION ALL
    SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome, valor_total_liquido, custo_total,
           quantidade_vendida, NULL::bigint
    FROM mart.vw_vendas_diarias
    WHERE %(categoria)s::text IS NOT NULL
      AND data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND categoria = %(categoria)s::text
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
), receita AS (
    SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome,
           SUM(valor_total_liquido)                 AS receita_liquida,
           SUM(valor_total_liquido - custo_total)   AS margem_bruta,
           SUM(quantidade_vendida)                  AS itens,
           SUM(pedidos)::bigint                     AS pedidos
    FROM linhas
    GROUP BY vendedor_id, vendedor_nome, equipe_id, equipe_nome
), pedidos_categoria AS MATERIALIZED (   -- computed once, and only when a category is given
    SELECT vendedor_id, equipe_id, pedidos
    FROM mart.pedidos_periodo_vendedor_categoria(%(data_inicio)s::date, %(data_fim)s::date, %(categoria)s::text,
                                                 %(regiao)s::text, %(equipe)s::text)
    WHERE %(categoria)s::text IS NOT NULL
)
SELECT r.vendedor_id, r.vendedor_nome, r.equipe_id, r.equipe_nome, r.receita_liquida, r.margem_bruta,
       round(r.margem_bruta * 100.0 / NULLIF(r.receita_liquida, 0), 2)  AS margem_percentual,
       r.itens, p.pedidos,
       round(r.receita_liquida / NULLIF(p.pedidos, 0), 2)                AS ticket_medio
FROM receita r
CROSS JOIN LATERAL (
    SELECT CASE WHEN %(categoria)s::text IS NULL THEN r.pedidos
                ELSE (SELECT c.pedidos FROM pedidos_categoria c
                      WHERE c.vendedor_id = r.vendedor_id AND c.equipe_id = r.equipe_id) END AS pedidos
) p
ORDER BY r.receita_liquida DESC, r.vendedor_id;
