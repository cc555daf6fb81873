-- V002 (dw): control, audit and staging tables of the daily load (DESIGN section 5).
-- ctl.etl_control      one watermark per entity, advanced by its load procedure in the
--                      same transaction as its MERGE and its audit row.
-- audit.etl_run        one row per harness run (load-daily, reprocess, simulate day).
-- audit.etl_run_entity one row per entity per run: extracted = loaded + rejected.
-- audit.rejected_rows  rows that failed a screen, with the rule and the raw row.
-- stg.*                extracted rows of one entity's window; truncated and refilled by
--                      the harness inside the entity's transaction, read by its procedure.

CREATE TABLE ctl.etl_control (
    entity        text PRIMARY KEY,
    watermark     timestamptz NOT NULL DEFAULT '-infinity',
    last_run_id   bigint,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ctl.etl_control IS 'Incremental extraction watermark (max source updated_at loaded) per entity.';

CREATE TABLE audit.etl_run (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command         text        NOT NULL,             -- load-daily, reprocess, simulate
    trigger         text        NOT NULL DEFAULT 'manual',  -- manual, schedule, simulate, test
    status          text        NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'failed', 'blocked', 'stale')),
    business_date   date,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    host            text,
    pid             integer,
    code_version    text,                             -- git commit when known
    procs_checksum  text,                             -- sha256 over every procedure file
    failed_step     text,
    error_sqlstate  text,
    error_message   text,
    parameters      jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX etl_run_started_at ON audit.etl_run (started_at DESC);
COMMENT ON TABLE audit.etl_run IS 'One row per harness run: status, timing, code version, failure (RF-07).';

CREATE TABLE audit.etl_run_entity (
    run_id          bigint      NOT NULL REFERENCES audit.etl_run (run_id),
    entity          text        NOT NULL,
    rows_read       bigint      NOT NULL,
    rows_inserted   bigint      NOT NULL DEFAULT 0,
    rows_updated    bigint      NOT NULL DEFAULT 0,
    rows_deleted    bigint      NOT NULL DEFAULT 0,
    rows_unchanged  bigint      NOT NULL DEFAULT 0,
    rows_rejected   bigint      NOT NULL DEFAULT 0,
    watermark_from  timestamptz,
    watermark_to    timestamptz,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run_id, entity),
    CONSTRAINT extracted_equals_loaded_plus_rejected
        CHECK (rows_read = rows_inserted + rows_updated + rows_unchanged + rows_rejected)
);
COMMENT ON TABLE audit.etl_run_entity IS
    'Per entity per run: rows read from staging = inserted + updated + unchanged + rejected (enforced).';

CREATE TABLE audit.rejected_rows (
    rejected_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        bigint      NOT NULL,
    entity        text        NOT NULL,
    natural_key   text,
    rule          text        NOT NULL,
    raw           jsonb       NOT NULL,
    rejected_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX rejected_rows_run ON audit.rejected_rows (run_id, entity);
COMMENT ON TABLE audit.rejected_rows IS 'Rows that failed a screen: the rule they broke and the raw staging row.';

-- Staging: same columns as the extraction queries in database/extract/, unlogged (rebuilt every run).
CREATE UNLOGGED TABLE stg.regions (
    region_id text, name text, updated_at timestamptz);
CREATE UNLOGGED TABLE stg.teams (
    team_id text, name text, region_id text, updated_at timestamptz);
CREATE UNLOGGED TABLE stg.sellers (
    seller_id text, name text, team_id text, city text, state text, hired_on date, updated_at timestamptz);
CREATE UNLOGGED TABLE stg.customers (
    customer_id text, customer_unique_id text, name text, city text, state text, region_id text,
    segment text, updated_at timestamptz);
CREATE UNLOGGED TABLE stg.products (
    product_id text, name text, category text, subcategory text, list_price numeric(12,2),
    unit_cost numeric(12,2), updated_at timestamptz);
CREATE UNLOGGED TABLE stg.discounts (
    discount_id text, code text, campaign text, kind text, value numeric(12,2), valid_from date,
    valid_to date, campaign_cost numeric(14,2), updated_at timestamptz);
CREATE UNLOGGED TABLE stg.order_lines (
    order_item_id text, order_id text, line_number integer, product_id text, seller_id text,
    customer_id text, status text, ordered_at timestamptz, discount_id text, quantity integer,
    unit_price numeric(12,2), unit_cost numeric(12,2), discount_amount numeric(12,2),
    freight_value numeric(12,2), returned_quantity integer, returned_at date,
    order_found boolean, updated_at timestamptz);
CREATE UNLOGGED TABLE stg.sales_targets (
    seller_id text, month date, target_amount numeric(14,2), updated_at timestamptz);
CREATE UNLOGGED TABLE stg.deleted_rows (
    deleted_row_id bigint, table_name text, row_key text, updated_at timestamptz);

COMMENT ON TABLE stg.order_lines IS
    'Order lines joined with their order (order_found = false: orphan line); seller_id = line seller, else order seller.';
