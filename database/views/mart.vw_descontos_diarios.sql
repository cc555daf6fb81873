-- mart.vw_descontos_diarios: discounted sales per day x customer region x coupon, with names.
-- Purpose: the "Descontos e ROI" page's campaign/coupon table (uses, discount, revenue, margin,
--          ROI) for any period without scanning the line view.
-- Source: mart.agg_descontos_diarios (V043; refreshed by etl.refresh_agg_vendas_diarias) +
--         dim_regiao, dim_desconto (small; names joined, not stored).
-- Grain: day x customer region x coupon; NON-CANCELLED lines with valor_desconto > 0 only.
--        `pedidos` (orders using the coupon) adds up over days, regions and coupons (an order has
--        one day, one customer and one coupon); it does not split by category, team or seller.
-- Rerun: DROP + CREATE (grants come back from the default privileges), re-applied by harness
-- migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_descontos_diarios;
CREATE VIEW mart.vw_descontos_diarios AS
SELECT a.data,
       r.regiao_id,
       r.nome                                                  AS regiao_nome,
       ds.desconto_id,
       ds.codigo                                               AS cupom,
       ds.campanha,
       a.linhas,
       a.pedidos,
       a.valor_bruto,
       a.valor_desconto,
       a.valor_total_liquido,
       a.custo_total,
       (a.valor_total_liquido - a.custo_total)::numeric(16,2)  AS margem_bruta
FROM mart.agg_descontos_diarios a
JOIN dim.dim_regiao r    ON r.regiao_sk = a.regiao_sk
JOIN dim.dim_desconto ds ON ds.desconto_sk = a.desconto_sk;

COMMENT ON VIEW mart.vw_descontos_diarios IS
    'Vendas não canceladas com desconto por dia x região do cliente x cupom/campanha: linhas, pedidos que '
    'usaram o cupom, valor bruto, desconto, receita, custo e margem.';
