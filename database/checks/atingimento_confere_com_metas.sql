-- check: atingimento_confere_com_metas
-- severity: block
-- scope: days
-- description: mart.agg_metas_mensais (lida por mart.vw_metas_atingimento e pelas consultas padrão de atingimento) tem exatamente uma linha por meta de fact.fact_metas, com a mesma meta, versão do vendedor e equipe, e realizado (receita líquida sem cancelados de todas as versões do vendedor no mês), atingimento e posição na equipe iguais a um recálculo a partir de mart.agg_vendas_mensais_vendedor.
-- Severity block: the standard queries atingimento_por_vendedor / atingimento_por_equipe and the
--   goals dashboard read this table as is; a wrong realised value or rank is a wrong number shown
--   to sales managers. It is derived in the same transactions as its sources, so a difference is a
--   warehouse fault, never late source data: nothing legitimate makes it fail.
-- Independent of etl.refresh_agg_metas_mensais (it does not call it and computes the other way
--   round): it starts from each goal, gathers every version of the goal's seller (dim_vendedor by
--   vendedor_id) and sums their rows of the seller roll-up in the goal's month. The roll-up is tied
--   to fact_vendas by agregado_confere_com_fato, so the two checks together tie this table to the
--   fact. atingimento = valor_realizado / valor_meta * 100 (the KPI of DESIGN section 4), NULL when
--   the goal is 0, compared to 8 decimals (the table keeps it unrounded; the view shows 2);
--   ranking_equipe = rank() within team (the goal's equipe_sk) x month, highest attainment first,
--   goals without attainment (goal 0) last and tied.
-- Reports, one row per seller x month: 'falta' (a goal with no row), 'sobra' (a row with no goal),
--   'difere' with the differing columns named in `colunas`, expected (_esperado) beside stored (_tabela).
-- Scope: the goal columns and missing/extra rows are compared over the whole table in every run
--   (sellers x months: 3,456 rows at scale 0.1). Realised value, attainment and rank are recomputed
--   for every month in a full run; in load-daily for the months of %(datas)s (the days the gate owes,
--   ctl.reconcile_pending: the days whose sales or aggregates changed, pending until reconciled), the
--   months whose rows this run rewrote (refreshed_run_id, e.g. after a goal load) and the months whose
--   goals disagree; the roll-up is read by its key (mes). Left to the weekly full run: a month rewritten
--   for its goals by an earlier run whose gate failed, and a stored figure no load touched.
-- Cost (EXPLAIN ANALYZE, demo warehouse at scale 0.1: 100k order lines, 3,456 goals of 96 sellers
--   over 36 months, 9,740 roll-up rows; warm cache, 2 cores shared with a benchmark): full run 43 ms;
--   load-daily 14.5 ms with one month in scope, 25 ms with twelve; the whole-table goal comparison is
--   ~9 ms of that. A real `harness oltp advance --days 1` + load-daily there: 18 ms (dq.check_result).
WITH meta AS (          -- what the table must hold: one row per goal
    SELECT m.mes, m.vendedor_id, m.vendedor_sk, m.equipe_sk, m.valor_meta
    FROM fact.fact_metas AS m
), tabela AS (
    SELECT t.mes, t.vendedor_id, t.vendedor_sk, t.equipe_sk, t.valor_meta, t.valor_realizado,
           t.atingimento, t.ranking_equipe, t.refreshed_run_id
    FROM mart.agg_metas_mensais AS t
), escopo AS MATERIALIZED (   -- months recomputed in load-daily (ignored in a full run)
    SELECT coalesce(array_agg(DISTINCT x.mes), '{}') AS meses
    FROM (
        SELECT date_trunc('month', d::timestamp)::date AS mes FROM unnest(%(datas)s::date[]) AS d
        UNION ALL
        SELECT t.mes FROM tabela AS t WHERE t.refreshed_run_id = %(run_id)s
        UNION ALL
        SELECT coalesce(m.mes, t.mes)
        FROM meta AS m FULL JOIN tabela AS t ON t.mes = m.mes AND t.vendedor_id = m.vendedor_id
        WHERE (m.vendedor_sk, m.equipe_sk, m.valor_meta) IS DISTINCT FROM (t.vendedor_sk, t.equipe_sk, t.valor_meta)
    ) AS x
), realizado AS (      -- per goal: the roll-up rows of every version of its seller in its month
    SELECT m.mes, m.vendedor_id, m.equipe_sk, m.valor_meta,
           coalesce(sum(a.valor_total_liquido), 0) AS valor_realizado
    FROM meta AS m
    LEFT JOIN dim.dim_vendedor AS v ON v.vendedor_id = m.vendedor_id
    LEFT JOIN mart.agg_vendas_mensais_vendedor AS a
           ON a.vendedor_sk = v.vendedor_sk AND a.mes = m.mes
          AND (%(datas)s::date[] IS NULL OR a.mes = ANY ((SELECT e.meses FROM escopo AS e)::date[]))
    WHERE %(datas)s::date[] IS NULL OR m.mes = ANY ((SELECT e.meses FROM escopo AS e)::date[])
    GROUP BY m.mes, m.vendedor_id, m.equipe_sk, m.valor_meta
), atingido AS (
    SELECT r.mes, r.vendedor_id, r.equipe_sk, r.valor_realizado,
           CASE WHEN r.valor_meta = 0 THEN NULL ELSE r.valor_realizado / r.valor_meta * 100 END AS atingimento
    FROM realizado AS r
), esperado AS (
    SELECT g.mes, g.vendedor_id, g.valor_realizado, g.atingimento,
           rank() OVER (PARTITION BY g.equipe_sk, g.mes ORDER BY g.atingimento DESC NULLS LAST) AS ranking_equipe
    FROM atingido AS g
), comparado AS (
    SELECT coalesce(m.mes, t.mes) AS mes, coalesce(m.vendedor_id, t.vendedor_id) AS vendedor_id,
           m.vendedor_id IS NOT NULL AS tem_meta, t.vendedor_id IS NOT NULL AS tem_linha,
           concat_ws(', ',
               CASE WHEN m.vendedor_sk IS DISTINCT FROM t.vendedor_sk THEN 'vendedor_sk' END,
               CASE WHEN m.equipe_sk IS DISTINCT FROM t.equipe_sk THEN 'equipe_sk' END,
               CASE WHEN m.valor_meta IS DISTINCT FROM t.valor_meta THEN 'valor_meta' END,
               CASE WHEN e.mes IS NOT NULL AND e.valor_realizado IS DISTINCT FROM t.valor_realizado
                    THEN 'valor_realizado' END,
               CASE WHEN e.mes IS NOT NULL AND round(e.atingimento, 8) IS DISTINCT FROM round(t.atingimento, 8)
                    THEN 'atingimento' END,
               CASE WHEN e.mes IS NOT NULL AND e.ranking_equipe IS DISTINCT FROM t.ranking_equipe
                    THEN 'ranking_equipe' END) AS colunas,
           m.vendedor_sk AS vendedor_sk_esperado, t.vendedor_sk AS vendedor_sk_tabela,
           m.equipe_sk AS equipe_sk_esperado, t.equipe_sk AS equipe_sk_tabela,
           m.valor_meta AS valor_meta_esperado, t.valor_meta AS valor_meta_tabela,
           e.valor_realizado AS valor_realizado_esperado, t.valor_realizado AS valor_realizado_tabela,
           round(e.atingimento, 8) AS atingimento_esperado, round(t.atingimento, 8) AS atingimento_tabela,
           e.ranking_equipe AS ranking_equipe_esperado, t.ranking_equipe AS ranking_equipe_tabela
    FROM meta AS m
    FULL JOIN tabela AS t ON t.mes = m.mes AND t.vendedor_id = m.vendedor_id
    LEFT JOIN esperado AS e ON e.mes = m.mes AND e.vendedor_id = m.vendedor_id
)
SELECT CASE WHEN NOT c.tem_linha THEN 'falta' WHEN NOT c.tem_meta THEN 'sobra' ELSE 'difere' END AS problema,
       c.mes, c.vendedor_id, CASE WHEN c.tem_meta AND c.tem_linha THEN c.colunas END AS colunas,
       c.vendedor_sk_esperado, c.vendedor_sk_tabela, c.equipe_sk_esperado, c.equipe_sk_tabela,
       c.valor_meta_esperado, c.valor_meta_tabela, c.valor_realizado_esperado, c.valor_realizado_tabela,
       c.atingimento_esperado, c.atingimento_tabela, c.ranking_equipe_esperado, c.ranking_equipe_tabela
FROM comparado AS c
WHERE NOT c.tem_meta OR NOT c.tem_linha OR c.colunas <> ''
ORDER BY c.mes, c.vendedor_id
