-- V070 (dw): mart.agg_metas_mensais, goal attainment per seller x month, precomputed.
-- Why: mart.vw_metas_atingimento computed every seller x month at query time: it grouped the
--   whole seller roll-up (mart.agg_vendas_mensais_vendedor, month x region x team x seller, 45k
--   rows at scale 1) by seller and month, then ranked every goal with a window. Over three years
--   that was ~150 ms of server time for the standard query atingimento_por_vendedor (10,800 rows)
--   and ~80 ms for atingimento_por_equipe, 3.3x that at scale 10 (issue 9). This table holds the
--   result of that computation, one row per goal, so the view only joins names.
-- Grain: seller (vendedor_id, the goal's natural key) x month (mes = 1st day): exactly the rows
--   of fact.fact_metas. vendedor_sk / equipe_sk = the goal's seller version and team (as bound by
--   fact_metas: the version valid on the 1st day of the month).
-- Measures (the same rules the view had): valor_realizado = non-cancelled net revenue of every
--   version of the seller in the month (sum of the roll-up by vendedor_id; 0 when none);
--   atingimento = valor_realizado / valor_meta * 100, unrounded (NULL when the goal is 0);
--   ranking_equipe = rank() within (equipe_sk, mes) by atingimento, highest first, NULLs last.
-- Kept current by etl.refresh_agg_metas_mensais (whole months: a rank depends on the whole
--   team-month), called by harness.load after the dim_vendedor, fact_vendas and fact_metas steps
--   in their transactions.
-- Rerun: applied once (versioned); the backfill computes every goal from the current tables.
CREATE TABLE mart.agg_metas_mensais (
    mes              date          NOT NULL,
    vendedor_id      text          NOT NULL,
    vendedor_sk      integer       NOT NULL,
    equipe_sk        integer       NOT NULL,
    valor_meta       numeric(14,2) NOT NULL,
    valor_realizado  numeric(16,2) NOT NULL,
    atingimento      numeric,
    ranking_equipe   integer       NOT NULL,
    refreshed_run_id bigint        NOT NULL,
    PRIMARY KEY (mes, vendedor_id),
    CHECK (mes = date_trunc('month', mes)::date)
);

INSERT INTO mart.agg_metas_mensais
WITH realizado AS (
    SELECT a.mes, v.vendedor_id, sum(a.valor_total_liquido) AS valor
    FROM mart.agg_vendas_mensais_vendedor a
    JOIN dim.dim_vendedor v ON v.vendedor_sk = a.vendedor_sk
    GROUP BY 1, 2
), base AS (
    SELECT m.mes, m.vendedor_id, m.vendedor_sk, m.equipe_sk, m.valor_meta,
           coalesce(x.valor, 0)::numeric(16,2)                  AS valor_realizado,
           coalesce(x.valor, 0) / NULLIF(m.valor_meta, 0) * 100  AS atingimento
    FROM fact.fact_metas m
    LEFT JOIN realizado x ON x.vendedor_id = m.vendedor_id AND x.mes = m.mes
)
SELECT b.mes, b.vendedor_id, b.vendedor_sk, b.equipe_sk, b.valor_meta, b.valor_realizado, b.atingimento,
       rank() OVER (PARTITION BY b.equipe_sk, b.mes ORDER BY b.atingimento DESC NULLS LAST)::integer,
       coalesce((SELECT max(a.refreshed_run_id) FROM mart.agg_vendas_mensais_vendedor a), 0)
FROM base b;

COMMENT ON TABLE mart.agg_metas_mensais IS
    'Meta x realizado por vendedor e mês (uma linha por meta de fact.fact_metas): realizado = receita líquida '
    'sem cancelados de todas as versões do vendedor no mês, atingimento sem arredondar, posição na equipe. '
    'Atualizada por etl.refresh_agg_metas_mensais; lida por mart.vw_metas_atingimento.';

-- bi_reader gets SELECT through the default privileges of V001 (schema mart).
GRANT INSERT, UPDATE, DELETE ON mart.agg_metas_mensais TO etl_writer;
