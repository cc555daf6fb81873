-- Reconciliation, warehouse side: the same figures from fact_vendas per order day.
-- %(dias)s: NULL for every day, or the days to compare as data_sk integers (a plain array
-- probes the fact_vendas_data index; a sub-select over unnest() was planned as a scan of the fact).
SELECT d.data AS dia, sum(f.valor_total_liquido) AS receita, sum(f.custo_total) AS custo,
       sum(f.quantidade_vendida) AS quantidade, count(DISTINCT f.pedido_id) AS pedidos
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE NOT f.eh_cancelado
  AND (%(dias)s::integer[] IS NULL OR f.data_sk = ANY (%(dias)s::integer[]))
GROUP BY 1
