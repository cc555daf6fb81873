-- mart.vendas_periodo_vendedor_total(p_de, p_ate): sales of a period summed per customer region, team and
--          seller version: one row per group for the whole period (not per month or day).
-- Purpose: per-seller totals over long periods (receita_por_vendedor over three years: 45k monthly
--          rows at scale 1). mart.vendas_periodo_vendedor returns one row per month/day and group
--          with the names already joined, so a caller grouping by seller grouped 45k rows on four
--          text columns (about 2/3 of that query's time); here the rows are summed on the integer
--          keys first and the names are joined to the few hundred sums (issue 9).
-- Source: mart.agg_vendas_mensais_vendedor (months entirely inside [p_de, p_ate]) UNION ALL
--         mart.agg_vendas_diarias (the other days of [p_de, p_ate]), as in
--         mart.vendas_periodo_vendedor (same month bounds, see there), + dim_regiao, dim_equipe,
--         dim_vendedor for ids and names (joined after the sums; renames show at once).
-- Grain: customer region x team x seller version (regiao_sk, equipe_sk, vendedor_sk) over the period;
--        NON-CANCELLED lines only. Two versions of a seller with the same id give two rows: callers
--        group by the ids/names they show. `pedidos` = the seller's distinct orders (sum of
--        pedidos_vendedor, V041): exact when summed per seller (over regions and versions), NOT
--        across sellers.
-- LANGUAGE sql STABLE with one SELECT: inlined, so the caller's filters on the ids reach the joins
-- and unused measures are not summed. SECURITY INVOKER; EXECUTE granted to bi_reader.
-- Rerun: DROP + CREATE, re-applied by harness migrate when this file changes; no commit.
DROP FUNCTION IF EXISTS mart.vendas_periodo_vendedor_total(date, date);
CREATE FUNCTION mart.vendas_periodo_vendedor_total(p_de date, p_ate date)
RETURNS TABLE (regiao_id text, regiao_nome text, equipe_id text, equipe_nome text, vendedor_id text, vendedor_nome text, linhas bigint, quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint, receita_com_desconto numeric, custo_com_desconto numeric, margem_bruta numeric, pedidos bigint)
LANGUAGE sql STABLE
AS $$
SELECT r.regiao_id, r.nome, e.equipe_id, e.nome, v.vendedor_id, v.nome,
       s.linhas, s.quantidade_vendida, s.quantidade_devolvida, s.valor_bruto, s.valor_desconto, s.valor_total_liquido, s.custo_total, s.valor_frete, s.linhas_com_desconto, s.receita_com_desconto, s.custo_com_desconto,
       (s.valor_total_liquido - s.custo_total), s.pedidos
FROM (
    SELECT x.regiao_sk, x.equipe_sk, x.vendedor_sk,
           sum(x.linhas)::bigint AS linhas, sum(x.quantidade_vendida)::bigint AS quantidade_vendida,
           sum(x.quantidade_devolvida)::bigint AS quantidade_devolvida, sum(x.valor_bruto) AS valor_bruto,
           sum(x.valor_desconto) AS valor_desconto, sum(x.valor_total_liquido) AS valor_total_liquido,
           sum(x.custo_total) AS custo_total, sum(x.valor_frete) AS valor_frete,
           sum(x.linhas_com_desconto)::bigint AS linhas_com_desconto, sum(x.receita_com_desconto) AS receita_com_desconto,
           sum(x.custo_com_desconto) AS custo_com_desconto, sum(x.pedidos)::bigint AS pedidos
    FROM (
        SELECT m.regiao_sk, m.equipe_sk, m.vendedor_sk, m.linhas, m.quantidade_vendida, m.quantidade_devolvida, m.valor_bruto, m.valor_desconto, m.valor_total_liquido, m.custo_total, m.valor_frete, m.linhas_com_desconto, m.receita_com_desconto, m.custo_com_desconto, m.pedidos
        FROM mart.agg_vendas_mensais_vendedor m
        WHERE m.mes >= (date_trunc('month', (p_de - 1)::timestamp) + interval '1 month')::date
          AND m.mes < date_trunc('month', (p_ate + 1)::timestamp)::date
        UNION ALL
        SELECT a.regiao_sk, a.equipe_sk, a.vendedor_sk, a.linhas, a.quantidade_vendida, a.quantidade_devolvida, a.valor_bruto, a.valor_desconto, a.valor_total_liquido, a.custo_total, a.valor_frete, a.linhas_com_desconto, a.receita_com_desconto, a.custo_com_desconto, a.pedidos_vendedor
        FROM mart.agg_vendas_diarias a
        WHERE a.data BETWEEN p_de AND p_ate
          AND (a.data < (date_trunc('month', (p_de - 1)::timestamp) + interval '1 month')::date
               OR a.data >= date_trunc('month', (p_ate + 1)::timestamp)::date)
    ) x
    GROUP BY x.regiao_sk, x.equipe_sk, x.vendedor_sk
) s
LEFT JOIN dim.dim_regiao r   ON r.regiao_sk = s.regiao_sk
LEFT JOIN dim.dim_equipe e   ON e.equipe_sk = s.equipe_sk
LEFT JOIN dim.dim_vendedor v ON v.vendedor_sk = s.vendedor_sk
$$;

COMMENT ON FUNCTION mart.vendas_periodo_vendedor_total(date, date) IS
    'Vendas não canceladas de um período somadas por região do cliente x equipe x versão do vendedor (uma linha '
    'por grupo no período): meses inteiros de mart.agg_vendas_mensais_vendedor, dias das pontas de '
    'mart.agg_vendas_diarias; nomes ligados depois da soma.';

GRANT EXECUTE ON FUNCTION mart.vendas_periodo_vendedor_total(date, date) TO bi_reader;
