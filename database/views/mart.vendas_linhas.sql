-- mart.vendas_linhas(p_de, p_ate): the order lines of a period with the attributes the dashboards'
--          filters and exact order counts need, and nothing else.
-- Purpose: distinct order counts under a category/team/seller filter (dashboards/queries.py: KPI
--          cards, discount summary and campaigns with a fine filter) need the lines; mart.vw_vendas
--          gives them but also joins the customer's and seller's CURRENT versions (the as-is-now
--          columns), inner joins the planner cannot drop: it probes dim_cliente's no-overlap GiST
--          index once per line (~0.15 ms each: 160 of 190 ms for one seller over three years at
--          scale 1) and plans 12 joins (20-40 ms) for every query.
-- Source: fact.fact_vendas + dim_data, dim_regiao, dim_produto, dim_vendedor, dim_equipe, dim_desconto,
--         the same inner joins and expressions as mart.vw_vendas for these columns, so the lines and
--         values are the same: every fact key has its dimension row (-1 = unknown member), and every
--         natural key has its current version (dim_*_atual_unica; what vw_vendas' as-is-now joins need).
-- Grain: order line of [p_de, p_ate], cancelled lines included (eh_cancelado), as in mart.vw_vendas.
-- The period reaches fact_vendas' data_sk index (data_sk = yyyymmdd, computed with extract: immutable,
--         folded to constants when the function is inlined); dim_data.data alone would not.
-- LANGUAGE sql STABLE with one SELECT: inlined, so the caller's WHERE reaches the fact. SECURITY
--         INVOKER (bi_reader reads dim and fact); EXECUTE granted to bi_reader.
-- Rerun: DROP + CREATE, re-applied by harness migrate when this file changes; no commit.
DROP FUNCTION IF EXISTS mart.vendas_linhas(date, date);
CREATE FUNCTION mart.vendas_linhas(p_de date, p_ate date)
RETURNS TABLE (data date, data_sk integer, pedido_id text, regiao_id text, categoria text, equipe_id text,
               vendedor_id text, campanha text, cupom text, eh_cancelado boolean, valor_bruto numeric,
               valor_desconto numeric, valor_total_liquido numeric, custo_total numeric)
LANGUAGE sql STABLE
AS $$
SELECT d.data, f.data_sk, f.pedido_id, r.regiao_id, COALESCE(p.categoria, 'Não informado'), e.equipe_id,
       v.vendedor_id, ds.campanha, ds.codigo, f.eh_cancelado, f.valor_bruto, f.valor_desconto,
       f.valor_total_liquido, f.custo_total
FROM fact.fact_vendas f
JOIN dim.dim_data d      ON d.data_sk = f.data_sk
JOIN dim.dim_regiao r    ON r.regiao_sk = f.regiao_sk
JOIN dim.dim_produto p   ON p.produto_sk = f.produto_sk
JOIN dim.dim_vendedor v  ON v.vendedor_sk = f.vendedor_sk
JOIN dim.dim_equipe e    ON e.equipe_sk = f.equipe_sk
JOIN dim.dim_desconto ds ON ds.desconto_sk = f.desconto_sk
WHERE d.data BETWEEN p_de AND p_ate
  AND f.data_sk BETWEEN (extract(year FROM p_de) * 10000 + extract(month FROM p_de) * 100 + extract(day FROM p_de))::int
                    AND (extract(year FROM p_ate) * 10000 + extract(month FROM p_ate) * 100 + extract(day FROM p_ate))::int
$$;

COMMENT ON FUNCTION mart.vendas_linhas(date, date) IS
    'Linhas de pedido de um período (canceladas incluídas, eh_cancelado) com região do cliente, categoria, equipe e '
    'vendedor na data da venda e cupom/campanha: as mesmas linhas e valores de mart.vw_vendas, sem as colunas "como é hoje".';

GRANT EXECUTE ON FUNCTION mart.vendas_linhas(date, date) TO bi_reader;
