-- etl.regra_linha_venda: every rule on a line that breaks only it, the first rule wins, an acceptable
-- line gives NULL, and the function stays one inlinable CASE (the shop-side checks splice its text).
BEGIN;
SELECT plan(24);

CREATE TEMP TABLE base AS
SELECT 'I1'::text AS order_item_id, 'O1'::text AS order_id, 1 AS line_number, true AS order_found,
       'delivered'::text AS status, '2024-03-02 12:00+00'::timestamptz AS ordered_at, 'C1'::text AS customer_id,
       'P1'::text AS product_id, 'V1'::text AS seller_id, NULL::text AS discount_id, 2 AS quantity,
       10.00::numeric AS unit_price, 4.00::numeric AS unit_cost, 1.00::numeric AS discount_amount,
       3.00::numeric AS freight_value, 1 AS returned_quantity, '2024-03-10'::date AS returned_at;

-- the rule of the base line with some columns replaced (jsonb of the changes)
CREATE FUNCTION pg_temp.regra(p_mudar jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT etl.regra_linha_venda(l.order_item_id, l.order_id, l.line_number, l.order_found, l.status, l.ordered_at,
                                 l.customer_id, l.product_id, l.seller_id, l.discount_id, l.quantity, l.unit_price,
                                 l.unit_cost, l.discount_amount, l.freight_value, l.returned_quantity, l.returned_at,
                                 '2015-01-01', '2035-12-31')
    FROM jsonb_populate_record((SELECT b FROM pg_temp.base AS b), p_mudar) AS l
$$;

SELECT is(pg_temp.regra('{}'), NULL, 'an acceptable line: NULL');
SELECT is(pg_temp.regra('{"discount_id": null, "unit_cost": null, "returned_at": null, "returned_quantity": 0}'), NULL,
          'NULL discount (no coupon), cost and return date are acceptable');
SELECT is(pg_temp.regra('{"order_item_id": null}'), 'null_key', 'NULL line id');
SELECT is(pg_temp.regra('{"line_number": null}'), 'null_key', 'NULL line number');
SELECT is(pg_temp.regra(jsonb_build_object('product_id', repeat('p', 201))), 'key_too_long', 'a 201-character product id');
SELECT is(pg_temp.regra(jsonb_build_object('order_item_id', repeat('i', 200))), NULL, 'a 200-character id is fine');
SELECT is(pg_temp.regra('{"order_found": false, "customer_id": null}'), 'orphan_order', 'a line without its order');
SELECT is(pg_temp.regra('{"status": "lost"}'), 'unknown_status', 'an unknown status');
SELECT is(pg_temp.regra('{"customer_id": null}'), 'null_customer', 'a NULL customer is a reject');
SELECT is(pg_temp.regra('{"product_id": null}'), 'null_product', 'a NULL product is a reject');
SELECT is(pg_temp.regra('{"seller_id": null}'), 'null_seller', 'a NULL seller is a reject');
SELECT is(pg_temp.regra('{"ordered_at": "infinity"}'), 'date_out_of_range', 'ordered infinity');
SELECT is(pg_temp.regra('{"ordered_at": "-infinity"}'), 'date_out_of_range', 'ordered -infinity');
SELECT is(pg_temp.regra('{"ordered_at": "9999-12-31 12:00:00+00"}'), 'date_out_of_range', 'ordered 9999-12-31');
SELECT is(pg_temp.regra('{"ordered_at": "2036-01-01 02:00:00+00", "returned_at": null}'), NULL,
          '2036-01-01 02:00 UTC is still 2035-12-31 in São Paulo: in the calendar');
SELECT is(pg_temp.regra('{"quantity": 0}'), 'quantity_not_positive', 'quantity 0');
SELECT is(pg_temp.regra('{"unit_cost": -0.01}'), 'negative_price', 'a negative cost');
SELECT is(pg_temp.regra('{"quantity": 1000, "unit_price": 9999999999.99}'), 'value_overflow',
          '1000 x 9,999,999,999.99 does not fit numeric(14,2)');
SELECT is(pg_temp.regra('{"quantity": 100, "unit_price": 9999999999.99, "discount_amount": 0}'), NULL,
          '100 x 9,999,999,999.99 = 999,999,999,999.00 fits');
SELECT is(pg_temp.regra('{"quantity": 2147483647, "unit_price": 0, "unit_cost": 9999999999.99}'), 'value_overflow',
          'the cost overflows too');
SELECT is(pg_temp.regra('{"discount_amount": 20.01}'), 'discount_out_of_range', 'a discount above the gross');
SELECT is(pg_temp.regra('{"freight_value": -1}'), 'negative_freight', 'negative freight');
SELECT is(pg_temp.regra('{"returned_at": "2024-03-01"}'), 'return_date_out_of_range', 'a return before the order day');
SELECT is(pg_temp.regra('{"returned_at": "9999-12-31"}'), 'return_date_out_of_range', 'a return in year 9999');

SELECT * FROM finish();
ROLLBACK;
