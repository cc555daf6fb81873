-- Reconciliation, warehouse side, order by order: the same figures as shop_orders.sql from
-- fact_vendas (non-cancelled lines), by the fact_vendas_pedido index. An order whose lines sit
-- on two days shows as two rows, and so as a difference. Lines with an open reject are left out,
-- as in warehouse_daily.sql.
SELECT f.pedido_id AS pedido, d.data AS dia, sum(f.valor_total_liquido) AS receita,
       sum(f.custo_total) AS custo, sum(f.quantidade_vendida) AS quantidade
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE f.pedido_id = ANY (%(orders)s::text[]) AND NOT f.eh_cancelado
  AND NOT EXISTS (SELECT 1 FROM audit.vw_rejeicoes_abertas AS r
                  WHERE r.entity = 'fact_vendas' AND r.natural_key = f.item_pedido_id)
GROUP BY 1, 2
