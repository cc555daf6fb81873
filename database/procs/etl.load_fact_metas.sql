-- etl.load_fact_metas: loads fact.fact_metas (grain: seller x month) from stg.sales_targets.
-- Source: stg.sales_targets (extraction window) and stg.deleted_rows (table_name 'sales_targets',
--   row_key 'seller_id|yyyy-mm-dd').  Target: fact.fact_metas (key vendedor_id, mes).
-- Called by: harness load-daily / reprocess, CALL etl.load_fact_metas(run_id, watermark_to
--   [, reprocess_from, reprocess_to]), after the dimension loads, one transaction.
-- Normalisation: mes = date_trunc('month', month) (a target dated mid-month counts for its month);
--   mes_sk = yyyymm01.  Two staged rows of the same seller and month after normalisation: the
--   latest updated_at wins, the other counts as unchanged.
-- Screens (etl.regra_meta, shared with the shop-side freshness check; audit.rejected_rows, entity
--   'fact_metas', natural_key 'seller_id|month', each (key, rule, content) once), first wins:
--   null_key, key_too_long, date_out_of_range (the month's first day not in dim.dim_data),
--   null_target, negative_target. rows_rejected counts new rejects; valor_lido / valor_rejeitado:
--   the targets read and those of new problems (etl.rejeicao_primeira); open rejects of keys
--   accepted now are resolved.
-- References: vendedor_sk from dim.dim_vendedor (unknown seller -> inferred member, via
--   etl.ensure_inferred_vendedores). SCD2 (V020): the seller version valid on the first day of
--   the month (a seller who changes team mid-month keeps that month's goal in the team of day 1);
--   equipe_sk = that version's equipe_sk (-1 if inferred). Later version changes re-bind the
--   goal from etl.load_dim_vendedor.
-- Deletes (rows_deleted): tombstoned targets (row keys whose month part is a valid date),
--   unless the same seller/month is in stg (it exists again); reprocess mode: stg holds every
--   target of the months touching the window, so fact rows of those months absent from stg go.
-- Load: MERGE on (vendedor_id, mes) updating only changed rows (value, sks), run stamps.
-- Audit: read = stg rows = inserted + updated + unchanged + rejected.
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_fact_metas(p_run_id bigint, p_watermark_to timestamptz,
                                                p_reprocess_from date DEFAULT NULL,
                                                p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_rejected bigint;
    v_valor_lido      numeric;
    v_valor_rejeitado numeric;
    v_aceitas  text[];
    v_inserted bigint;
    v_updated  bigint;
    v_deleted  bigint := 0;
    v_count    bigint;
    v_min_date date;
    v_max_date date;
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);
    ANALYZE stg.sales_targets;
    SELECT min(d.data), max(d.data) INTO v_min_date, v_max_date FROM dim.dim_data AS d WHERE d.data_sk > 0;

    -- deletes: tombstones, then the reprocess window
    DELETE FROM fact.fact_metas AS f
    USING (SELECT DISTINCT split_part(d.row_key, '|', 1) AS seller_id,
                  date_trunc('month', split_part(d.row_key, '|', 2)::date)::date AS mes
           FROM stg.deleted_rows AS d
           WHERE d.table_name = 'sales_targets'
             AND d.row_key ~ '^[^|]+\|\d{4}-\d{2}-\d{2}$'
             AND pg_input_is_valid(split_part(d.row_key, '|', 2), 'date')) AS k
    WHERE f.vendedor_id = k.seller_id AND f.mes = k.mes
      AND NOT EXISTS (SELECT 1 FROM stg.sales_targets AS s
                      WHERE s.seller_id = k.seller_id AND date_trunc('month', s.month)::date = k.mes);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    IF p_reprocess_from IS NOT NULL THEN
        DELETE FROM fact.fact_metas AS f
        WHERE f.mes BETWEEN date_trunc('month', p_reprocess_from)::date AND p_reprocess_to
          AND NOT EXISTS (SELECT 1 FROM stg.sales_targets AS s
                          WHERE s.seller_id = f.vendedor_id AND date_trunc('month', s.month)::date = f.mes);
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_deleted := v_deleted + v_count;
    END IF;

    PERFORM etl.ensure_inferred_vendedores(p_run_id, ARRAY(
        SELECT DISTINCT s.seller_id FROM stg.sales_targets AS s
        WHERE etl.regra_meta(s.seller_id, s.month, s.target_amount, v_min_date, v_max_date) IS NULL));

    WITH screened AS (
        SELECT s.seller_id,
               date_trunc('month', s.month)::date AS mes,
               s.target_amount,
               s.updated_at,
               etl.regra_meta(s.seller_id, s.month, s.target_amount, v_min_date, v_max_date) AS rule,
               -- natural key 'seller_id|yyyy-mm-dd' ('infinity' has no yyyy-mm-dd)
               s.seller_id || '|' || coalesce(to_char(s.month, 'YYYY-MM-DD'), s.month::text) AS chave,
               s AS src
        FROM stg.sales_targets AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'fact_metas', x.chave, x.rule, etl.json_linha(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING
        RETURNING natural_key, abs((raw ->> 'target_amount')::numeric) AS valor
    ), merged AS (
        MERGE INTO fact.fact_metas AS t
        USING (SELECT d.seller_id, d.mes, to_char(d.mes, 'YYYYMMDD')::integer AS mes_sk, d.target_amount,
                      coalesce(v.vendedor_sk, -1) AS vendedor_sk, coalesce(v.equipe_sk, -1) AS equipe_sk
               FROM (SELECT DISTINCT ON (x.seller_id, x.mes) x.seller_id, x.mes, x.target_amount
                     FROM screened AS x
                     WHERE x.rule IS NULL
                     ORDER BY x.seller_id, x.mes, x.updated_at DESC NULLS LAST) AS d
               LEFT JOIN dim.dim_vendedor AS v ON v.vendedor_id = d.seller_id
                                                AND d.mes >= v.valido_de AND d.mes < v.valido_ate) AS s
        ON t.vendedor_id = s.seller_id AND t.mes = s.mes
        WHEN MATCHED AND (t.vendedor_sk, t.mes_sk, t.equipe_sk, t.valor_meta)
                         IS DISTINCT FROM (s.vendedor_sk, s.mes_sk, s.equipe_sk, s.target_amount) THEN
            UPDATE SET vendedor_sk = s.vendedor_sk, mes_sk = s.mes_sk, equipe_sk = s.equipe_sk,
                       valor_meta = s.target_amount, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta, inserted_run_id)
            VALUES (s.vendedor_sk, s.mes_sk, s.equipe_sk, s.seller_id, s.mes, s.target_amount, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m),
           (SELECT coalesce(sum(abs((x.src).target_amount)), 0) FROM screened AS x),
           (SELECT coalesce(sum(r.valor), 0) FROM rejected AS r
            WHERE etl.rejeicao_primeira('fact_metas', r.natural_key, p_run_id)),
           -- keys staged acceptable (one staged row per key): their open rejects are resolved
           ARRAY(SELECT x.chave FROM screened AS x WHERE x.rule IS NULL)
      INTO v_read, v_rejected, v_inserted, v_updated, v_valor_lido, v_valor_rejeitado, v_aceitas;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'fact_metas', v_aceitas);

    CALL etl.finish_entity(p_run_id, 'fact_metas', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, v_deleted, v_rejected, v_valor_lido, v_valor_rejeitado);
END
$$;

COMMENT ON PROCEDURE etl.load_fact_metas(bigint, timestamptz, date, date) IS
    'Carga de fact.fact_metas (grão: vendedor x mês) a partir de stg.sales_targets: mês normalizado, vendedor inferido se desconhecido, exclusões por lápide e reprocessamento; não faz COMMIT.';
