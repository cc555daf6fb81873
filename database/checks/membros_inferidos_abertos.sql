-- check: membros_inferidos_abertos
-- severity: warn
-- description: Membros inferidos (criados porque um fato chegou antes da dimensão) ainda não completados pela origem.
SELECT 'dim_cliente' AS dimensao, cliente_id AS chave FROM dim.dim_cliente WHERE inferido
UNION ALL SELECT 'dim_produto', produto_id FROM dim.dim_produto WHERE inferido
UNION ALL SELECT 'dim_vendedor', vendedor_id FROM dim.dim_vendedor WHERE inferido
UNION ALL SELECT 'dim_equipe', equipe_id FROM dim.dim_equipe WHERE inferido
UNION ALL SELECT 'dim_regiao', regiao_id FROM dim.dim_regiao WHERE inferido
UNION ALL SELECT 'dim_desconto', desconto_id FROM dim.dim_desconto WHERE inferido
