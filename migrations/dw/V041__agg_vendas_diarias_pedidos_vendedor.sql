-- V041 (dw): mart.agg_vendas_diarias.pedidos_vendedor, an exact, ADDITIVE order count per seller.
-- Why: `pedidos` (distinct orders of a day x region x category x team x seller group) does not add
--      up over categories (an order may hold several categories), so "orders per seller" over a
--      period had to count distinct pedido_id on the line view (5.6 s over all history at scale 1).
-- Rule: each order is attributed, per seller (and team, region, day), to ONE category: the
--      smallest category among that seller's non-cancelled lines of the order. pedidos_vendedor of
--      a group = the orders attributed to it. So with NO category filter,
--      sum(pedidos_vendedor) over any rows grouped by seller (or by seller and coarser keys: team
--      of the seller, region, day, month) is exactly count(DISTINCT pedido_id) of those sellers'
--      lines. It does NOT add up over sellers (one order may have several sellers), and under a
--      category filter it undercounts: use the line view then.
-- Kept current by etl.refresh_agg_vendas_diarias; summed into mart.agg_vendas_mensais (V042).
-- Rerun: applied once (versioned); the backfill recomputes the column from fact.fact_vendas.
ALTER TABLE mart.agg_vendas_diarias ADD COLUMN pedidos_vendedor bigint NOT NULL DEFAULT 0;

UPDATE mart.agg_vendas_diarias a
SET pedidos_vendedor = s.pedidos_vendedor
FROM (
    SELECT l.data_sk, l.regiao_sk, l.categoria, l.equipe_sk, l.vendedor_sk,
           count(DISTINCT l.pedido_id) FILTER (WHERE l.categoria = l.primeira) AS pedidos_vendedor
    FROM (
        SELECT f.data_sk, f.regiao_sk, coalesce(p.categoria, 'Não informado') AS categoria, f.equipe_sk,
               f.vendedor_sk, f.pedido_id,
               min(coalesce(p.categoria, 'Não informado'))
                   OVER (PARTITION BY f.pedido_id, f.data_sk, f.regiao_sk, f.equipe_sk, f.vendedor_sk) AS primeira
        FROM fact.fact_vendas f
        JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
        WHERE NOT f.eh_cancelado
    ) l
    GROUP BY 1, 2, 3, 4, 5
) s
WHERE s.data_sk = a.data_sk AND s.regiao_sk = a.regiao_sk AND s.categoria = a.categoria
  AND s.equipe_sk = a.equipe_sk AND s.vendedor_sk = a.vendedor_sk;

ALTER TABLE mart.agg_vendas_diarias ALTER COLUMN pedidos_vendedor DROP DEFAULT;
COMMENT ON COLUMN mart.agg_vendas_diarias.pedidos_vendedor IS
    'Pedidos atribuídos a este grupo: cada pedido conta uma vez por vendedor, na menor categoria das '
    'linhas do vendedor. Soma exata por vendedor (sem filtro de categoria); não soma entre vendedores.';
