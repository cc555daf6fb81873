-- V040 (dw): mart.agg_pedidos_diarios gets every additive sales measure, so that the
-- dashboards' KPI cards, trends, region breakdown and discount summary read ~5 rows per day
-- (day x customer region) instead of the line view or the day x region x category x team x
-- seller aggregate (857k rows at scale 1, where "all history" took 1-11 s).
-- Grain (unchanged): day x customer region, NON-CANCELLED lines only.
-- Exact distinct counts: an order has one day and one customer (one region), so `pedidos`,
-- `pedidos_com_desconto` and `pedidos_sem_desconto` add up over days and regions (not
-- `clientes`). pedidos_com_desconto = orders with at least one line with valor_desconto > 0;
-- pedidos_sem_desconto = orders with at least one line without (an order may be in both).
-- *_com_desconto = the measure over the lines with valor_desconto > 0.
-- Kept current by etl.refresh_agg_vendas_diarias (same DELETE + INSERT of the changed days).
-- Rerun: applied once (versioned); the backfill recomputes every existing row from
-- fact.fact_vendas with the procedure's own rules (a few seconds at scale 1).
ALTER TABLE mart.agg_pedidos_diarios
    ADD COLUMN pedidos_com_desconto        bigint        NOT NULL DEFAULT 0,
    ADD COLUMN pedidos_sem_desconto        bigint        NOT NULL DEFAULT 0,
    ADD COLUMN linhas                      bigint        NOT NULL DEFAULT 0,
    ADD COLUMN quantidade_vendida          bigint        NOT NULL DEFAULT 0,
    ADD COLUMN quantidade_devolvida        bigint        NOT NULL DEFAULT 0,
    ADD COLUMN valor_bruto                 numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN valor_desconto              numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN custo_total                 numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN valor_bruto_com_desconto    numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN valor_desconto_com_desconto numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN receita_com_desconto        numeric(16,2) NOT NULL DEFAULT 0,
    ADD COLUMN custo_com_desconto          numeric(16,2) NOT NULL DEFAULT 0;

UPDATE mart.agg_pedidos_diarios a
SET pedidos_com_desconto = s.pedidos_com_desconto, pedidos_sem_desconto = s.pedidos_sem_desconto,
    linhas = s.linhas, quantidade_vendida = s.quantidade_vendida, quantidade_devolvida = s.quantidade_devolvida,
    valor_bruto = s.valor_bruto, valor_desconto = s.valor_desconto, custo_total = s.custo_total,
    valor_bruto_com_desconto = s.valor_bruto_com_desconto,
    valor_desconto_com_desconto = s.valor_desconto_com_desconto,
    receita_com_desconto = s.receita_com_desconto, custo_com_desconto = s.custo_com_desconto
FROM (
    SELECT f.data_sk, f.regiao_sk,
           count(DISTINCT f.pedido_id) FILTER (WHERE f.valor_desconto > 0)        AS pedidos_com_desconto,
           count(DISTINCT f.pedido_id) FILTER (WHERE NOT f.valor_desconto > 0)    AS pedidos_sem_desconto,
           count(*)                                                               AS linhas,
           sum(f.quantidade_vendida)                                              AS quantidade_vendida,
           sum(f.quantidade_devolvida)                                            AS quantidade_devolvida,
           sum(f.valor_bruto)                                                     AS valor_bruto,
           sum(f.valor_desconto)                                                  AS valor_desconto,
           sum(f.custo_total)                                                     AS custo_total,
           coalesce(sum(f.valor_bruto) FILTER (WHERE f.valor_desconto > 0), 0)         AS valor_bruto_com_desconto,
           coalesce(sum(f.valor_desconto) FILTER (WHERE f.valor_desconto > 0), 0)      AS valor_desconto_com_desconto,
           coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0) AS receita_com_desconto,
           coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0)         AS custo_com_desconto
    FROM fact.fact_vendas f
    WHERE NOT f.eh_cancelado
    GROUP BY f.data_sk, f.regiao_sk
) s
WHERE s.data_sk = a.data_sk AND s.regiao_sk = a.regiao_sk;

ALTER TABLE mart.agg_pedidos_diarios
    ALTER COLUMN pedidos_com_desconto DROP DEFAULT, ALTER COLUMN pedidos_sem_desconto DROP DEFAULT,
    ALTER COLUMN linhas DROP DEFAULT, ALTER COLUMN quantidade_vendida DROP DEFAULT,
    ALTER COLUMN quantidade_devolvida DROP DEFAULT, ALTER COLUMN valor_bruto DROP DEFAULT,
    ALTER COLUMN valor_desconto DROP DEFAULT, ALTER COLUMN custo_total DROP DEFAULT,
    ALTER COLUMN valor_bruto_com_desconto DROP DEFAULT, ALTER COLUMN valor_desconto_com_desconto DROP DEFAULT,
    ALTER COLUMN receita_com_desconto DROP DEFAULT, ALTER COLUMN custo_com_desconto DROP DEFAULT;

COMMENT ON TABLE mart.agg_pedidos_diarios IS
    'Vendas não canceladas por dia x região do cliente: pedidos (contagem distinta exata; soma entre dias e '
    'regiões), clientes (não soma entre dias) e todas as medidas aditivas, com e sem desconto. '
    'Atualizada por etl.refresh_agg_vendas_diarias.';
