-- Reconciliation, warehouse side: the same figures from fact_vendas.
SELECT d.data AS dia, sum(f.valor_total_liquido) AS receita, sum(f.custo_total) AS custo,
       sum(f.quantidade_vendida) AS quantidade, count(DISTINCT f.pedido_id) AS pedidos
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE NOT f.eh_cancelado
GROUP BY 1
