-- etl.load_dim_desconto: loads dim.dim_desconto (type 1) from stg.discounts.
-- Source: stg.discounts (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_desconto; grain: one row per coupon/discount (desconto_id).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_desconto(run_id, watermark_to), one
--   transaction per entity. p_reprocess_from/to are checked but ignored.
-- Mapping: kind 'percent' -> tipo 'percentual', 'fixed' -> 'valor_fixo' (case and blanks ignored).
-- Screens (audit.rejected_rows, entity 'dim_desconto', each (key, rule, content) once), first wins:
--   null_key               discount_id IS NULL
--   reserved_key           discount_id = '-1'
--   key_too_long           discount_id longer than 200 characters
--   unknown_discount_kind  kind NULL or not percent/fixed
--   date_out_of_range      valid_from or valid_to not a date every reader can read (infinite, or
--                          outside 0001-01-01..9999-12-31); NULL stays "no limit"
--   Blank/NULL code or campaign is kept as 'Não informado' (not a rejection).
--   Open rejects of keys whose latest staged row is accepted are resolved (etl.resolver_rejeicoes).
-- Load: dedup by discount_id (latest updated_at wins; losers count as unchanged); MERGE updating
--   only changed rows; an inferred discount (created by a fact) is completed (inferido -> false),
--   counted as an update.  Audit: read = inserted + updated + unchanged + rejected (new rejects).
-- Rerun: same staging rows change nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_desconto(p_run_id bigint, p_watermark_to timestamptz,
                                                  p_reprocess_from date DEFAULT NULL,
                                                  p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_rejected bigint;
    v_inserted bigint;
    v_updated  bigint;
    v_aceitas  text[];   -- keys whose latest staged row passed the screens
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);

    WITH screened AS (
        SELECT s.discount_id,
               coalesce(nullif(btrim(s.code), ''), 'Não informado') AS codigo,
               coalesce(nullif(btrim(s.campaign), ''), 'Não informado') AS campanha,
               CASE lower(btrim(s.kind)) WHEN 'percent' THEN 'percentual' WHEN 'fixed' THEN 'valor_fixo' END AS tipo,
               s.value, s.valid_from, s.valid_to, s.campaign_cost,
               s.updated_at,
               CASE WHEN s.discount_id IS NULL THEN 'null_key'
                    WHEN s.discount_id = '-1' THEN 'reserved_key'
                    WHEN length(s.discount_id) > 200 THEN 'key_too_long'
                    WHEN lower(btrim(s.kind)) IS DISTINCT FROM 'percent' AND lower(btrim(s.kind)) IS DISTINCT FROM 'fixed'
                        THEN 'unknown_discount_kind'
                    WHEN s.valid_from NOT BETWEEN '0001-01-01' AND '9999-12-31'
                         OR s.valid_to NOT BETWEEN '0001-01-01' AND '9999-12-31' THEN 'date_out_of_range' END AS rule,
               row_number() OVER (PARTITION BY s.discount_id ORDER BY s.updated_at DESC NULLS LAST) = 1 AS ultima,
               s AS src
        FROM stg.discounts AS s
    ), rejected AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'dim_desconto', x.discount_id, x.rule, etl.json_linha(x.src)
        FROM screened AS x
        WHERE x.rule IS NOT NULL
        ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING
        RETURNING 1
    ), merged AS (
        MERGE INTO dim.dim_desconto AS t
        USING (SELECT DISTINCT ON (x.discount_id) x.discount_id, x.codigo, x.campanha, x.tipo, x.value,
                                                  x.valid_from, x.valid_to, x.campaign_cost
               FROM screened AS x
               WHERE x.rule IS NULL
               ORDER BY x.discount_id, x.updated_at DESC NULLS LAST) AS s
        ON t.desconto_id = s.discount_id
        WHEN MATCHED AND (t.codigo, t.campanha, t.tipo, t.valor, t.valido_de, t.valido_ate, t.custo_campanha, t.inferido)
                         IS DISTINCT FROM
                         (s.codigo, s.campanha, s.tipo, s.value, s.valid_from, s.valid_to, s.campaign_cost, false) THEN
            UPDATE SET codigo = s.codigo, campanha = s.campanha, tipo = s.tipo, valor = s.value,
                       valido_de = s.valid_from, valido_ate = s.valid_to, custo_campanha = s.campaign_cost,
                       inferido = false, updated_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (desconto_id, codigo, campanha, tipo, valor, valido_de, valido_ate, custo_campanha,
                    inferido, inserted_run_id)
            VALUES (s.discount_id, s.codigo, s.campanha, s.tipo, s.value, s.valid_from, s.valid_to,
                    s.campaign_cost, false, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT (SELECT count(*) FROM screened),
           (SELECT count(*) FROM rejected),
           (SELECT count(*) FILTER (WHERE m.action = 'INSERT') FROM merged AS m),
           (SELECT count(*) FILTER (WHERE m.action = 'UPDATE') FROM merged AS m),
           ARRAY(SELECT x.discount_id FROM screened AS x WHERE x.ultima AND x.rule IS NULL)
      INTO v_read, v_rejected, v_inserted, v_updated, v_aceitas;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_desconto', v_aceitas);

    CALL etl.finish_entity(p_run_id, 'dim_desconto', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
END
$$;

COMMENT ON PROCEDURE etl.load_dim_desconto(bigint, timestamptz, date, date) IS
    'Carga tipo 1 de dim.dim_desconto a partir de stg.discounts (percent -> percentual, fixed -> valor_fixo; outro tipo rejeitado); não faz COMMIT.';
