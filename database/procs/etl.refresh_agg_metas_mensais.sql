-- etl.refresh_agg_metas_mensais: recompute goal attainment (mart.agg_metas_mensais) for whole months.
-- Purpose: keep mart.agg_metas_mensais equal to a computation from fact.fact_metas and the
--          seller roll-up, at the cost of the months that changed (issue 9: the standard queries
--          atingimento_por_vendedor / _por_equipe read it through mart.vw_metas_atingimento).
-- Source: fact.fact_metas (goals), mart.agg_vendas_mensais_vendedor (realizado: non-cancelled net
--         revenue per month x region x team x seller) + dim.dim_vendedor (vendedor_sk -> vendedor_id).
-- Target: mart.agg_metas_mensais (grain: seller x month, one row per goal), audit.etl_run_entity
--         (entity 'agg_metas_mensais', only when a row changed; a second call in the same run adds to it).
-- Months recomputed: the months of p_meses (any day of a month stands for the month: the caller
--          passes the days whose sales changed) PLUS every month where the table's goals differ
--          from fact.fact_metas (a goal inserted, deleted, changed or re-bound to another seller
--          version or team): that comparison is one join of two seller x month tables, so a call
--          after a goal or seller load needs no list of what changed. A whole month is recomputed
--          because ranking_equipe depends on every goal of the team in the month.
-- Who calls it: harness.load, in the transaction of the dim_vendedor step (re-bound goals), of the
--          fact_vendas step after etl.refresh_agg_vendas_diarias (p_meses = the refreshed days) and
--          of the fact_metas step; a full rebuild is a call with every month.
-- Method: MERGE of the months' computed rows, updating only rows whose values changed, then
--          DELETE of the months' rows that have no goal any more.
-- Rerun: idempotent; a second call with the same months changes nothing.
-- Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.refresh_agg_metas_mensais(p_run_id bigint, p_meses date[] DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started   timestamptz := clock_timestamp();
    v_meses     date[];
    v_read      bigint := 0;
    v_inserted  bigint := 0;
    v_updated   bigint := 0;
    v_deleted   bigint := 0;
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'etl.refresh_agg_metas_mensais: p_run_id is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.etl_run r WHERE r.run_id = p_run_id) THEN
        RAISE EXCEPTION 'etl.refresh_agg_metas_mensais: run % is not in audit.etl_run', p_run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    SELECT coalesce(array_agg(DISTINCT x.mes), '{}') INTO v_meses
    FROM (
        SELECT date_trunc('month', d::timestamp)::date AS mes
        FROM unnest(coalesce(p_meses, '{}'::date[])) AS d
        WHERE d IS NOT NULL
        UNION ALL
        SELECT coalesce(f.mes, t.mes)
        FROM fact.fact_metas f
        FULL JOIN mart.agg_metas_mensais t ON t.mes = f.mes AND t.vendedor_id = f.vendedor_id
        WHERE f.mes IS NULL OR t.mes IS NULL
           OR (f.vendedor_sk, f.equipe_sk, f.valor_meta) IS DISTINCT FROM (t.vendedor_sk, t.equipe_sk, t.valor_meta)
    ) x;
    IF cardinality(v_meses) = 0 THEN
        RETURN;
    END IF;

    WITH realizado AS (
        -- by natural key: every version of the seller in the month counts (a mid-month team change
        -- splits the seller's sales over two versions, the goal is one)
        SELECT a.mes, v.vendedor_id, sum(a.valor_total_liquido) AS valor
        FROM mart.agg_vendas_mensais_vendedor a
        JOIN dim.dim_vendedor v ON v.vendedor_sk = a.vendedor_sk
        WHERE a.mes = ANY (v_meses)
        GROUP BY 1, 2
    ), base AS (
        SELECT m.mes, m.vendedor_id, m.vendedor_sk, m.equipe_sk, m.valor_meta,
               coalesce(x.valor, 0)::numeric(16,2)                  AS valor_realizado,
               coalesce(x.valor, 0) / NULLIF(m.valor_meta, 0) * 100  AS atingimento
        FROM fact.fact_metas m
        LEFT JOIN realizado x ON x.vendedor_id = m.vendedor_id AND x.mes = m.mes
        WHERE m.mes = ANY (v_meses)
    ), calculado AS (
        SELECT b.*, rank() OVER (PARTITION BY b.equipe_sk, b.mes ORDER BY b.atingimento DESC NULLS LAST)::integer
                    AS ranking_equipe
        FROM base b
    ), merged AS (
        MERGE INTO mart.agg_metas_mensais AS t
        USING calculado AS s
        ON t.mes = s.mes AND t.vendedor_id = s.vendedor_id
        WHEN MATCHED AND (t.vendedor_sk, t.equipe_sk, t.valor_meta, t.valor_realizado, t.atingimento, t.ranking_equipe)
                         IS DISTINCT FROM (s.vendedor_sk, s.equipe_sk, s.valor_meta, s.valor_realizado, s.atingimento, s.ranking_equipe) THEN
            UPDATE SET vendedor_sk = s.vendedor_sk, equipe_sk = s.equipe_sk, valor_meta = s.valor_meta,
                       valor_realizado = s.valor_realizado, atingimento = s.atingimento,
                       ranking_equipe = s.ranking_equipe, refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (mes, vendedor_id, vendedor_sk, equipe_sk, valor_meta, valor_realizado, atingimento,
                    ranking_equipe, refreshed_run_id)
            VALUES (s.mes, s.vendedor_id, s.vendedor_sk, s.equipe_sk, s.valor_meta, s.valor_realizado, s.atingimento,
                    s.ranking_equipe, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM calculado),
           count(*) FILTER (WHERE m.action = 'INSERT'),
           count(*) FILTER (WHERE m.action = 'UPDATE')
      INTO v_read, v_inserted, v_updated
    FROM merged m;

    DELETE FROM mart.agg_metas_mensais t
    WHERE t.mes = ANY (v_meses)
      AND NOT EXISTS (SELECT 1 FROM fact.fact_metas f WHERE f.vendedor_id = t.vendedor_id AND f.mes = t.mes);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;

    IF v_inserted + v_updated + v_deleted > 0 THEN
        PERFORM audit.fn_somar_entidade(p_run_id, 'agg_metas_mensais', v_started, p_rows_read => v_read,
                                        p_rows_inserted => v_inserted, p_rows_updated => v_updated,
                                        p_rows_deleted => v_deleted,
                                        p_rows_unchanged => v_read - v_inserted - v_updated);
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.refresh_agg_metas_mensais(bigint, date[]) IS
    'Recalcula mart.agg_metas_mensais (meta x realizado x posição na equipe por vendedor e mês) para os meses '
    'de p_meses e os meses cujas metas diferem de fact.fact_metas (MERGE + DELETE); não faz COMMIT.';
