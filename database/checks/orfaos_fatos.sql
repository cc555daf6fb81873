-- check: orfaos_fatos
-- severity: block
-- scope: days
-- description: Linhas de fato cuja chave substituta não existe na dimensão (RNF-04: zero órfãos).
WITH vendas AS (
    SELECT item_pedido_id, cliente_sk, produto_sk, vendedor_sk, data_sk FROM fact.fact_vendas
    WHERE (%(dias)s::integer[] IS NULL OR data_sk = ANY (%(dias)s::integer[]) OR pedido_id = ANY (%(pedidos)s::text[]))
)
SELECT 'fact_vendas' AS fato, f.item_pedido_id AS chave, 'cliente_sk' AS coluna FROM vendas f
WHERE NOT EXISTS (SELECT 1 FROM dim.dim_cliente d WHERE d.cliente_sk = f.cliente_sk)
UNION ALL
SELECT 'fact_vendas', f.item_pedido_id, 'produto_sk' FROM vendas f
WHERE NOT EXISTS (SELECT 1 FROM dim.dim_produto d WHERE d.produto_sk = f.produto_sk)
UNION ALL
SELECT 'fact_vendas', f.item_pedido_id, 'vendedor_sk' FROM vendas f
WHERE NOT EXISTS (SELECT 1 FROM dim.dim_vendedor d WHERE d.vendedor_sk = f.vendedor_sk)
UNION ALL
SELECT 'fact_vendas', f.item_pedido_id, 'data_sk' FROM vendas f
WHERE NOT EXISTS (SELECT 1 FROM dim.dim_data d WHERE d.data_sk = f.data_sk)
UNION ALL
SELECT 'fact_descontos', f.item_pedido_id, 'item_pedido_id' FROM fact.fact_descontos f
WHERE (%(dias)s::integer[] IS NULL OR f.data_sk = ANY (%(dias)s::integer[]) OR f.pedido_id = ANY (%(pedidos)s::text[]))
  AND NOT EXISTS (SELECT 1 FROM fact.fact_vendas v WHERE v.item_pedido_id = f.item_pedido_id)
UNION ALL
SELECT 'fact_metas', f.vendedor_id || '|' || f.mes, 'vendedor_sk' FROM fact.fact_metas f
WHERE NOT EXISTS (SELECT 1 FROM dim.dim_vendedor d WHERE d.vendedor_sk = f.vendedor_sk)
