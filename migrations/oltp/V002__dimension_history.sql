-- V002 (oltp): a change log of customers, products and sellers (issue 10), so that several
-- changes of one row between two warehouse loads reach the warehouse as several states
-- (type-2 versions) instead of collapsing into the latest one.
-- shop.customers_history, shop.products_history, shop.sellers_history: one row per written
-- state (insert or update), with the row's full new state and its updated_at (the shop's change
-- time, the effective time of the state), numbered by history_id in write order. Per key,
-- history_id order is commit order (a second writer of a row waits for the first one's row
-- lock before its own statement's trigger numbers its state).
-- Written by AFTER INSERT / AFTER UPDATE triggers FOR EACH STATEMENT with a transition table
-- (one INSERT ... SELECT per statement, not one per row: a COPY of 100k customers costs one
-- insert of 100k history rows). PostgreSQL allows a transition table only on a single-event
-- trigger, hence two triggers per table over one function.
-- Deletes are not logged here: they stay tombstones in shop.deleted_rows.
-- Existing rows get one history row each (their current state and updated_at), so a shop
-- migrated with data has a complete history from now on.

CREATE TABLE shop.customers_history (
    history_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id        text        NOT NULL,
    customer_unique_id text,
    name               text        NOT NULL,
    city               text,
    state              char(2),
    segment            text,
    updated_at         timestamptz NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_history_updated_at ON shop.customers_history (updated_at);

CREATE TABLE shop.products_history (
    history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  text        NOT NULL,
    name        text        NOT NULL,
    category    text,
    subcategory text,
    list_price  numeric(12,2),
    unit_cost   numeric(12,2),
    updated_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_history_updated_at ON shop.products_history (updated_at);

CREATE TABLE shop.sellers_history (
    history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id   text        NOT NULL,
    name        text        NOT NULL,
    team_id     text,
    city        text,
    state       char(2),
    hired_on    date,
    updated_at  timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sellers_history_updated_at ON shop.sellers_history (updated_at);

CREATE FUNCTION shop.record_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- static statements per table: each is planned only when its branch runs
    IF TG_TABLE_NAME = 'customers' THEN
        INSERT INTO shop.customers_history (customer_id, customer_unique_id, name, city, state, segment, updated_at)
        SELECT n.customer_id, n.customer_unique_id, n.name, n.city, n.state, n.segment, n.updated_at
        FROM new_rows AS n ORDER BY n.updated_at, n.customer_id;
    ELSIF TG_TABLE_NAME = 'products' THEN
        INSERT INTO shop.products_history (product_id, name, category, subcategory, list_price, unit_cost, updated_at)
        SELECT n.product_id, n.name, n.category, n.subcategory, n.list_price, n.unit_cost, n.updated_at
        FROM new_rows AS n ORDER BY n.updated_at, n.product_id;
    ELSIF TG_TABLE_NAME = 'sellers' THEN
        INSERT INTO shop.sellers_history (seller_id, name, team_id, city, state, hired_on, updated_at)
        SELECT n.seller_id, n.name, n.team_id, n.city, n.state, n.hired_on, n.updated_at
        FROM new_rows AS n ORDER BY n.updated_at, n.seller_id;
    ELSE
        RAISE EXCEPTION 'shop.record_history: no history table for shop.%', TG_TABLE_NAME
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION shop.record_history() IS
    'Statement trigger body: copies the new states of the statement''s rows (transition table new_rows) into shop.<table>_history.';

DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['customers', 'products', 'sellers'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON shop.%I REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION shop.record_history()', v_table || '_history_ins', v_table);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON shop.%I REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION shop.record_history()', v_table || '_history_upd', v_table);
    END LOOP;
END
$$;

-- the current state of rows written before this migration
INSERT INTO shop.customers_history (customer_id, customer_unique_id, name, city, state, segment, updated_at)
SELECT customer_id, customer_unique_id, name, city, state, segment, updated_at
FROM shop.customers ORDER BY updated_at, customer_id;
INSERT INTO shop.products_history (product_id, name, category, subcategory, list_price, unit_cost, updated_at)
SELECT product_id, name, category, subcategory, list_price, unit_cost, updated_at
FROM shop.products ORDER BY updated_at, product_id;
INSERT INTO shop.sellers_history (seller_id, name, team_id, city, state, hired_on, updated_at)
SELECT seller_id, name, team_id, city, state, hired_on, updated_at
FROM shop.sellers ORDER BY updated_at, seller_id;

GRANT SELECT ON shop.customers_history, shop.products_history, shop.sellers_history TO etl_writer;

COMMENT ON TABLE shop.customers_history IS 'Every state written to shop.customers (insert or update), in write order (history_id).';
COMMENT ON TABLE shop.products_history IS 'Every state written to shop.products (insert or update), in write order (history_id).';
COMMENT ON TABLE shop.sellers_history IS 'Every state written to shop.sellers (insert or update), in write order (history_id).';
