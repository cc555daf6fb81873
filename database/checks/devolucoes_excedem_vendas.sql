-- check: devolucoes_excedem_vendas
-- severity: block
-- scope: days
-- description: Quantidade devolvida maior que a vendida, ou negativa.
SELECT item_pedido_id, quantidade_vendida, quantidade_devolvida
FROM fact.fact_vendas
WHERE (quantidade_devolvida > quantidade_vendida OR quantidade_devolvida < 0) AND (%(dias)s::integer[] IS NULL OR data_sk = ANY (%(dias)s::integer[]) OR pedido_id = ANY (%(pedidos)s::text[]))
