-- check: consistencia_descontos
-- severity: block
-- scope: days
-- description: Bruto = líquido + desconto em fact_vendas, e fact_descontos igual à linha de venda correspondente.
SELECT item_pedido_id, 'fact_vendas' AS onde FROM fact.fact_vendas
WHERE (valor_bruto <> valor_total_liquido + valor_desconto OR valor_desconto > valor_bruto) AND (%(dias)s::integer[] IS NULL OR data_sk = ANY (%(dias)s::integer[]) OR pedido_id = ANY (%(pedidos)s::text[]))
UNION ALL
SELECT d.item_pedido_id, 'fact_descontos' FROM fact.fact_descontos d
JOIN fact.fact_vendas v USING (item_pedido_id)
WHERE (d.valor_desconto_aplicado <> v.valor_desconto OR d.valor_com_desconto <> v.valor_total_liquido)
  AND (%(dias)s::integer[] IS NULL OR d.data_sk = ANY (%(dias)s::integer[]) OR d.pedido_id = ANY (%(pedidos)s::text[]))
UNION ALL
SELECT v.item_pedido_id, 'desconto_sem_linha_em_fact_descontos' FROM fact.fact_vendas v
WHERE v.valor_desconto > 0 AND (%(dias)s::integer[] IS NULL OR v.data_sk = ANY (%(dias)s::integer[]) OR v.pedido_id = ANY (%(pedidos)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM fact.fact_descontos d WHERE d.item_pedido_id = v.item_pedido_id)
