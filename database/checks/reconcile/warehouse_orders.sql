-- Reconciliation, warehouse side, order by order: the same figures as shop_orders.sql from
-- fact_vendas (non-cancelled lines), by the fact_vendas_pedido index. An order whose lines sit
-- on two days shows as two rows, and so as a difference.
SELECT f.pedido_id AS pedido, d.data AS dia, sum(f.valor_total_liquido) AS receita,
       sum(f.custo_total) AS custo, sum(f.quantidade_vendida) AS quantidade
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE f.pedido_id = ANY (%(orders)s::text[]) AND NOT f.eh_cancelado
GROUP BY 1, 2
