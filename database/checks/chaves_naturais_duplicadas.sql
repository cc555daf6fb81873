-- check: chaves_naturais_duplicadas
-- severity: block
-- scope: days
-- description: Chaves naturais repetidas em alguma dimensão ou fato (dimensões tipo 2: mais de uma versão atual).
-- fact_vendas: an order's lines share the order's day, so duplicates of (pedido_id, linha) are found
-- among the lines of the days and orders owed.
-- Dimensions: their natural keys have unique indexes, so this is a guard against a dropped one;
-- a daily run looks only at the keys it wrote (inserted_run_id / updated_run_id), a full run at all.
SELECT 'dim_cliente' AS tabela, d.cliente_id AS chave, count(*) AS vezes FROM dim.dim_cliente AS d
JOIN (SELECT DISTINCT cliente_id FROM dim.dim_cliente
      WHERE %(dias)s::integer[] IS NULL OR %(run_id)s IN (inserted_run_id, updated_run_id)) AS escritos USING (cliente_id)
WHERE d.eh_atual GROUP BY d.cliente_id HAVING count(*) > 1
UNION ALL SELECT 'dim_produto', d.produto_id, count(*) FROM dim.dim_produto AS d
JOIN (SELECT DISTINCT produto_id FROM dim.dim_produto
      WHERE %(dias)s::integer[] IS NULL OR %(run_id)s IN (inserted_run_id, updated_run_id)) AS escritos USING (produto_id)
WHERE d.eh_atual GROUP BY d.produto_id HAVING count(*) > 1
UNION ALL SELECT 'dim_vendedor', vendedor_id, count(*) FROM dim.dim_vendedor WHERE eh_atual GROUP BY vendedor_id HAVING count(*) > 1
UNION ALL SELECT 'dim_equipe', equipe_id, count(*) FROM dim.dim_equipe GROUP BY equipe_id HAVING count(*) > 1
UNION ALL SELECT 'dim_regiao', regiao_id, count(*) FROM dim.dim_regiao GROUP BY regiao_id HAVING count(*) > 1
UNION ALL SELECT 'dim_desconto', desconto_id, count(*) FROM dim.dim_desconto GROUP BY desconto_id HAVING count(*) > 1
UNION ALL SELECT 'fact_vendas', pedido_id || '#' || linha, count(*) FROM fact.fact_vendas
          WHERE (%(dias)s::integer[] IS NULL OR data_sk = ANY (%(dias)s::integer[]) OR pedido_id = ANY (%(pedidos)s::text[]))
          GROUP BY pedido_id, linha HAVING count(*) > 1
