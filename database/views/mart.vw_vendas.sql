-- mart.vw_vendas: sales at order-line grain with every dimension attribute flattened.
-- Purpose: the one place analysts (bi_reader) and the metric catalog read sales from,
--          without hand-made joins (PRD journey 3). Every catalog sales KPI is an aggregate
--          expression over these columns (metrics/catalog.yaml).
-- Source: fact.fact_vendas + dim_data, dim_cliente, dim_regiao, dim_produto, dim_vendedor,
--         dim_equipe, dim_desconto (inner joins: every fact key has a row, -1 = unknown).
-- Grain: order line. Cancelled lines ARE here, flagged eh_cancelado = true; revenue KPIs
--        exclude them (FILTER (WHERE NOT eh_cancelado) in each catalog expression).
-- SCD2 (V020), two readings:
--   "as it was" (default columns): cidade, uf, segmento, regiao_* = the customer's version valid
--   on the order day (fact_vendas.regiao_sk); categoria/subcategoria = the product's version of
--   that day; equipe_* = the seller's team on that day (fact_vendas.equipe_sk);
--   "as it is now": equipe_atual(_nome) = the seller's current team, regiao_atual(_nome) = the
--   customer's current region (current versions, eh_atual).
-- Names (cliente_nome, produto_nome, vendedor_nome) are type 1: the same on every version.
-- cliente_pessoa_id: the person (dim_cliente.cliente_unico_id, else cliente_id), what clientes_ativos counts.
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_vendas;
CREATE VIEW mart.vw_vendas AS
SELECT f.item_pedido_id,
       f.pedido_id,
       f.linha,
       f.data_sk,
       d.data,
       d.ano,
       d.trimestre,
       d.mes,
       d.nome_mes,
       d.ano_mes,
       d.dia_semana,
       d.nome_dia_semana,
       d.eh_dia_util,
       d.eh_feriado,
       c.cliente_id,
       c.nome                                  AS cliente_nome,
       c.cidade,
       c.uf,
       c.segmento,
       r.regiao_id,
       r.nome                                  AS regiao_nome,
       p.produto_id,
       p.nome                                  AS produto_nome,
       coalesce(p.categoria, 'Não informado')  AS categoria,
       coalesce(p.subcategoria, 'Não informado') AS subcategoria,
       v.vendedor_id,
       v.nome                                  AS vendedor_nome,
       e.equipe_id,
       e.nome                                  AS equipe_nome,
       ds.desconto_id,
       ds.codigo                               AS cupom,
       ds.campanha,
       f.status,
       f.eh_cancelado,
       (f.valor_desconto > 0)                  AS tem_desconto,
       f.quantidade_vendida,
       f.quantidade_devolvida,
       f.data_devolucao,
       f.preco_unitario,
       f.valor_bruto,
       f.valor_desconto,
       f.valor_total_liquido,
       f.custo_total,
       (f.valor_total_liquido - f.custo_total)::numeric(14,2) AS margem_bruta,
       f.valor_frete,
       ea.equipe_id                            AS equipe_atual,
       ea.nome                                 AS equipe_atual_nome,
       ra.regiao_id                            AS regiao_atual,
       ra.nome                                 AS regiao_atual_nome,
       coalesce(c.cliente_unico_id, c.cliente_id) AS cliente_pessoa_id
FROM fact.fact_vendas f
JOIN dim.dim_data d      ON d.data_sk = f.data_sk
JOIN dim.dim_cliente c   ON c.cliente_sk = f.cliente_sk
JOIN dim.dim_regiao r    ON r.regiao_sk = f.regiao_sk
JOIN dim.dim_produto p   ON p.produto_sk = f.produto_sk
JOIN dim.dim_vendedor v  ON v.vendedor_sk = f.vendedor_sk
JOIN dim.dim_equipe e    ON e.equipe_sk = f.equipe_sk
JOIN dim.dim_desconto ds ON ds.desconto_sk = f.desconto_sk
-- "as it is now": the current version of the seller and of the customer (one per key)
JOIN dim.dim_vendedor va ON va.vendedor_id = v.vendedor_id AND va.eh_atual
JOIN dim.dim_equipe ea   ON ea.equipe_sk = va.equipe_sk
JOIN dim.dim_cliente ca  ON ca.cliente_id = c.cliente_id AND ca.eh_atual
JOIN dim.dim_regiao ra   ON ra.regiao_sk = ca.regiao_sk;

COMMENT ON VIEW mart.vw_vendas IS
    'Vendas por linha de pedido com os atributos de todas as dimensões. Inclui linhas canceladas '
    '(eh_cancelado = true), que ficam fora das métricas de receita. regiao_* = região do cliente e equipe_* = equipe do '
    'vendedor na data da venda; equipe_atual e regiao_atual = como são hoje; cliente_pessoa_id = a pessoa por trás do '
    'cadastro (cliente_unico_id da origem, senão cliente_id), contada em clientes distintos.';
