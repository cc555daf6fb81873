-- check: metas_cobrem_vendedores
-- severity: warn
-- scope: days
-- description: Vendedores com vendas num mês sem meta cadastrada para esse mês (fact_metas deve cobrir todo vendedor ativo).
WITH ativos AS (
    SELECT DISTINCT v.vendedor_id, date_trunc('month', d.data)::date AS mes
    FROM fact.fact_vendas AS f
    JOIN dim.dim_data AS d USING (data_sk)
    JOIN dim.dim_vendedor AS v USING (vendedor_sk)
    WHERE f.vendedor_sk <> -1 AND NOT f.eh_cancelado AND (%(dias)s::integer[] IS NULL OR f.data_sk = ANY (%(dias)s::integer[])
         OR f.pedido_id = ANY (%(pedidos)s::text[]))
)
SELECT a.vendedor_id, a.mes
FROM ativos AS a
WHERE NOT EXISTS (SELECT 1 FROM fact.fact_metas AS m WHERE m.vendedor_id = a.vendedor_id AND m.mes = a.mes)
