-- check: devolucoes_excedem_vendas
-- severity: block
-- description: Quantidade devolvida maior que a vendida, ou negativa.
SELECT item_pedido_id, quantidade_vendida, quantidade_devolvida
FROM fact.fact_vendas
WHERE quantidade_devolvida > quantidade_vendida OR quantidade_devolvida < 0
