-- Receita líquida, margem e pedidos por vendedor no período (PRD 2: "receita líquida por
-- vendedor"). Sem linhas canceladas. Lê mart.vw_vendas_diarias (pré-agregado); pedidos do
-- vendedor somam entre dias e regiões, mas NÃO entre categorias: a contagem distinta vem de
-- mart.vw_vendas, restrita ao período (mais lenta que o restante).
-- params: data_inicio date, data_fim date (obrigatórios); regiao, categoria, equipe (opcionais)
WITH receita AS (
    SELECT vendedor_id, vendedor_nome, equipe_id, equipe_nome,
           SUM(valor_total_liquido)                 AS receita_liquida,
           SUM(valor_total_liquido - custo_total)   AS margem_bruta,
           SUM(quantidade_vendida)                  AS itens
    FROM mart.vw_vendas_diarias
    WHERE data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
    GROUP BY vendedor_id, vendedor_nome, equipe_id, equipe_nome
), pedidos AS (
    SELECT vendedor_id, equipe_id, COUNT(DISTINCT pedido_id) AS pedidos
    FROM mart.vw_vendas
    WHERE NOT eh_cancelado
      AND data BETWEEN %(data_inicio)s::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(categoria)s::text IS NULL OR categoria = %(categoria)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
    GROUP BY vendedor_id, equipe_id
)
SELECT r.vendedor_id, r.vendedor_nome, r.equipe_id, r.equipe_nome, r.receita_liquida, r.margem_bruta,
       round(r.margem_bruta * 100.0 / NULLIF(r.receita_liquida, 0), 2)  AS margem_percentual,
       r.itens, p.pedidos,
       round(r.receita_liquida / NULLIF(p.pedidos, 0), 2)                AS ticket_medio
FROM receita r
LEFT JOIN pedidos p ON p.vendedor_id = r.vendedor_id AND p.equipe_id = r.equipe_id
ORDER BY r.receita_liquida DESC, r.vendedor_id;
