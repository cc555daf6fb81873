-- mart.vw_descontos_campanhas: use, revenue, ROI and margin impact per coupon and month.
-- Purpose: dashboard "descontos e ROI" and PRD question "ROI de campanhas e impacto real de
--          descontos na margem" (journey 2).
-- Source: mart.agg_descontos_diarios (V043: the non-cancelled lines with valor_desconto > 0 per
--         day x region x coupon, the same lines and values fact.fact_descontos mirrors from
--         fact_vendas, pre-aggregated: the fact scan took 1.7 s over all history at scale 1)
--         + dim_desconto; the month's lines WITHOUT discount from mart.agg_pedidos_diarios.
-- Grain: coupon (dim_desconto; campaign is its attribute) x month of the order. desconto_id
--        '-1' gathers discounted lines with no coupon. pedidos_com_desconto is distinct per
--        row and does not add up across coupons.
-- roi_desconto = valor_com_desconto / valor_desconto_aplicado (R$ of revenue per R$ of discount).
-- Margin impact: margem_com_desconto_pct = (valor_com_desconto - custo_total) / valor_com_desconto
--   * 100 over the coupon's lines; margem_sem_desconto_pct = the same ratio over every
--   non-cancelled line WITHOUT discount of the same month (all regions/categories);
--   impacto_margem_pp = margem_com_desconto_pct - margem_sem_desconto_pct (percentage points;
--   negative = the discounted sales earn a lower margin than the undiscounted ones).
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_descontos_campanhas;
CREATE VIEW mart.vw_descontos_campanhas AS
WITH uso AS (
    -- pedidos adds up over days and regions: an order has one day, one customer and one coupon
    SELECT date_trunc('month', a.data)::date       AS mes,
           a.desconto_sk,
           sum(a.linhas)::bigint                   AS linhas_com_desconto,
           sum(a.pedidos)::bigint                  AS pedidos_com_desconto,
           sum(a.valor_bruto)                      AS valor_bruto,
           sum(a.valor_desconto)                   AS valor_desconto_aplicado,
           sum(a.valor_total_liquido)              AS valor_com_desconto,
           sum(a.custo_total)                      AS custo_total
    FROM mart.agg_descontos_diarios a
    GROUP BY 1, 2
), sem_desconto AS (
    SELECT date_trunc('month', a.data)::date                             AS mes,
           sum(a.valor_total_liquido - a.receita_com_desconto)           AS receita,
           sum(a.custo_total - a.custo_com_desconto)                     AS custo
    FROM mart.agg_pedidos_diarios a
    GROUP BY 1
), calc AS (
    SELECT u.*,
           (u.valor_com_desconto - u.custo_total) / NULLIF(u.valor_com_desconto, 0) * 100 AS margem_com_pct,
           (s.receita - s.custo) / NULLIF(s.receita, 0) * 100                           AS margem_sem_pct
    FROM uso u
    LEFT JOIN sem_desconto s ON s.mes = u.mes
)
SELECT c.mes,
       to_char(c.mes, 'YYYY-MM')                                  AS ano_mes,
       ds.desconto_id,
       ds.codigo                                                  AS cupom,
       ds.campanha,
       ds.tipo,
       c.linhas_com_desconto,
       c.pedidos_com_desconto,
       c.valor_bruto::numeric(16,2)                               AS valor_bruto,
       c.valor_desconto_aplicado::numeric(16,2)                   AS valor_desconto_aplicado,
       c.valor_com_desconto::numeric(16,2)                        AS valor_com_desconto,
       c.custo_total::numeric(16,2)                               AS custo_total,
       (c.valor_com_desconto - c.custo_total)::numeric(16,2)      AS margem_com_desconto,
       round(c.margem_com_pct, 2)::numeric(14,2)                  AS margem_com_desconto_pct,
       round(c.margem_sem_pct, 2)::numeric(14,2)                  AS margem_sem_desconto_pct,
       round(c.margem_com_pct - c.margem_sem_pct, 2)::numeric(14,2) AS impacto_margem_pp,
       round(c.valor_com_desconto / NULLIF(c.valor_desconto_aplicado, 0), 4)::numeric(16,4) AS roi_desconto
FROM calc c
JOIN dim.dim_desconto ds ON ds.desconto_sk = c.desconto_sk;

COMMENT ON VIEW mart.vw_descontos_campanhas IS
    'Uso, receita com desconto, desconto aplicado, ROI e impacto na margem (p.p. contra as vendas sem '
    'desconto do mesmo mês) por cupom/campanha e mês; sem linhas canceladas.';
