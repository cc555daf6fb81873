-- etl.refresh_agg_vendas_grupos, with what feeds it (etl.load_fact_vendas records the seller-days of
-- changed lines in ctl.agg_grupos_pendentes): the first load queues whole days, not groups; a
-- status-only change queues nothing; a return queues its seller-day, which is rewritten alone; a
-- tombstoned line empties its group, whose rows go (daily, day x region, monthly); the queue ends
-- empty; the load lists the changed lines' state before it (pg_temp.etl_agg_linhas_antes), which
-- the refresh consumes; every aggregate equals a grouping of the fact; bad input.
BEGIN;
SELECT plan(15);

SELECT is_procedure('etl', 'refresh_agg_vendas_grupos', ARRAY['bigint'], 'signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (970201, 'test', 'test'), (970202, 'test', 'test'), (970203, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('SE', 'Sudeste');
INSERT INTO dim.dim_equipe (equipe_id, nome, regiao_id, regiao_sk)
SELECT 'T1', 'Equipe Um', 'SE', regiao_sk FROM dim.dim_regiao WHERE regiao_id = 'SE';
INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk)
SELECT v.id, v.nome, 'T1', e.equipe_sk FROM dim.dim_equipe AS e, (VALUES ('V1', 'Ana'), ('V2', 'Bia')) AS v (id, nome)
WHERE e.equipe_id = 'T1';
INSERT INTO dim.dim_cliente (cliente_id, nome, regiao_id, regiao_sk)
SELECT 'C1', 'Maria', 'SE', regiao_sk FROM dim.dim_regiao WHERE regiao_id = 'SE';
INSERT INTO dim.dim_produto (produto_id, nome, categoria) VALUES ('P1', 'Cadeira', 'casa'), ('P2', 'Livro', 'livros');
DELETE FROM ctl.agg_refresh_pending;
DELETE FROM ctl.agg_grupos_pendentes;

-- first load (bulk path): whole days queued, no group
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', NULL, 2, 50.00, 20.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I2', 'O1', 2, 'P2', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', NULL, 1, 30.00, 10.00, 0.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03'),
    ('I3', 'O2', 1, 'P1', 'V2', 'C1', 'shipped',   '2024-03-04 13:00+00', NULL, 1, 50.00, 20.00, 5.00, 0.00, 0, NULL, true, '2024-03-05 10:00-03');
CALL etl.load_fact_vendas(970201, '2024-03-05 12:00-03');
SELECT results_eq($$SELECT (SELECT array_agg(data) FROM ctl.agg_refresh_pending),
                           (SELECT count(*) FROM ctl.agg_grupos_pendentes)$$,
                  $$VALUES (ARRAY['2024-03-04'::date], 0::bigint)$$,
                  'first load: its days wait for a whole-day refresh, no group is queued');
DELETE FROM ctl.agg_refresh_pending;
CALL etl.refresh_agg_vendas_diarias(970201, '2024-03-04', '2024-03-04');

-- second load: I1 returned (aggregated column), I3 only changes status (no aggregate reads it)
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.order_lines (order_item_id, order_id, line_number, product_id, seller_id, customer_id, status, ordered_at,
                             discount_id, quantity, unit_price, unit_cost, discount_amount, freight_value,
                             returned_quantity, returned_at, order_found, updated_at) VALUES
    ('I1', 'O1', 1, 'P1', 'V1', 'C1', 'delivered', '2024-03-04 12:00+00', NULL, 2, 50.00, 20.00, 0.00, 0.00, 1, '2024-03-06', true, '2024-03-06 10:00-03'),
    ('I3', 'O2', 1, 'P1', 'V2', 'C1', 'delivered', '2024-03-04 13:00+00', NULL, 1, 50.00, 20.00, 5.00, 0.00, 0, NULL, true, '2024-03-06 10:00-03');
CALL etl.load_fact_vendas(970202, '2024-03-06 12:00-03');
SELECT results_eq($$SELECT g.data_sk, v.vendedor_id FROM ctl.agg_grupos_pendentes AS g
                    JOIN dim.dim_vendedor AS v USING (vendedor_sk)$$,
                  $$VALUES (20240304, 'V1')$$,
                  'a return queues its seller-day; a status-only change queues nothing');
SELECT results_eq($$SELECT item_pedido_id, existia, quantidade_devolvida, valor_total_liquido
                    FROM pg_temp.etl_agg_linhas_antes$$,
                  $$VALUES ('I1', true, 0, 100.00::numeric(14,2))$$,
                  'the load lists the returned line as it was before (the status-only change is not listed)');
CALL etl.refresh_agg_vendas_grupos(970202);
SELECT is(to_regclass('pg_temp.etl_agg_linhas_antes'), NULL, 'the refresh consumes that list');
SELECT results_eq($$SELECT v.vendedor_id, a.categoria, a.quantidade_devolvida::integer, a.refreshed_run_id
                    FROM mart.agg_vendas_diarias AS a JOIN dim.dim_vendedor AS v USING (vendedor_sk)
                    ORDER BY 1, 2$$,
                  $$VALUES ('V1', 'casa', 1, 970202::bigint), ('V1', 'livros', 0, 970201::bigint),
                           ('V2', 'casa', 0, 970201::bigint)$$,
                  'only the changed group is rewritten; the others keep their run');
SELECT is((SELECT count(*)::integer FROM ctl.agg_grupos_pendentes), 0, 'the queue is emptied');
SELECT results_eq($$SELECT quantidade_devolvida::integer, pedidos::integer FROM mart.agg_pedidos_diarios$$,
                  $$VALUES (1, 2)$$, 'the day x region follows');
SELECT results_eq($$SELECT v.vendedor_id, m.quantidade_devolvida::integer, m.pedidos::integer
                    FROM mart.agg_vendas_mensais_vendedor AS m JOIN dim.dim_vendedor AS v USING (vendedor_sk) ORDER BY 1$$,
                  $$VALUES ('V1', 1, 1), ('V2', 0, 1)$$, 'the monthly roll-up follows by difference');

-- third load: I3 tombstoned: V2's group (and its coupon-less discount row) is left without lines
TRUNCATE stg.order_lines, stg.deleted_rows;
INSERT INTO stg.deleted_rows (deleted_row_id, table_name, row_key, updated_at)
VALUES (1, 'order_items', 'I3', '2024-03-07 09:00-03');
CALL etl.load_fact_vendas(970203, '2024-03-07 12:00-03');
CALL etl.refresh_agg_vendas_grupos(970203);
SELECT results_eq($$SELECT v.vendedor_id FROM mart.agg_vendas_mensais_vendedor AS m
                    JOIN dim.dim_vendedor AS v USING (vendedor_sk)$$,
                  $$VALUES ('V1')$$, 'an emptied group leaves the monthly roll-up');
SELECT is((SELECT count(*)::integer FROM mart.agg_descontos_diarios), 0, 'and the day x coupon table');
SELECT set_eq($$SELECT data_sk, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos, valor_total_liquido
                       FROM mart.agg_vendas_diarias$$,
              $$SELECT f.data_sk, f.regiao_sk, p.categoria, f.equipe_sk, f.vendedor_sk, count(*) AS linhas,
                       count(DISTINCT f.pedido_id) AS pedidos,
                       sum(f.valor_total_liquido)
                FROM fact.fact_vendas AS f JOIN dim.dim_produto AS p USING (produto_sk)
                WHERE NOT f.eh_cancelado GROUP BY 1, 2, 3, 4, 5$$,
              'the daily aggregate equals a grouping of the fact');
SELECT set_eq($$SELECT data_sk, regiao_sk, pedidos, clientes, linhas, quantidade_devolvida, valor_total_liquido,
                       pedidos_com_desconto, pedidos_sem_desconto
                FROM mart.agg_pedidos_diarios$$,
              $$SELECT f.data_sk, f.regiao_sk, count(DISTINCT f.pedido_id) AS pedidos,
                       count(DISTINCT f.cliente_sk) AS clientes, count(*) AS linhas,
                       sum(f.quantidade_devolvida) AS quantidade_devolvida, sum(f.valor_total_liquido) AS valor,
                       count(DISTINCT f.pedido_id) FILTER (WHERE f.valor_desconto > 0) AS com_desconto,
                       count(DISTINCT f.pedido_id) FILTER (WHERE NOT f.valor_desconto > 0) AS sem_desconto
                FROM fact.fact_vendas AS f WHERE NOT f.eh_cancelado GROUP BY 1, 2$$,
              'the day x region aggregate, moved by difference, equals a grouping of the fact');

SELECT throws_ok($$CALL etl.refresh_agg_vendas_grupos(NULL)$$, '22023', NULL, 'a NULL run is rejected');
SELECT throws_ok($$CALL etl.refresh_agg_vendas_grupos(999999999)$$, '23503', NULL, 'an unknown run is rejected');

SELECT * FROM finish();
ROLLBACK;
