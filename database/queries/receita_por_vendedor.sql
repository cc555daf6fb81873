-- Receita líquida, margem e pedidos por vendedor no período (PRD 2: "receita líquida por
-- vendedor"). Sem linhas canceladas. Sem filtro de categoria lê mart.vendas_periodo_vendedor
-- (meses inteiros do agregado mensal por vendedor, dias das pontas do diário), cujos pedidos são
-- os pedidos distintos exatos do vendedor. Com filtro de categoria lê mart.vw_vendas_diarias e
-- conta os pedidos distintos em mart.vw_vendas, restrita ao período por data_sk (mais lenta).
-- params: data_inicio date, data_fim date (obrigatórios); regiao, categoria, equipe (opcionais)
WITH linhas AS (
    SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome, valor_total_liquido, custo_total,
           quantidade_vendida, pedidos
    FROM mart.vendas_periodo_vendedor(%(data_inicio)s::date, %(data_fim)s::date)
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
    SELECT vendedor_id, equipe_id, COUNT(DISTINCT pedido_id) AS pedidos
    FROM mart.vw_vendas
    WHERE %(categoria)s::text IS NOT NULL
      AND NOT eh_cancelado
      AND data_sk BETWEEN to_char(%(data_inicio)s::date, 'YYYYMMDD')::integer
                      AND to_char(%(data_fim)s::date, 'YYYYMMDD')::integer
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND categoria = %(categoria)s::text
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
    GROUP BY vendedor_id, equipe_id
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
