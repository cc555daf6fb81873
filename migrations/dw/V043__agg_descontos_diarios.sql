-- V043 (dw): mart.agg_descontos_diarios, discounted sales per day x region x coupon.
-- Purpose: the "Descontos e ROI" page (uses, discount, revenue, margin, ROI per campaign and
--          coupon) without scanning the line view (1.2 s over all history at scale 1).
-- Grain: day x customer region x coupon (desconto_sk; -1 = discounted line with no coupon);
--        NON-CANCELLED lines with valor_desconto > 0 only (the catalog's desconto_aplicado).
--        `pedidos` = distinct orders of the group: an order has one day, one customer (region)
--        and one coupon, so it adds up over days, regions and coupons.
-- Kept current by etl.refresh_agg_vendas_diarias (DELETE + INSERT of the changed days).
-- Rerun: applied once (versioned); the backfill computes every day from fact.fact_vendas.
CREATE TABLE mart.agg_descontos_diarios (
    data                  date     NOT NULL,
    data_sk               integer  NOT NULL,
    regiao_sk             integer  NOT NULL,
    desconto_sk           integer  NOT NULL,
    linhas                bigint   NOT NULL,
    pedidos               bigint   NOT NULL,
    valor_bruto           numeric(16,2) NOT NULL,
    valor_desconto        numeric(16,2) NOT NULL,
    valor_total_liquido   numeric(16,2) NOT NULL,
    custo_total           numeric(16,2) NOT NULL,
    refreshed_run_id      bigint   NOT NULL,
    PRIMARY KEY (data, regiao_sk, desconto_sk)
);

INSERT INTO mart.agg_descontos_diarios
SELECT d.data, f.data_sk, f.regiao_sk, f.desconto_sk, count(*), count(DISTINCT f.pedido_id),
       sum(f.valor_bruto), sum(f.valor_desconto), sum(f.valor_total_liquido), sum(f.custo_total),
       coalesce((SELECT max(a.refreshed_run_id) FROM mart.agg_pedidos_diarios a), 0)
FROM fact.fact_vendas f
JOIN dim.dim_data d ON d.data_sk = f.data_sk
WHERE NOT f.eh_cancelado AND f.valor_desconto > 0
GROUP BY d.data, f.data_sk, f.regiao_sk, f.desconto_sk;

COMMENT ON TABLE mart.agg_descontos_diarios IS
    'Vendas não canceladas com desconto (valor_desconto > 0) por dia x região do cliente x cupom; '
    '"pedidos" soma entre dias, regiões e cupons. Atualizada por etl.refresh_agg_vendas_diarias.';

-- bi_reader gets SELECT through the default privileges of V001 (schema mart).
GRANT INSERT, DELETE ON mart.agg_descontos_diarios TO etl_writer;
