-- Contract of the warehouse's star schema: tables, keys, foreign keys from every fact to every
-- dimension, unknown members, KPI measure types, load procedures and their privileges.
BEGIN;
SELECT plan(50);

SELECT tables_are('dim', ARRAY['dim_data', 'dim_regiao', 'dim_equipe', 'dim_vendedor', 'dim_cliente', 'dim_produto', 'dim_desconto'],
                  'dim holds the seven dimensions');
SELECT tables_are('fact', ARRAY['fact_vendas', 'fact_metas', 'fact_descontos'], 'fact holds the three facts');

SELECT col_is_pk('dim', 'dim_data', 'data_sk', 'dim_data pk');
SELECT col_is_pk('dim', 'dim_regiao', 'regiao_sk', 'dim_regiao pk');
SELECT col_is_pk('dim', 'dim_equipe', 'equipe_sk', 'dim_equipe pk');
SELECT col_is_pk('dim', 'dim_vendedor', 'vendedor_sk', 'dim_vendedor pk');
SELECT col_is_pk('dim', 'dim_cliente', 'cliente_sk', 'dim_cliente pk');
SELECT col_is_pk('dim', 'dim_produto', 'produto_sk', 'dim_produto pk');
SELECT col_is_pk('dim', 'dim_desconto', 'desconto_sk', 'dim_desconto pk');
SELECT col_is_pk('fact', 'fact_vendas', 'item_pedido_id', 'fact_vendas pk: order line');
SELECT col_is_pk('fact', 'fact_metas', ARRAY['vendedor_id', 'mes'], 'fact_metas pk: seller x month');
SELECT col_is_pk('fact', 'fact_descontos', 'item_pedido_id', 'fact_descontos pk: discounted order line');

SELECT fk_ok('fact', 'fact_vendas', 'data_sk', 'dim', 'dim_data', 'data_sk', 'fact_vendas -> dim_data');
SELECT fk_ok('fact', 'fact_vendas', 'cliente_sk', 'dim', 'dim_cliente', 'cliente_sk', 'fact_vendas -> dim_cliente');
SELECT fk_ok('fact', 'fact_vendas', 'produto_sk', 'dim', 'dim_produto', 'produto_sk', 'fact_vendas -> dim_produto');
SELECT fk_ok('fact', 'fact_vendas', 'vendedor_sk', 'dim', 'dim_vendedor', 'vendedor_sk', 'fact_vendas -> dim_vendedor');
SELECT fk_ok('fact', 'fact_vendas', 'equipe_sk', 'dim', 'dim_equipe', 'equipe_sk', 'fact_vendas -> dim_equipe');
SELECT fk_ok('fact', 'fact_vendas', 'regiao_sk', 'dim', 'dim_regiao', 'regiao_sk', 'fact_vendas -> dim_regiao');
SELECT fk_ok('fact', 'fact_vendas', 'desconto_sk', 'dim', 'dim_desconto', 'desconto_sk', 'fact_vendas -> dim_desconto');
SELECT fk_ok('fact', 'fact_metas', 'vendedor_sk', 'dim', 'dim_vendedor', 'vendedor_sk', 'fact_metas -> dim_vendedor');
SELECT fk_ok('fact', 'fact_metas', 'mes_sk', 'dim', 'dim_data', 'data_sk', 'fact_metas -> dim_data');
SELECT fk_ok('fact', 'fact_metas', 'equipe_sk', 'dim', 'dim_equipe', 'equipe_sk', 'fact_metas -> dim_equipe');
SELECT fk_ok('fact', 'fact_descontos', 'item_pedido_id', 'fact', 'fact_vendas', 'item_pedido_id', 'fact_descontos -> fact_vendas');
SELECT fk_ok('fact', 'fact_descontos', 'desconto_sk', 'dim', 'dim_desconto', 'desconto_sk', 'fact_descontos -> dim_desconto');
SELECT fk_ok('fact', 'fact_descontos', 'data_sk', 'dim', 'dim_data', 'data_sk', 'fact_descontos -> dim_data');
SELECT fk_ok('fact', 'fact_descontos', 'cliente_sk', 'dim', 'dim_cliente', 'cliente_sk', 'fact_descontos -> dim_cliente');
SELECT fk_ok('fact', 'fact_descontos', 'produto_sk', 'dim', 'dim_produto', 'produto_sk', 'fact_descontos -> dim_produto');
SELECT fk_ok('fact', 'fact_descontos', 'vendedor_sk', 'dim', 'dim_vendedor', 'vendedor_sk', 'fact_descontos -> dim_vendedor');

SELECT set_eq($$SELECT 'dim_data', data_sk, nome_mes FROM dim.dim_data WHERE data_sk = -1
                UNION ALL SELECT 'dim_regiao', regiao_sk, nome FROM dim.dim_regiao WHERE regiao_sk = -1
                UNION ALL SELECT 'dim_equipe', equipe_sk, nome FROM dim.dim_equipe WHERE equipe_sk = -1
                UNION ALL SELECT 'dim_vendedor', vendedor_sk, nome FROM dim.dim_vendedor WHERE vendedor_sk = -1
                UNION ALL SELECT 'dim_cliente', cliente_sk, nome FROM dim.dim_cliente WHERE cliente_sk = -1
                UNION ALL SELECT 'dim_produto', produto_sk, nome FROM dim.dim_produto WHERE produto_sk = -1
                UNION ALL SELECT 'dim_desconto', desconto_sk, codigo FROM dim.dim_desconto WHERE desconto_sk = -1$$,
              $$VALUES ('dim_data', -1, 'Não informado'), ('dim_regiao', -1, 'Não informado'), ('dim_equipe', -1, 'Não informado'),
                       ('dim_vendedor', -1, 'Não informado'), ('dim_cliente', -1, 'Não informado'),
                       ('dim_produto', -1, 'Não informado'), ('dim_desconto', -1, 'Não informado')$$,
              'every dimension has its unknown member -1 ''Não informado''');

SELECT col_type_is('fact', 'fact_vendas', 'valor_total_liquido', 'numeric(14,2)', 'receita líquida measure type');
SELECT col_type_is('fact', 'fact_vendas', 'custo_total', 'numeric(14,2)', 'custo_total measure type');
SELECT col_type_is('fact', 'fact_vendas', 'quantidade_vendida', 'integer', 'quantidade_vendida measure type');
SELECT col_type_is('fact', 'fact_vendas', 'quantidade_devolvida', 'integer', 'quantidade_devolvida measure type');
SELECT col_type_is('fact', 'fact_vendas', 'eh_cancelado', 'boolean', 'eh_cancelado flag type');
SELECT col_type_is('fact', 'fact_metas', 'valor_meta', 'numeric(14,2)', 'valor_meta measure type');
SELECT col_type_is('fact', 'fact_descontos', 'valor_desconto_aplicado', 'numeric(14,2)', 'valor_desconto_aplicado measure type');
SELECT col_type_is('fact', 'fact_descontos', 'valor_com_desconto', 'numeric(14,2)', 'valor_com_desconto measure type');

SELECT set_eq($$SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'etl' AND p.prokind = 'p' AND p.proname LIKE 'load\_%'
                  AND pg_get_function_identity_arguments(p.oid) =
                      'IN p_run_id bigint, IN p_watermark_to timestamp with time zone, IN p_reprocess_from date, IN p_reprocess_to date'$$,
              $$VALUES ('load_dim_regiao'), ('load_dim_equipe'), ('load_dim_vendedor'), ('load_dim_cliente'),
                       ('load_dim_produto'), ('load_dim_desconto'), ('load_fact_vendas'), ('load_fact_descontos'),
                       ('load_fact_metas')$$,
              'the nine load procedures exist with the contract signature');
-- except the screens' rule functions: pure SQL expressions over built-ins, inlined by the planner into
-- the load's statement (a SET clause would stop that, and cost a function call per staged line)
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'etl' AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
             AND p.proname NOT IN ('regra_linha_venda', 'regra_meta')), 0,
          'every etl routine pins search_path = pg_catalog, pg_temp');
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'etl' AND p.proname IN ('regra_linha_venda', 'regra_meta')
             AND p.provolatile = 'i' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
             AND p.proconfig IS NULL AND NOT p.prosecdef), 2,
          'the two rule functions are immutable plain SQL, without SET or SECURITY DEFINER (inlinable)');
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'etl' AND obj_description(p.oid, 'pg_proc') IS NULL), 0,
          'every etl routine is documented with COMMENT ON');
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'etl' AND NOT has_function_privilege('etl_writer', p.oid, 'EXECUTE')), 0,
          'etl_writer may execute every etl routine');
SELECT is((SELECT count(*)::integer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname IN ('etl', 'dim') AND has_function_privilege('bi_reader', p.oid, 'EXECUTE')), 0,
          'bi_reader may execute no etl or dim routine');
SELECT is((SELECT count(*)::integer FROM pg_tables t WHERE t.schemaname = 'stg'
           AND NOT has_table_privilege('etl_writer', format('%I.%I', t.schemaname, t.tablename), 'MAINTAIN')), 0,
          'etl_writer may ANALYZE every staging table');
SELECT set_eq($$SELECT entity, watermark FROM ctl.etl_control$$,
              $$SELECT e, '-infinity'::timestamptz FROM unnest(ARRAY['dim_regiao', 'dim_equipe', 'dim_vendedor', 'dim_cliente',
                  'dim_produto', 'dim_desconto', 'fact_vendas', 'fact_descontos', 'fact_metas']) AS e$$,
              'ctl.etl_control has one row per entity, at -infinity before the first load');
SELECT has_index('fact', 'fact_vendas', 'fact_vendas_pedido', 'fact_vendas indexed by order (order tombstones, duplicate screen)');
SELECT has_index('fact', 'fact_vendas', 'fact_vendas_data', 'fact_vendas indexed by date (reprocess window)');
SELECT has_check('fact', 'fact_vendas', 'fact_vendas has check constraints on its measures');
SELECT has_check('fact', 'fact_descontos', 'fact_descontos has check constraints on its measures');
SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE data_sk > 0), 7670, 'the calendar is loaded');

SELECT * FROM finish();
ROLLBACK;
