-- Reconciliation, warehouse side: the same figures from fact_vendas (same days parameter as the shop side).
SELECT d.data AS dia, sum(f.valor_total_liquido) AS receita, sum(f.custo_total) AS custo,
       sum(f.quantidade_vendida) AS quantidade, count(DISTINCT f.pedido_id) AS pedidos
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE NOT f.eh_cancelado
  AND (%(days)s::date[] IS NULL
       OR f.data_sk = ANY (SELECT to_char(d, 'YYYYMMDD')::integer FROM unnest(%(days)s::date[]) AS d))
GROUP BY 1
