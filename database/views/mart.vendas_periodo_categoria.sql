-- mart.vendas_periodo_categoria(p_de, p_ate): sales of a period by customer region and product category, reading whole months
--          from mart.agg_vendas_mensais_categoria and only the partial months at the period's edges from the daily table.
-- Purpose: breakdowns and filters over long periods (a year, all history) read a few rows per
--          month instead of one per day and group (mart.agg_vendas_diarias barely compresses the
--          fact: 857k rows for 1M lines at scale 1). Used by dashboards/queries.py and the
--          standard queries (database/queries/receita_por_*.sql).
-- Source: mart.agg_vendas_mensais_categoria (months entirely inside [p_de, p_ate]) UNION ALL
--         mart.agg_vendas_diarias (the other days of [p_de, p_ate]) + dim_regiao
--         for ids and names (joined, not stored: renames show at once).
-- Grain: (month or day) x customer region x category; NON-CANCELLED lines only. `mes` is the row's month;
--        `data` is the day for daily rows and NULL for monthly rows.
-- Whole months: [ini, fim_excl) with ini = first month starting on or after p_de and fim_excl =
--        first day of the month of p_ate + 1 (p_ate closes its month only on its last day).
-- The month bounds use date_trunc on `timestamp` (immutable, folded to constants when the
-- function is inlined); on a date it would resolve to the timestamptz version (stable, time zone
-- dependent) and be evaluated for every row (measured: 186 of 420 ms over all history at scale 1).
-- The dimensions are LEFT JOINs on their primary keys (every sk has a row: -1 = unknown member,
-- so the result is the same as an inner join): the planner then drops the joins a caller does not
-- read (a breakdown by seller skips dim_regiao and dim_equipe; ~2/3 of the join cost).
-- LANGUAGE sql STABLE with one SELECT: the planner inlines it, so the caller's WHERE reaches both
-- branches. SECURITY INVOKER (the caller needs SELECT on the tables: bi_reader has it); EXECUTE is
-- granted to bi_reader (V001 revokes EXECUTE from PUBLIC by default).
-- Rerun: DROP + CREATE, re-applied by harness migrate when this file changes; no commit.
DROP FUNCTION IF EXISTS mart.vendas_periodo_categoria(date, date);
CREATE FUNCTION mart.vendas_periodo_categoria(p_de date, p_ate date)
RETURNS TABLE (mes date, data date, regiao_id text, regiao_nome text, categoria text, linhas bigint, quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint, receita_com_desconto numeric, custo_com_desconto numeric, margem_bruta numeric)
LANGUAGE sql STABLE
AS $$
SELECT x.mes, x.data, r.regiao_id, r.nome, x.categoria,
       x.linhas, x.quantidade_vendida, x.quantidade_devolvida, x.valor_bruto, x.valor_desconto, x.valor_total_liquido, x.custo_total, x.valor_frete, x.linhas_com_desconto, x.receita_com_desconto, x.custo_com_desconto,
       (x.valor_total_liquido - x.custo_total)::numeric(16,2)
FROM (
    SELECT m.mes, NULL::date AS data, m.regiao_sk, m.categoria, m.linhas, m.quantidade_vendida, m.quantidade_devolvida, m.valor_bruto, m.valor_desconto, m.valor_total_liquido, m.custo_total, m.valor_frete, m.linhas_com_desconto, m.receita_com_desconto, m.custo_com_desconto
    FROM mart.agg_vendas_mensais_categoria m
    WHERE m.mes >= (date_trunc('month', (p_de - 1)::timestamp) + interval '1 month')::date
      AND m.mes < date_trunc('month', (p_ate + 1)::timestamp)::date
    UNION ALL
    SELECT date_trunc('month', a.data::timestamp)::date, a.data, a.regiao_sk, a.categoria, a.linhas, a.quantidade_vendida, a.quantidade_devolvida, a.valor_bruto, a.valor_desconto, a.valor_total_liquido, a.custo_total, a.valor_frete, a.linhas_com_desconto, a.receita_com_desconto, a.custo_com_desconto
    FROM mart.agg_vendas_diarias a
    WHERE a.data BETWEEN p_de AND p_ate
      AND (a.data < (date_trunc('month', (p_de - 1)::timestamp) + interval '1 month')::date
           OR a.data >= date_trunc('month', (p_ate + 1)::timestamp)::date)
) x
LEFT JOIN dim.dim_regiao r   ON r.regiao_sk = x.regiao_sk
$$;

COMMENT ON FUNCTION mart.vendas_periodo_categoria(date, date) IS
    'Vendas não canceladas de um período por (mês ou dia) x região do cliente x categoria: meses inteiros de '
    'mart.agg_vendas_mensais_categoria, dias das pontas de mart.agg_vendas_diarias.';

GRANT EXECUTE ON FUNCTION mart.vendas_periodo_categoria(date, date) TO bi_reader;
