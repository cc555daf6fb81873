-- V001 (oltp): the shop's operational schema (RF-01, RF-03), schema `shop`.
-- Every table has a primary key, created_at, and updated_at kept by a trigger
-- (an UPDATE that does not set updated_at itself gets now(); one that sets it, e.g. a
-- late-committed change replayed by `harness oltp advance`, keeps its value).
-- References between tables are deliberately NOT foreign keys, as in many real shop
-- databases and in the Olist data: the warehouse must cope with orphans.
-- Hard deletes are recorded in shop.deleted_rows by a trigger, so the warehouse can
-- notice them incrementally instead of comparing whole key sets.
-- Ids are text (Olist's are 32-character hex strings; generated ones look like C0000001).

CREATE SCHEMA shop;

CREATE FUNCTION shop.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.updated_at := coalesce(NEW.updated_at, now());
    ELSIF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION shop.touch_updated_at() IS 'Keeps updated_at current on every insert and update (RF-03).';

CREATE TABLE shop.deleted_rows (
    deleted_row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name     text        NOT NULL,
    row_key        text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deleted_rows_updated_at ON shop.deleted_rows (updated_at);
COMMENT ON TABLE shop.deleted_rows IS 'Tombstones of hard-deleted rows (table, key), read incrementally by the warehouse.';

CREATE FUNCTION shop.record_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shop.deleted_rows (table_name, row_key)
    SELECT TG_TABLE_NAME, string_agg(to_jsonb(OLD) ->> k.col, '|' ORDER BY k.ord)
    FROM unnest(TG_ARGV) WITH ORDINALITY AS k(col, ord);
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION shop.record_delete() IS 'Writes a tombstone for a deleted row; the trigger arguments name its key columns (joined with |).';

CREATE TABLE shop.regions (
    region_id  text PRIMARY KEY,            -- N, NE, CO, SE, S
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.states (
    state      char(2) PRIMARY KEY,         -- UF: SP, RJ, ...
    name       text NOT NULL,
    region_id  text NOT NULL,
    population integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.teams (
    team_id    text PRIMARY KEY,
    name       text NOT NULL,
    region_id  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.sellers (
    seller_id  text PRIMARY KEY,
    name       text NOT NULL,
    team_id    text,
    city       text,
    state      char(2),
    hired_on   date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.customers (
    customer_id        text PRIMARY KEY,
    customer_unique_id text,                -- the person behind several Olist customer_ids
    name               text NOT NULL,
    city               text,
    state              char(2),
    segment            text,                -- varejo, atacado, corporativo...
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.products (
    product_id  text PRIMARY KEY,
    name        text NOT NULL,
    category    text,                        -- Portuguese category name
    subcategory text,
    list_price  numeric(12,2),
    unit_cost   numeric(12,2),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.discounts (
    discount_id   text PRIMARY KEY,
    code          text NOT NULL,
    campaign      text NOT NULL,
    kind          text NOT NULL,             -- 'percent' or 'fixed' (not checked: the warehouse screens it)
    value         numeric(12,2) NOT NULL,     -- percent (0-100) or a fixed amount in R$
    valid_from    date,
    valid_to      date,
    campaign_cost numeric(14,2) NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.orders (
    order_id    text PRIMARY KEY,
    customer_id text,
    seller_id   text,                        -- the order's seller; a line may name another (marketplaces)
    status      text NOT NULL,               -- created, approved, invoiced, shipped, delivered, canceled, ...
    ordered_at  timestamptz NOT NULL,
    discount_id text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_ordered_at ON shop.orders (ordered_at);

CREATE TABLE shop.order_items (
    order_item_id     text PRIMARY KEY,
    order_id          text NOT NULL,
    line_number       integer NOT NULL,
    product_id        text,
    seller_id         text,                  -- NULL: the order's seller
    quantity          integer NOT NULL,
    unit_price        numeric(12,2) NOT NULL, -- price actually charged per unit, before the discount
    unit_cost         numeric(12,2),          -- cost per unit at the time of sale
    discount_amount   numeric(12,2) NOT NULL DEFAULT 0,  -- discount on the whole line, R$
    freight_value     numeric(12,2) NOT NULL DEFAULT 0,
    returned_quantity integer NOT NULL DEFAULT 0,
    returned_at       date,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_items_order_id ON shop.order_items (order_id);

CREATE TABLE shop.sales_targets (
    seller_id     text NOT NULL,
    month         date NOT NULL,              -- first day of the month
    target_amount numeric(14,2) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seller_id, month)
);

-- updated_at triggers and indexes for incremental extraction, delete tombstones.
DO $$
DECLARE
    v_table text;
    v_key   text;
BEGIN
    FOR v_table, v_key IN VALUES
        ('regions', 'region_id'), ('states', 'state'), ('teams', 'team_id'), ('sellers', 'seller_id'),
        ('customers', 'customer_id'), ('products', 'product_id'), ('discounts', 'discount_id'),
        ('orders', 'order_id'), ('order_items', 'order_item_id'), ('sales_targets', NULL)
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON shop.%I
                        FOR EACH ROW EXECUTE FUNCTION shop.touch_updated_at()', v_table || '_touch', v_table);
        EXECUTE format('CREATE INDEX %I ON shop.%I (updated_at)', v_table || '_updated_at', v_table);
        IF v_key IS NOT NULL THEN
            EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON shop.%I
                            FOR EACH ROW EXECUTE FUNCTION shop.record_delete(%L)', v_table || '_tombstone', v_table, v_key);
        END IF;
    END LOOP;
END
$$;
CREATE TRIGGER sales_targets_tombstone AFTER DELETE ON shop.sales_targets
    FOR EACH ROW EXECUTE FUNCTION shop.record_delete('seller_id', 'month');

-- the ETL reads the shop; nobody else gets anything
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO etl_writer', current_database());
END
$$;
GRANT USAGE ON SCHEMA shop TO etl_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA shop TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA shop GRANT SELECT ON TABLES TO etl_writer;

COMMENT ON SCHEMA shop IS 'The operational shop database (OLTP): source of the warehouse.';
COMMENT ON TABLE shop.orders IS 'Orders; status changes in place, cancelled orders keep their rows.';
COMMENT ON TABLE shop.order_items IS 'Order lines: quantity, price, cost and discount at the time of sale, returns.';
COMMENT ON TABLE shop.sales_targets IS 'Monthly sales goal per seller (R$).';
