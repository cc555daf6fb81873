-- etl.refresh_agg_vendas_diarias: recompute the sales aggregates for a range of order days.
-- Purpose: keep mart.agg_vendas_diarias and mart.agg_pedidos_diarios equal to a full
--          recomputation from fact.fact_vendas, at the cost of the days that changed.
-- Source: fact.fact_vendas (non-cancelled lines) + dim.dim_produto (categoria).
-- Target: mart.agg_vendas_diarias (day x region x category x team x seller),
--         mart.agg_vendas_mensais_categoria / _vendedor (its monthly roll-ups, V042), mart.agg_pedidos_diarios
--         (day x region, every additive measure, V040), mart.agg_descontos_diarios
--         (day x region x coupon, discounted lines, V043), audit.etl_run_entity (entity
--         'agg_vendas_diarias': rows_read = rows_inserted = groups written, rows_deleted =
--         groups removed; a second call in the same run adds to that row), ctl.agg_grupos_pendentes
--         (the days' rows removed).
-- Who calls it: the load orchestrator (harness), after the fact loads, with the range of
--          order days the run touched (min/max order date of the changed lines, old and new),
--          in its own transaction. A full rebuild is the same call over the whole calendar.
-- Method: DELETE the days in [p_from, p_to] + INSERT ... SELECT grouped (set-based). Lines with
--          an unknown date (data_sk = -1, shown as 0001-01-01) are recomputed on every call; the
--          aggregate tables are searched by `data = '0001-01-01'` (their key) rather than by
--          data_sk = -1 (not indexed there: one sequential scan of the 853k-row daily table per
--          statement and per call, measured at scale 1).
--          The monthly roll-ups are maintained by difference, so their cost follows the days
--          rewritten, not the size of their months: the DELETE of the daily rows RETURNs them
--          negated into pg_temp.etl_agg_vendas_delta, and etl.rollup_agg_vendas_mensais adds those
--          and the days' new rows to the months in one MERGE per roll-up (groups left with no line
--          deleted). Every monthly measure is a sum of daily ones (the seller's
--          pedidos = sum of pedidos_vendedor).
--          Whole days: the first load, a reprocess window, days a dimension load re-bound or
--          re-categorised (ctl.agg_refresh_pending). The daily load's changed lines go through
--          etl.refresh_agg_vendas_grupos instead; the pending groups of the days rewritten here
--          (ctl.agg_grupos_pendentes) are removed, being exact now.
-- Rerun: idempotent; the same range twice gives the same rows.
-- Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.refresh_agg_vendas_diarias(p_run_id bigint, p_from date, p_to date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- a first load or a rebuild groups every line (count(DISTINCT) sorts, 1M lines at scale 1) in this
-- call; with the default 4MB the sorts spilled to disk: whole-history call 43.8 -> 39.4 s (mean of
-- two alternated runs each, scale 1). A daily call's few days never reach it.
SET work_mem = '256MB'
AS $$
DECLARE
    v_started   timestamptz := clock_timestamp();
    v_from_sk   integer;
    v_to_sk     integer;
    v_deleted   bigint := 0;
    v_inserted  bigint := 0;
    v_count     bigint;
BEGIN
    IF p_run_id IS NULL OR p_from IS NULL OR p_to IS NULL THEN
        RAISE EXCEPTION 'etl.refresh_agg_vendas_diarias: p_run_id, p_from and p_to are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_from > p_to THEN
        RAISE EXCEPTION 'etl.refresh_agg_vendas_diarias: p_from (%) is after p_to (%)', p_from, p_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.etl_run r WHERE r.run_id = p_run_id) THEN
        RAISE EXCEPTION 'etl.refresh_agg_vendas_diarias: run % is not in audit.etl_run', p_run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- data_sk is yyyymmdd, so a date range is a data_sk range (index fact_vendas_data)
    v_from_sk := greatest(pg_catalog.to_char(p_from, 'YYYYMMDD')::integer, 0);
    v_to_sk   := pg_catalog.to_char(p_to, 'YYYYMMDD')::integer;

    -- the days' daily rows out, each remembered negated for the monthly roll-ups (V042)
    IF to_regclass('pg_temp.etl_agg_vendas_delta') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_agg_vendas_delta;
    END IF;
    CREATE TEMPORARY TABLE etl_agg_vendas_delta ON COMMIT DROP AS
    WITH gone AS (
        DELETE FROM mart.agg_vendas_diarias a
        WHERE (a.data BETWEEN p_from AND p_to) OR a.data = DATE '0001-01-01'
        RETURNING a.data, a.regiao_sk, a.categoria, a.equipe_sk, a.vendedor_sk, -a.linhas AS linhas,
                  -a.quantidade_vendida AS quantidade_vendida, -a.quantidade_devolvida AS quantidade_devolvida,
                  -a.valor_bruto AS valor_bruto, -a.valor_desconto AS valor_desconto,
                  -a.valor_total_liquido AS valor_total_liquido, -a.custo_total AS custo_total,
                  -a.valor_frete AS valor_frete, -a.linhas_com_desconto AS linhas_com_desconto,
                  -a.receita_com_desconto AS receita_com_desconto, -a.custo_com_desconto AS custo_com_desconto,
                  -a.pedidos_vendedor AS pedidos_vendedor
    )
    SELECT * FROM gone;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    -- pedidos_vendedor (V041): each order counts once per seller (and team, region, day), in the
    -- smallest category of that seller's lines of the order (`primeira`)
    INSERT INTO mart.agg_vendas_diarias (
        data, data_sk, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos,
        quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido,
        custo_total, valor_frete, linhas_com_desconto, receita_com_desconto, custo_com_desconto,
        refreshed_run_id, pedidos_vendedor)
    SELECT f.data, f.data_sk, f.regiao_sk, f.categoria, f.equipe_sk, f.vendedor_sk,
           count(*), count(DISTINCT f.pedido_id),
           sum(f.quantidade_vendida), sum(f.quantidade_devolvida),
           sum(f.valor_bruto), sum(f.valor_desconto), sum(f.valor_total_liquido),
           sum(f.custo_total), sum(f.valor_frete),
           count(*) FILTER (WHERE f.valor_desconto > 0),
           coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0),
           coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0),
           p_run_id,
           count(DISTINCT f.pedido_id) FILTER (WHERE f.categoria = f.primeira)
    FROM (
        SELECT d.data, l.data_sk, l.regiao_sk, coalesce(p.categoria, 'Não informado') AS categoria,
               l.equipe_sk, l.vendedor_sk, l.pedido_id, l.quantidade_vendida, l.quantidade_devolvida,
               l.valor_bruto, l.valor_desconto, l.valor_total_liquido, l.custo_total, l.valor_frete,
               min(coalesce(p.categoria, 'Não informado'))
                   OVER (PARTITION BY l.pedido_id, l.data_sk, l.regiao_sk, l.equipe_sk, l.vendedor_sk) AS primeira
        FROM fact.fact_vendas l
        JOIN dim.dim_data d ON d.data_sk = l.data_sk
        JOIN dim.dim_produto p ON p.produto_sk = l.produto_sk
        WHERE NOT l.eh_cancelado
          AND (l.data_sk BETWEEN v_from_sk AND v_to_sk OR l.data_sk = -1)
    ) f
    GROUP BY f.data, f.data_sk, f.regiao_sk, f.categoria, f.equipe_sk, f.vendedor_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    -- monthly roll-ups: the months get the difference (old rows out, the days' new rows read back), one MERGE each
    CALL etl.rollup_agg_vendas_mensais(p_run_id, p_from, p_to, v_count);
    v_deleted := v_deleted + v_count;

    DELETE FROM mart.agg_pedidos_diarios a
    WHERE (a.data BETWEEN p_from AND p_to) OR a.data = DATE '0001-01-01';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    INSERT INTO mart.agg_pedidos_diarios (data, data_sk, regiao_sk, pedidos, clientes, valor_total_liquido,
                                          refreshed_run_id, pedidos_com_desconto, pedidos_sem_desconto,
                                          linhas, quantidade_vendida, quantidade_devolvida, valor_bruto,
                                          valor_desconto, custo_total, valor_bruto_com_desconto,
                                          valor_desconto_com_desconto, receita_com_desconto, custo_com_desconto)
    SELECT d.data, f.data_sk, f.regiao_sk,
           count(DISTINCT f.pedido_id),
           count(DISTINCT f.cliente_sk) FILTER (WHERE f.cliente_sk <> -1),
           sum(f.valor_total_liquido),
           p_run_id,
           count(DISTINCT f.pedido_id) FILTER (WHERE f.valor_desconto > 0),
           count(DISTINCT f.pedido_id) FILTER (WHERE NOT f.valor_desconto > 0),
           count(*), sum(f.quantidade_vendida), sum(f.quantidade_devolvida), sum(f.valor_bruto),
           sum(f.valor_desconto), sum(f.custo_total),
           coalesce(sum(f.valor_bruto) FILTER (WHERE f.valor_desconto > 0), 0),
           coalesce(sum(f.valor_desconto) FILTER (WHERE f.valor_desconto > 0), 0),
           coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0),
           coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0)
    FROM fact.fact_vendas f
    JOIN dim.dim_data d ON d.data_sk = f.data_sk
    WHERE NOT f.eh_cancelado
      AND (f.data_sk BETWEEN v_from_sk AND v_to_sk OR f.data_sk = -1)
    GROUP BY d.data, f.data_sk, f.regiao_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    DELETE FROM mart.agg_descontos_diarios a
    WHERE (a.data BETWEEN p_from AND p_to) OR a.data = DATE '0001-01-01';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    INSERT INTO mart.agg_descontos_diarios (data, data_sk, regiao_sk, desconto_sk, linhas, pedidos, valor_bruto,
                                            valor_desconto, valor_total_liquido, custo_total, refreshed_run_id)
    SELECT d.data, f.data_sk, f.regiao_sk, f.desconto_sk, count(*), count(DISTINCT f.pedido_id),
           sum(f.valor_bruto), sum(f.valor_desconto), sum(f.valor_total_liquido), sum(f.custo_total), p_run_id
    FROM fact.fact_vendas f
    JOIN dim.dim_data d ON d.data_sk = f.data_sk
    WHERE NOT f.eh_cancelado AND f.valor_desconto > 0
      AND (f.data_sk BETWEEN v_from_sk AND v_to_sk OR f.data_sk = -1)
    GROUP BY d.data, f.data_sk, f.regiao_sk, f.desconto_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    -- groups of these days waiting for etl.refresh_agg_vendas_grupos are exact now
    DELETE FROM ctl.agg_grupos_pendentes g
    WHERE g.data_sk BETWEEN v_from_sk AND v_to_sk OR g.data_sk = -1;

    PERFORM audit.fn_somar_entidade(p_run_id, 'agg_vendas_diarias', v_started, p_rows_read => v_inserted,
                                    p_rows_inserted => v_inserted, p_rows_deleted => v_deleted);
END
$$;

COMMENT ON PROCEDURE etl.refresh_agg_vendas_diarias(bigint, date, date) IS
    'Recalcula mart.agg_vendas_diarias, mart.agg_pedidos_diarios e mart.agg_descontos_diarios para os dias '
    '[p_from, p_to] (DELETE + INSERT a partir de fact.fact_vendas, sem cancelados) e ajusta os meses '
    'desses dias em mart.agg_vendas_mensais_categoria e _vendedor pela diferença; não faz COMMIT.';
