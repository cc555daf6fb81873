-- mart.vw_descontos_campanhas: PROVISIONAL (dashboards branch) until work-mart delivers it.
-- Purpose: discounts applied, with the sale's dimensions, for coupon/campaign ROI (journey 2).
-- Source: fact.fact_descontos + dimensions.  Grain: discount applied to an order line.
-- Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_descontos_campanhas AS
SELECT f.item_pedido_id, f.pedido_id, d.data, ds.desconto_id, ds.codigo AS cupom, ds.campanha,
       r.regiao_id, coalesce(p.categoria, 'Não informado') AS categoria, e.equipe_id, v.vendedor_id,
       f.eh_cancelado, f.valor_bruto, f.valor_desconto_aplicado, f.valor_com_desconto, f.custo_total,
       f.valor_com_desconto - f.custo_total AS margem_bruta
FROM fact.fact_descontos f
JOIN fact.fact_vendas fv ON fv.item_pedido_id = f.item_pedido_id
JOIN dim.dim_data d ON d.data_sk = f.data_sk
JOIN dim.dim_desconto ds ON ds.desconto_sk = f.desconto_sk
JOIN dim.dim_regiao r ON r.regiao_sk = fv.regiao_sk
JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
JOIN dim.dim_equipe e ON e.equipe_sk = fv.equipe_sk
JOIN dim.dim_vendedor v ON v.vendedor_sk = f.vendedor_sk;

COMMENT ON VIEW mart.vw_descontos_campanhas IS 'Descontos aplicados por linha com cupom e campanha (provisória).';
