-- etl.regra_meta: the screens of a monthly sales target, stated once: the first rule the row breaks,
--   NULL when it is acceptable. Grain: one staged target (stg.sales_targets columns).
-- Used by etl.load_fact_metas and, as text, by the shop-side freshness query
--   (database/checks/reconcile/shop_latest_month.sql through harness/screens.py): one CASE, no ';'
--   inside, parameter names = the staging column names. data_min/data_max: the calendar.
-- The month counts by its first day (a target dated mid-month is that month's target).
-- Pure function (inlined by the planner); rerun: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION etl.regra_meta(seller_id text, month date, target_amount numeric,
                                          data_min date, data_max date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN seller_id IS NULL OR month IS NULL THEN 'null_key'
    WHEN length(seller_id) > 200 THEN 'key_too_long'
    WHEN date_trunc('month', month::timestamp)::date NOT BETWEEN data_min AND data_max THEN 'date_out_of_range'
    WHEN target_amount IS NULL THEN 'null_target'
    WHEN target_amount < 0 THEN 'negative_target'
END;

COMMENT ON FUNCTION etl.regra_meta(text, date, numeric, date, date) IS
    'Regras de triagem de uma meta mensal: a primeira regra violada, ou NULL se a meta é aceitável.';
