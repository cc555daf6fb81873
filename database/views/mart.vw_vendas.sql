-- mart.vw_vendas: PROVISIONAL (dashboards branch) until work-mart delivers the real view.
-- Purpose: order lines with flattened dimension attributes, for ad-hoc SQL and the dashboards.
-- Source: fact.fact_vendas + dimensions.  Grain: order line (cancelled lines kept, flagged).
-- Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_vendas AS
SELECT f.item_pedido_id, f.pedido_id, d.data, d.ano_mes,
       r.regiao_id, r.nome AS regiao_nome,
       coalesce(p.categoria, 'Não informado') AS categoria, p.produto_id, p.nome AS produto_nome,
       e.equipe_id, e.nome AS equipe_nome,
       v.vendedor_id, v.nome AS vendedor_nome,
       c.cliente_id, ds.codigo AS cupom, ds.campanha,
       f.status, f.eh_cancelado, f.quantidade_vendida, f.quantidade_devolvida,
       f.valor_bruto, f.valor_desconto, f.valor_total_liquido, f.custo_total,
       f.valor_total_liquido - f.custo_total AS margem_bruta
FROM fact.fact_vendas f
JOIN dim.dim_data d ON d.data_sk = f.data_sk
JOIN dim.dim_regiao r ON r.regiao_sk = f.regiao_sk
JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
JOIN dim.dim_vendedor v ON v.vendedor_sk = f.vendedor_sk
JOIN dim.dim_cliente c ON c.cliente_sk = f.cliente_sk
JOIN dim.dim_desconto ds ON ds.desconto_sk = f.desconto_sk;

COMMENT ON VIEW mart.vw_vendas IS 'Linhas de venda com atributos das dimensões (provisória).';
