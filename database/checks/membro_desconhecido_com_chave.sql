-- check: membro_desconhecido_com_chave
-- severity: block
-- scope: days
-- description: Vendas no membro "Não informado" (-1) de data, cliente, produto ou vendedor: a carga rejeita a linha sem essas chaves (null_customer, null_product, null_seller), então -1 indica perda de referência (RNF-04).
SELECT item_pedido_id, data_sk, cliente_sk, produto_sk, vendedor_sk
FROM fact.fact_vendas
WHERE (data_sk = -1 OR cliente_sk = -1 OR produto_sk = -1 OR vendedor_sk = -1)
  AND (%(dias)s::integer[] IS NULL OR data_sk = -1 OR data_sk = ANY (%(dias)s::integer[])
       OR pedido_id = ANY (%(pedidos)s::text[]))
