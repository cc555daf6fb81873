-- etl.rollup_agg_vendas_mensais: the differences a caller leaves in pg_temp.etl_agg_vendas_delta
-- reach both monthly roll-ups (a new group inserted, an existing one adjusted, a group whose lines
-- drop to 0 deleted and counted in p_deleted, an all-zero difference leaving the row alone); with
-- p_from/p_to the days' daily rows are read back and added too; the delta table is dropped; bad input.
BEGIN;
SELECT plan(12);

SELECT is_procedure('etl', 'rollup_agg_vendas_mensais', ARRAY['bigint', 'date', 'date', 'bigint'], 'signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (970301, 'test', 'test'), (970302, 'test', 'test'), (970303, 'test', 'test');
DELETE FROM mart.agg_vendas_mensais_categoria;
DELETE FROM mart.agg_vendas_mensais_vendedor;
DELETE FROM mart.agg_vendas_diarias;

-- a delta as the refresh procedures build it: one row per daily row, its measures as differences
CREATE FUNCTION pg_temp.delta(p_rows text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    CREATE TEMPORARY TABLE etl_agg_vendas_delta (
        data date, regiao_sk integer, categoria text, equipe_sk integer, vendedor_sk integer, linhas bigint,
        quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric,
        valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint,
        receita_com_desconto numeric, custo_com_desconto numeric, pedidos_vendedor bigint) ON COMMIT DROP;
    EXECUTE 'INSERT INTO pg_temp.etl_agg_vendas_delta VALUES ' || p_rows;
END
$f$;

-- 1. two new groups in March (one seller, two categories)
SELECT pg_temp.delta($$('2024-03-04', 1, 'casa',   10, 100, 2, 3, 0, 150, 0, 150, 60, 5, 0, 0, 0, 1),
                      ('2024-03-05', 1, 'livros', 10, 100, 1, 1, 0,  30, 0,  30, 10, 0, 0, 0, 0, 1)$$);
DO $$ DECLARE n bigint; BEGIN CALL etl.rollup_agg_vendas_mensais(970301, NULL, NULL, n); END $$;
SELECT results_eq($$SELECT categoria, linhas, quantidade_vendida, valor_total_liquido, refreshed_run_id
                    FROM mart.agg_vendas_mensais_categoria ORDER BY categoria$$,
                  $$VALUES ('casa', 2::bigint, 3::bigint, 150.00::numeric, 970301::bigint),
                           ('livros', 1::bigint, 1::bigint, 30.00::numeric, 970301::bigint)$$,
                  'new month x region x category groups are inserted with the delta as their values');
SELECT results_eq($$SELECT mes, linhas, pedidos, valor_total_liquido FROM mart.agg_vendas_mensais_vendedor$$,
                  $$VALUES ('2024-03-01'::date, 3::bigint, 2::bigint, 180.00::numeric)$$,
                  'the seller group sums both days; its pedidos is the sum of pedidos_vendedor');
SELECT ok(to_regclass('pg_temp.etl_agg_vendas_delta') IS NULL, 'the delta table is dropped');

-- 2. the livros line goes (its group drops to 0 lines), a return on casa, a zero difference elsewhere
SELECT pg_temp.delta($$('2024-03-05', 1, 'livros', 10, 100, -1, -1, 0, -30, 0, -30, -10, 0, 0, 0, 0, -1),
                      ('2024-03-04', 1, 'casa',   10, 100,  0,  0, 1,   0, 0,   0,   0, 0, 0, 0, 0,  0)$$);
DO $$
DECLARE n bigint;
BEGIN
    CALL etl.rollup_agg_vendas_mensais(970302, NULL, NULL, n);
    PERFORM set_config('test.rollup_deleted', n::text, true);
END $$;
SELECT is(current_setting('test.rollup_deleted'), '1', 'p_deleted counts the monthly groups deleted');
SELECT results_eq($$SELECT categoria, quantidade_devolvida, refreshed_run_id FROM mart.agg_vendas_mensais_categoria$$,
                  $$VALUES ('casa', 1::bigint, 970302::bigint)$$,
                  'a group left with no line is deleted; a changed one is adjusted');
SELECT results_eq($$SELECT linhas, pedidos, valor_total_liquido, quantidade_devolvida FROM mart.agg_vendas_mensais_vendedor$$,
                  $$VALUES (2::bigint, 1::bigint, 150.00::numeric, 1::bigint)$$,
                  'the seller group loses the line and gains the return');

-- 3. an all-zero difference leaves the rows (and their run) alone
SELECT pg_temp.delta($$('2024-03-04', 1, 'casa', 10, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)$$);
DO $$ DECLARE n bigint; BEGIN CALL etl.rollup_agg_vendas_mensais(970303, NULL, NULL, n); END $$;
SELECT is((SELECT refreshed_run_id FROM mart.agg_vendas_mensais_categoria), 970302::bigint,
          'a zero difference rewrites nothing');

-- 4. whole days: p_from/p_to read the days' daily rows back and add them to the delta
INSERT INTO mart.agg_vendas_diarias (data, data_sk, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos,
                                     quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto,
                                     valor_total_liquido, custo_total, valor_frete, linhas_com_desconto,
                                     receita_com_desconto, custo_com_desconto, pedidos_vendedor, refreshed_run_id)
VALUES ('2024-04-02', 20240402, 1, 'livros', 10, 100, 4, 2, 4, 0, 120, 0, 120, 40, 0, 0, 0, 0, 2, 970303);
SELECT pg_temp.delta($$('2024-03-04', 1, 'casa', 10, 100, -2, -3, -1, -150, 0, -150, -60, -5, 0, 0, 0, -1)$$);
SELECT lives_ok($$CALL etl.rollup_agg_vendas_mensais(970303, '2024-04-02', '2024-04-02')$$,
                'a whole-day call runs');
SELECT results_eq($$SELECT mes, categoria, linhas FROM mart.agg_vendas_mensais_categoria ORDER BY 1$$,
                  $$VALUES ('2024-04-01'::date, 'livros', 4::bigint)$$,
                  'the re-read April day is added; March, taken to 0 by the delta, is deleted');

-- bad input
SELECT throws_ok($$CALL etl.rollup_agg_vendas_mensais(970303, NULL, NULL)$$, '42P01', NULL,
                 'no delta table left by the caller: refused, nothing written');
SELECT throws_ok($$CALL etl.rollup_agg_vendas_mensais(970303, '2024-04-02', NULL)$$, '22023', NULL,
                 'p_from without p_to is refused');
ROLLBACK;
