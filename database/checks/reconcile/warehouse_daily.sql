-- Reconciliation, warehouse side: the same figures from fact_vendas per order day.
-- %(dias)s: NULL for every day, or the days to compare as data_sk integers (a plain array
-- probes the fact_vendas_data index; a sub-select over unnest() was planned as a scan of the fact).
-- A line with an open reject (audit.vw_rejeicoes_abertas: its current shop state fails a screen, so
-- the shop side leaves it out) keeps its last good version in the fact: left out here too.
SELECT d.data AS dia, sum(f.valor_total_liquido) AS receita, sum(f.custo_total) AS custo,
       sum(f.quantidade_vendida) AS quantidade, count(DISTINCT f.pedido_id) AS pedidos
FROM fact.fact_vendas AS f
JOIN dim.dim_data AS d USING (data_sk)
WHERE NOT f.eh_cancelado
  AND (%(dias)s::integer[] IS NULL OR f.data_sk = ANY (%(dias)s::integer[]))
  AND NOT EXISTS (SELECT 1 FROM audit.vw_rejeicoes_abertas AS r
                  WHERE r.entity = 'fact_vendas' AND r.natural_key = f.item_pedido_id)
GROUP BY 1
