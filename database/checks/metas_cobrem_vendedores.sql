-- check: metas_cobrem_vendedores
-- severity: warn
-- description: Vendedores com vendas num mês sem meta cadastrada para esse mês (fact_metas deve cobrir todo vendedor ativo).
SELECT v.vendedor_id, date_trunc('month', d.data)::date AS mes
FROM fact.fact_vendas f
JOIN dim.dim_data d USING (data_sk)
JOIN dim.dim_vendedor v USING (vendedor_sk)
WHERE f.vendedor_sk <> -1 AND NOT f.eh_cancelado
GROUP BY 1, 2
HAVING NOT EXISTS (SELECT 1 FROM fact.fact_metas m WHERE m.vendedor_id = v.vendedor_id
                   AND m.mes = date_trunc('month', d.data)::date)
