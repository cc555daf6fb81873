-- etl.load_fact_descontos: loads fact.fact_descontos (grain: discount applied to an order line).
-- Source: stg.order_lines (the same window fact_vendas was loaded from) joined to fact.fact_vendas
--   on item_pedido_id: the values come from the fact line as etl.load_fact_vendas left it, so this
--   fact never disagrees with fact_vendas (a line rejected by fact_vendas' screens keeps its last
--   good values in both, and is not logged a second time in audit.rejected_rows).
-- Target: fact.fact_descontos.  desconto_sk = the line's desconto_sk (order discount_id, -1 if NULL);
--   valor_desconto_aplicado = valor_desconto; valor_com_desconto = bruto - desconto (= the line's
--   valor_total_liquido); sks, eh_cancelado, valor_bruto and custo_total copied from the line.
-- Called by: harness load-daily / reprocess, CALL etl.load_fact_descontos(run_id, watermark_to
--   [, reprocess_from, reprocess_to]), right after etl.load_fact_vendas, one transaction.
-- Rules: one MERGE on item_pedido_id over the staged lines present in fact_vendas:
--   discount > 0 and no row -> INSERT; discount > 0 and values changed -> UPDATE;
--   discount went to 0 -> DELETE (rows_deleted).  Lines deleted from fact_vendas (tombstones,
--   reprocess) take their fact_descontos row with them by ON DELETE CASCADE (counted by
--   fact_vendas).  Reprocess mode: rows whose order date is in the window and whose line is absent
--   from stg are deleted too (normally already cascaded; kept for safety, counted in rows_deleted).
-- Audit (conservation CHECK): rows_read = stg.order_lines rows; rows_rejected = 0 (screens belong
--   to fact_vendas); inserted/updated from merge_action(); unchanged = everything else: lines
--   without discount, lines absent from fact_vendas (rejected there), lines unchanged, and lines
--   whose discount went to 0 (these also appear in rows_deleted).
-- Bulk path: when fact_descontos is empty (first load, rebuild) its foreign keys and secondary
--   indexes come off for the MERGE and go back validated once (etl.bulk_load_begin / _end), and
--   only discounted lines enter the MERGE (nothing to match or delete in an empty table).
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_fact_descontos(p_run_id bigint, p_watermark_to timestamptz,
                                                    p_reprocess_from date DEFAULT NULL,
                                                    p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_inserted bigint;
    v_updated  bigint;
    v_deleted  bigint;
    v_count    bigint := 0;
    v_bulk     boolean;
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);
    CALL etl.bulk_load_end('fact.fact_descontos');  -- heals a suspension left committed
    ANALYZE stg.order_lines (order_item_id);  -- the one column joined on (a whole-table ANALYZE: ~40 ms a daily batch)

    SELECT count(*) INTO v_read FROM stg.order_lines;

    IF p_reprocess_from IS NOT NULL THEN
        DELETE FROM fact.fact_descontos AS t
        WHERE t.data_sk BETWEEN to_char(p_reprocess_from, 'YYYYMMDD')::integer
                            AND to_char(p_reprocess_to, 'YYYYMMDD')::integer
          AND NOT EXISTS (SELECT 1 FROM stg.order_lines AS s WHERE s.order_item_id = t.item_pedido_id);
        GET DIAGNOSTICS v_count = ROW_COUNT;
    END IF;

    -- bulk path when the fact is empty: keys and indexes off, then back and validated once
    v_bulk := NOT EXISTS (SELECT 1 FROM fact.fact_descontos);
    IF v_bulk THEN
        CALL etl.bulk_load_begin('fact.fact_descontos', p_run_id);
    END IF;
    WITH merged AS (
        MERGE INTO fact.fact_descontos AS t
        USING (SELECT f.item_pedido_id, f.pedido_id, f.desconto_sk, f.data_sk, f.cliente_sk, f.produto_sk,
                      f.vendedor_sk, f.eh_cancelado, f.valor_bruto, f.valor_desconto, f.valor_total_liquido,
                      f.custo_total
               FROM fact.fact_vendas AS f
               WHERE f.item_pedido_id IN (SELECT s.order_item_id FROM stg.order_lines AS s)
                 -- bulk path (target empty): only NOT MATCHED AND valor_desconto > 0 can act, so the
                 -- lines without discount (85 % of them) are left out before the join with staging
                 -- (first load at scale 1: 12.3 -> 6.5 s); a custom plan folds the OR away
                 AND (NOT v_bulk OR f.valor_desconto > 0)) AS s
        ON t.item_pedido_id = s.item_pedido_id
        WHEN MATCHED AND s.valor_desconto = 0 THEN
            DELETE
        WHEN MATCHED AND (t.pedido_id, t.desconto_sk, t.data_sk, t.cliente_sk, t.produto_sk, t.vendedor_sk,
                          t.eh_cancelado, t.valor_bruto, t.valor_desconto_aplicado, t.valor_com_desconto,
                          t.custo_total)
                         IS DISTINCT FROM
                         (s.pedido_id, s.desconto_sk, s.data_sk, s.cliente_sk, s.produto_sk, s.vendedor_sk,
                          s.eh_cancelado, s.valor_bruto, s.valor_desconto, s.valor_total_liquido,
                          s.custo_total) THEN
            UPDATE SET pedido_id = s.pedido_id, desconto_sk = s.desconto_sk, data_sk = s.data_sk,
                       cliente_sk = s.cliente_sk, produto_sk = s.produto_sk, vendedor_sk = s.vendedor_sk,
                       eh_cancelado = s.eh_cancelado, valor_bruto = s.valor_bruto,
                       valor_desconto_aplicado = s.valor_desconto, valor_com_desconto = s.valor_total_liquido,
                       custo_total = s.custo_total, updated_run_id = p_run_id
        WHEN NOT MATCHED AND s.valor_desconto > 0 THEN
            INSERT (item_pedido_id, pedido_id, desconto_sk, data_sk, cliente_sk, produto_sk, vendedor_sk,
                    eh_cancelado, valor_bruto, valor_desconto_aplicado, valor_com_desconto, custo_total,
                    inserted_run_id)
            VALUES (s.item_pedido_id, s.pedido_id, s.desconto_sk, s.data_sk, s.cliente_sk, s.produto_sk,
                    s.vendedor_sk, s.eh_cancelado, s.valor_bruto, s.valor_desconto, s.valor_total_liquido,
                    s.custo_total, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE'),
           count(*) FILTER (WHERE m.action = 'DELETE')
      INTO v_inserted, v_updated, v_deleted
      FROM merged AS m;
    IF v_bulk THEN
        CALL etl.bulk_load_end('fact.fact_descontos');
    END IF;

    CALL etl.finish_entity(p_run_id, 'fact_descontos', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, v_deleted + v_count, 0);
END
$$;

COMMENT ON PROCEDURE etl.load_fact_descontos(bigint, timestamptz, date, date) IS
    'Carga de fact.fact_descontos (grão: desconto aplicado a uma linha) a partir das linhas de stg.order_lines já carregadas em fact.fact_vendas; não faz COMMIT.';
