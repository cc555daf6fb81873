-- etl.regra_linha_venda: the screens of an order line, stated once: the first rule the line breaks,
--   NULL when the line is acceptable. Grain: one staged order line (stg.order_lines columns).
-- Used by etl.load_fact_vendas (which adds the relational duplicate_line rule) and, as text, by the
--   shop-side reconciliation and freshness queries (harness/screens.py splices this CASE into
--   database/checks/reconcile/shop_*.sql, where columns of the same names are in scope): the checks
--   compare the warehouse with exactly the rows these screens accept. So: one CASE, no ';' inside,
--   parameter names = the staging column names. data_min/data_max: the calendar (dim.dim_data).
-- A NULL customer, product or seller is a reject (the shop always names them; the unknown member -1
--   would then stop the run at membro_desconhecido_com_chave); a NULL discount_id is "no coupon".
-- Limits: ids longer than 200 characters (a btree entry holds about 2.7 kB); a line value above
--   numeric(14,2) (fact_vendas.valor_bruto, custo_total); a return outside [order day, +365 days].
-- Pure function (inlined by the planner); rerun: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION etl.regra_linha_venda(
    order_item_id text, order_id text, line_number integer, order_found boolean, status text,
    ordered_at timestamptz, customer_id text, product_id text, seller_id text, discount_id text,
    quantity integer, unit_price numeric, unit_cost numeric, discount_amount numeric,
    freight_value numeric, returned_quantity integer, returned_at date, data_min date, data_max date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN order_item_id IS NULL OR order_id IS NULL OR line_number IS NULL THEN 'null_key'
    WHEN length(order_item_id) > 200 OR length(order_id) > 200 OR length(customer_id) > 200
         OR length(product_id) > 200 OR length(seller_id) > 200 OR length(discount_id) > 200 THEN 'key_too_long'
    WHEN order_found IS NOT TRUE THEN 'orphan_order'
    WHEN status IS NULL OR status NOT IN ('created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered',
                                          'canceled', 'unavailable') THEN 'unknown_status'
    WHEN customer_id IS NULL THEN 'null_customer'
    WHEN product_id IS NULL THEN 'null_product'
    WHEN seller_id IS NULL THEN 'null_seller'
    WHEN ordered_at IS NULL
         OR (ordered_at AT TIME ZONE 'America/Sao_Paulo')::date NOT BETWEEN data_min AND data_max THEN 'date_out_of_range'
    WHEN quantity IS NULL OR quantity <= 0 THEN 'quantity_not_positive'
    WHEN unit_price IS NULL OR unit_price < 0 OR unit_cost < 0 THEN 'negative_price'
    WHEN quantity * unit_price > 999999999999.99 OR quantity * coalesce(unit_cost, 0) > 999999999999.99
        THEN 'value_overflow'
    WHEN coalesce(discount_amount, 0) < 0 OR coalesce(discount_amount, 0) > quantity * unit_price
        THEN 'discount_out_of_range'
    WHEN coalesce(returned_quantity, 0) < 0 OR coalesce(returned_quantity, 0) > quantity THEN 'returned_out_of_range'
    WHEN freight_value < 0 THEN 'negative_freight'
    WHEN returned_at < (ordered_at AT TIME ZONE 'America/Sao_Paulo')::date
         OR returned_at > (ordered_at AT TIME ZONE 'America/Sao_Paulo')::date + 365 THEN 'return_date_out_of_range'
END;

COMMENT ON FUNCTION etl.regra_linha_venda(text, text, integer, boolean, text, timestamptz, text, text, text, text,
                                          integer, numeric, numeric, numeric, numeric, integer, date, date, date) IS
    'Regras de triagem de uma linha de pedido: a primeira regra violada, ou NULL se a linha é aceitável.';
