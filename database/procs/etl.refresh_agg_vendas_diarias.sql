-- etl.refresh_agg_vendas_diarias: recompute the sales aggregates for a range of order days.
-- Purpose: keep mart.agg_vendas_diarias and mart.agg_pedidos_diarios equal to a full
--          recomputation from fact.fact_vendas, at the cost of the days that changed.
-- Source: fact.fact_vendas (non-cancelled lines) + dim.dim_produto (categoria).
-- Target: mart.agg_vendas_diarias (day x region x category x team x seller),
--         mart.agg_pedidos_diarios (day x region), audit.etl_run_entity (entity
--         'agg_vendas_diarias': rows_read = rows_inserted = groups written, rows_deleted =
--         groups removed; a second call in the same run adds to that row).
-- Who calls it: the load orchestrator (harness), after the fact loads, with the range of
--          order days the run touched (min/max order date of the changed lines, old and new),
--          in its own transaction. A full rebuild is the same call over the whole calendar.
-- Method: DELETE the days in [p_from, p_to] + INSERT ... SELECT grouped (set-based). Lines with
--          an unknown date (data_sk = -1, shown as 0001-01-01) are recomputed on every call.
-- Rerun: idempotent; the same range twice gives the same rows.
-- Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.refresh_agg_vendas_diarias(p_run_id bigint, p_from date, p_to date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
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

    DELETE FROM mart.agg_vendas_diarias a   -- on data only (primary key): data_sk has no index here
    WHERE a.data BETWEEN p_from AND p_to OR a.data = DATE '0001-01-01';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    INSERT INTO mart.agg_vendas_diarias (
        data, data_sk, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos,
        quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido,
        custo_total, valor_frete, linhas_com_desconto, receita_com_desconto, custo_com_desconto,
        refreshed_run_id)
    SELECT d.data, f.data_sk, f.regiao_sk, coalesce(p.categoria, 'Não informado'), f.equipe_sk, f.vendedor_sk,
           count(*), count(DISTINCT f.pedido_id),
           sum(f.quantidade_vendida), sum(f.quantidade_devolvida),
           sum(f.valor_bruto), sum(f.valor_desconto), sum(f.valor_total_liquido),
           sum(f.custo_total), sum(f.valor_frete),
           count(*) FILTER (WHERE f.valor_desconto > 0),
           coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0),
           coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0),
           p_run_id
    FROM fact.fact_vendas f
    JOIN dim.dim_data d ON d.data_sk = f.data_sk
    JOIN dim.dim_produto p ON p.produto_sk = f.produto_sk
    WHERE NOT f.eh_cancelado
      AND (f.data_sk BETWEEN v_from_sk AND v_to_sk OR f.data_sk = -1)
    GROUP BY d.data, f.data_sk, f.regiao_sk, coalesce(p.categoria, 'Não informado'), f.equipe_sk, f.vendedor_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    DELETE FROM mart.agg_pedidos_diarios a   -- on data only (primary key): data_sk has no index here
    WHERE a.data BETWEEN p_from AND p_to OR a.data = DATE '0001-01-01';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    INSERT INTO mart.agg_pedidos_diarios (data, data_sk, regiao_sk, pedidos, clientes, valor_total_liquido,
                                          refreshed_run_id)
    SELECT d.data, f.data_sk, f.regiao_sk,
           count(DISTINCT f.pedido_id),
           count(DISTINCT f.cliente_sk) FILTER (WHERE f.cliente_sk <> -1),
           sum(f.valor_total_liquido),
           p_run_id
    FROM fact.fact_vendas f
    JOIN dim.dim_data d ON d.data_sk = f.data_sk
    WHERE NOT f.eh_cancelado
      AND (f.data_sk BETWEEN v_from_sk AND v_to_sk OR f.data_sk = -1)
    GROUP BY d.data, f.data_sk, f.regiao_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_inserted := v_inserted + v_count;

    INSERT INTO audit.etl_run_entity AS e (run_id, entity, rows_read, rows_inserted, rows_deleted, started_at)
    VALUES (p_run_id, 'agg_vendas_diarias', v_inserted, v_inserted, v_deleted, v_started)
    ON CONFLICT (run_id, entity) DO UPDATE
        SET rows_read     = e.rows_read + excluded.rows_read,
            rows_inserted = e.rows_inserted + excluded.rows_inserted,
            rows_deleted  = e.rows_deleted + excluded.rows_deleted,
            finished_at   = clock_timestamp();
END
$$;

COMMENT ON PROCEDURE etl.refresh_agg_vendas_diarias(bigint, date, date) IS
    'Recalcula mart.agg_vendas_diarias e mart.agg_pedidos_diarios para os dias [p_from, p_to] '
    '(DELETE + INSERT a partir de fact.fact_vendas, sem cancelados); não faz COMMIT.';
