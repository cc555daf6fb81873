-- Contract of the consumption layer (schema mart, issue 6): the objects that exist, their
-- column names, order and types (what dashboards, standard queries and analysts rely on),
-- who may read them, and the refresh procedure's shape. A deliberate change to a view's
-- columns must change this file too (and be announced to the readers of the view).
BEGIN;
SELECT plan(57);

SELECT results_eq(
    $$SELECT c.relname::text COLLATE "default", c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1$$,
    $$VALUES ('agg_descontos_diarios', 'r'), ('agg_metas_mensais', 'r'), ('agg_pedidos_diarios', 'r'), ('agg_vendas_diarias', 'r'), ('agg_vendas_mensais_categoria', 'r'), ('agg_vendas_mensais_vendedor', 'r'), ('vw_anomalias_kpi', 'v'), ('vw_atualizacao', 'v'), ('vw_descontos_campanhas', 'v'), ('vw_descontos_diarios', 'v'), ('vw_devolucoes', 'v'), ('vw_metas_atingimento', 'v'), ('vw_monitor_etl', 'v'), ('vw_opcoes_filtro', 'v'), ('vw_pedidos_diarios', 'v'), ('vw_rejeicoes_abertas', 'v'), ('vw_vendas', 'v'), ('vw_vendas_diarias', 'v'), ('vw_verificacoes_qualidade', 'v'), ('vw_versao_warehouse', 'v')$$,
    'mart holds exactly the published tables and views');

SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_pedidos_diarios'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('data_sk', 'integer'),
      ('regiao_sk', 'integer'),
      ('pedidos', 'bigint'),
      ('clientes', 'bigint'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('refreshed_run_id', 'bigint'),
      ('pedidos_com_desconto', 'bigint'),
      ('pedidos_sem_desconto', 'bigint'),
      ('linhas', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('valor_bruto_com_desconto', 'numeric(16,2)'),
      ('valor_desconto_com_desconto', 'numeric(16,2)'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)')$$,
    'mart.agg_pedidos_diarios: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_vendas_diarias'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('data_sk', 'integer'),
      ('regiao_sk', 'integer'),
      ('categoria', 'text'),
      ('equipe_sk', 'integer'),
      ('vendedor_sk', 'integer'),
      ('linhas', 'bigint'),
      ('pedidos', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('valor_frete', 'numeric(16,2)'),
      ('linhas_com_desconto', 'bigint'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)'),
      ('refreshed_run_id', 'bigint'),
      ('pedidos_vendedor', 'bigint')$$,
    'mart.agg_vendas_diarias: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_vendas_mensais_categoria'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'),
      ('regiao_sk', 'integer'),
      ('categoria', 'text'),
      ('linhas', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('valor_frete', 'numeric(16,2)'),
      ('linhas_com_desconto', 'bigint'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)'),
      ('refreshed_run_id', 'bigint')$$,
    'mart.agg_vendas_mensais_categoria: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_vendas_mensais_vendedor'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'),
      ('regiao_sk', 'integer'),
      ('equipe_sk', 'integer'),
      ('vendedor_sk', 'integer'),
      ('linhas', 'bigint'),
      ('pedidos', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('valor_frete', 'numeric(16,2)'),
      ('linhas_com_desconto', 'bigint'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)'),
      ('refreshed_run_id', 'bigint')$$,
    'mart.agg_vendas_mensais_vendedor: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_descontos_diarios'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('data_sk', 'integer'),
      ('regiao_sk', 'integer'),
      ('desconto_sk', 'integer'),
      ('linhas', 'bigint'),
      ('pedidos', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('refreshed_run_id', 'bigint')$$,
    'mart.agg_descontos_diarios: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_descontos_diarios'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('regiao_id', 'text'),
      ('regiao_nome', 'text'),
      ('desconto_id', 'text'),
      ('cupom', 'text'),
      ('campanha', 'text'),
      ('linhas', 'bigint'),
      ('pedidos', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('margem_bruta', 'numeric(16,2)')$$,
    'mart.vw_descontos_diarios: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.agg_metas_mensais'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'), ('vendedor_id', 'text'), ('vendedor_sk', 'integer'), ('equipe_sk', 'integer'),
      ('valor_meta', 'numeric(14,2)'), ('valor_realizado', 'numeric(16,2)'), ('atingimento', 'numeric'),
      ('ranking_equipe', 'integer'), ('refreshed_run_id', 'bigint')$$,
    'mart.agg_metas_mensais: column names, order and types are the published contract');
SELECT is(pg_get_function_result('mart.vendas_periodo_vendedor_total(date, date)'::regprocedure),
    'TABLE(regiao_id text, regiao_nome text, equipe_id text, equipe_nome text, vendedor_id text, vendedor_nome text, linhas bigint, quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint, receita_com_desconto numeric, custo_com_desconto numeric, margem_bruta numeric, pedidos bigint)',
    'mart.vendas_periodo_vendedor_total(date, date): result columns are the published contract');
SELECT is(pg_get_function_result('mart.pedidos_periodo_vendedor_categoria(date, date, text, text, text)'::regprocedure),
    'TABLE(vendedor_id text, equipe_id text, pedidos bigint)',
    'mart.pedidos_periodo_vendedor_categoria: result columns are the published contract');
SELECT is(pg_get_function_result('mart.vendas_periodo_categoria(date, date)'::regprocedure),
    'TABLE(mes date, data date, regiao_id text, regiao_nome text, categoria text, linhas bigint, quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint, receita_com_desconto numeric, custo_com_desconto numeric, margem_bruta numeric)',
    'mart.vendas_periodo_categoria(date, date): result columns are the published contract');
SELECT is(pg_get_function_result('mart.vendas_periodo_vendedor(date, date)'::regprocedure),
    'TABLE(mes date, data date, regiao_id text, regiao_nome text, equipe_id text, equipe_nome text, '
    'vendedor_id text, vendedor_nome text, linhas bigint, quantidade_vendida bigint, quantidade_devolvida bigint, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric, valor_frete numeric, linhas_com_desconto bigint, receita_com_desconto numeric, custo_com_desconto numeric, margem_bruta numeric, pedidos bigint)',
    'mart.vendas_periodo_vendedor(date, date): result columns are the published contract');
SELECT is(pg_get_function_result('mart.vendas_linhas(date, date)'::regprocedure),
    'TABLE(data date, data_sk integer, pedido_id text, regiao_id text, categoria text, equipe_id text, vendedor_id text, '
    'campanha text, cupom text, eh_cancelado boolean, valor_bruto numeric, valor_desconto numeric, valor_total_liquido numeric, custo_total numeric)',
    'mart.vendas_linhas(date, date): result columns are the published contract');
SELECT ok(has_function_privilege('bi_reader', 'mart.vendas_linhas(date, date)', 'EXECUTE'),
          'bi_reader may call mart.vendas_linhas');
SELECT ok(has_function_privilege('bi_reader', 'mart.vendas_periodo_categoria(date, date)', 'EXECUTE')
          AND has_function_privilege('bi_reader', 'mart.vendas_periodo_vendedor(date, date)', 'EXECUTE'),
          'bi_reader may call the mart.vendas_periodo_* functions');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_anomalias_kpi'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'), ('nome_dia_semana', 'text'), ('escopo', 'text'), ('regiao_id', 'text'),
      ('escopo_nome', 'text'), ('kpi', 'text'), ('kpi_rotulo', 'text'), ('observado', 'numeric'), ('esperado', 'numeric'),
      ('diferenca', 'numeric'), ('variacao_pct', 'numeric'), ('desvio_robusto', 'numeric'), ('direcao', 'text'),
      ('dias_base', 'integer'), ('pedidos_base', 'numeric'), ('esperada', 'boolean'), ('motivo_esperado', 'text'),
      ('alertada_em', 'timestamp with time zone'), ('detectada_em', 'timestamp with time zone'),
      ('detectada_run_id', 'bigint')$$,
    'mart.vw_anomalias_kpi: column names, order and types are the published contract');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_anomalias_kpi', 'SELECT')
          AND NOT has_table_privilege('bi_reader', 'dq.anomalia_kpi', 'SELECT'),
          'bi_reader reads the anomalies through mart.vw_anomalias_kpi only');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_atualizacao'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('dados_ate', 'date'),
      ('ultima_carga_ok', 'timestamp with time zone'),
      ('status_ultima_execucao', 'text'),
      ('ultima_execucao_em', 'timestamp with time zone')$$,
    'mart.vw_atualizacao: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_descontos_campanhas'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'),
      ('ano_mes', 'text'),
      ('desconto_id', 'text'),
      ('cupom', 'text'),
      ('campanha', 'text'),
      ('tipo', 'text'),
      ('linhas_com_desconto', 'bigint'),
      ('pedidos_com_desconto', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto_aplicado', 'numeric(16,2)'),
      ('valor_com_desconto', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('margem_com_desconto', 'numeric(16,2)'),
      ('margem_com_desconto_pct', 'numeric(14,2)'),
      ('margem_sem_desconto_pct', 'numeric(14,2)'),
      ('impacto_margem_pp', 'numeric(14,2)'),
      ('roi_desconto', 'numeric(16,4)')$$,
    'mart.vw_descontos_campanhas: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_devolucoes'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'),
      ('ano_mes', 'text'),
      ('categoria', 'text'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('taxa_devolucao_pct', 'numeric(7,2)'),
      ('valor_total_liquido', 'numeric(16,2)')$$,
    'mart.vw_devolucoes: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_metas_atingimento'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('mes', 'date'),
      ('ano_mes', 'text'),
      ('vendedor_id', 'text'),
      ('vendedor_nome', 'text'),
      ('equipe_id', 'text'),
      ('equipe_nome', 'text'),
      ('regiao_id', 'text'),
      ('regiao_nome', 'text'),
      ('valor_meta', 'numeric(14,2)'),
      ('valor_realizado', 'numeric(16,2)'),
      ('atingimento_pct', 'numeric(14,2)'),
      ('meta_atingida', 'boolean'),
      ('ranking_equipe', 'integer'),
      ('equipe_atual', 'text'),
      ('equipe_atual_nome', 'text'),
      ('regiao_atual', 'text'),
      ('regiao_atual_nome', 'text')$$,
    'mart.vw_metas_atingimento: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_monitor_etl'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('run_id', 'bigint'),
      ('comando', 'text'),
      ('gatilho', 'text'),
      ('status', 'text'),
      ('data_negocio', 'date'),
      ('iniciado_em', 'timestamp with time zone'),
      ('terminado_em', 'timestamp with time zone'),
      ('duracao_s', 'numeric(12,3)'),
      ('versao_codigo', 'text'),
      ('etapa_falha', 'text'),
      ('erro_sqlstate', 'text'),
      ('erro', 'text'),
      ('entidade', 'text'),
      ('linhas_lidas', 'bigint'),
      ('linhas_inseridas', 'bigint'),
      ('linhas_atualizadas', 'bigint'),
      ('linhas_excluidas', 'bigint'),
      ('linhas_inalteradas', 'bigint'),
      ('linhas_rejeitadas', 'bigint'),
      ('entidade_iniciada_em', 'timestamp with time zone'),
      ('entidade_terminada_em', 'timestamp with time zone'),
      ('entidade_duracao_s', 'numeric(12,3)'),
      ('dados_origem_de', 'timestamp with time zone'),
      ('dados_origem_ate', 'timestamp with time zone')$$,
    'mart.vw_monitor_etl: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_pedidos_diarios'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('ano', 'smallint'),
      ('mes', 'smallint'),
      ('ano_mes', 'text'),
      ('regiao_id', 'text'),
      ('regiao_nome', 'text'),
      ('pedidos', 'bigint'),
      ('clientes', 'bigint'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('pedidos_com_desconto', 'bigint'),
      ('pedidos_sem_desconto', 'bigint'),
      ('linhas', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('margem_bruta', 'numeric(16,2)'),
      ('valor_bruto_com_desconto', 'numeric(16,2)'),
      ('valor_desconto_com_desconto', 'numeric(16,2)'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)')$$,
    'mart.vw_pedidos_diarios: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_vendas'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('item_pedido_id', 'text'),
      ('pedido_id', 'text'),
      ('linha', 'integer'),
      ('data_sk', 'integer'),
      ('data', 'date'),
      ('ano', 'smallint'),
      ('trimestre', 'smallint'),
      ('mes', 'smallint'),
      ('nome_mes', 'text'),
      ('ano_mes', 'text'),
      ('dia_semana', 'smallint'),
      ('nome_dia_semana', 'text'),
      ('eh_dia_util', 'boolean'),
      ('eh_feriado', 'boolean'),
      ('cliente_id', 'text'),
      ('cliente_nome', 'text'),
      ('cidade', 'text'),
      ('uf', 'text'),
      ('segmento', 'text'),
      ('regiao_id', 'text'),
      ('regiao_nome', 'text'),
      ('produto_id', 'text'),
      ('produto_nome', 'text'),
      ('categoria', 'text'),
      ('subcategoria', 'text'),
      ('vendedor_id', 'text'),
      ('vendedor_nome', 'text'),
      ('equipe_id', 'text'),
      ('equipe_nome', 'text'),
      ('desconto_id', 'text'),
      ('cupom', 'text'),
      ('campanha', 'text'),
      ('status', 'text'),
      ('eh_cancelado', 'boolean'),
      ('tem_desconto', 'boolean'),
      ('quantidade_vendida', 'integer'),
      ('quantidade_devolvida', 'integer'),
      ('data_devolucao', 'date'),
      ('preco_unitario', 'numeric(12,2)'),
      ('valor_bruto', 'numeric(14,2)'),
      ('valor_desconto', 'numeric(14,2)'),
      ('valor_total_liquido', 'numeric(14,2)'),
      ('custo_total', 'numeric(14,2)'),
      ('margem_bruta', 'numeric(14,2)'),
      ('valor_frete', 'numeric(12,2)'),
      ('equipe_atual', 'text'),
      ('equipe_atual_nome', 'text'),
      ('regiao_atual', 'text'),
      ('regiao_atual_nome', 'text'),
      ('cliente_pessoa_id', 'text')$$,
    'mart.vw_vendas: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_vendas_diarias'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('data', 'date'),
      ('ano', 'smallint'),
      ('mes', 'smallint'),
      ('ano_mes', 'text'),
      ('dia_semana', 'smallint'),
      ('eh_dia_util', 'boolean'),
      ('regiao_id', 'text'),
      ('regiao_nome', 'text'),
      ('categoria', 'text'),
      ('equipe_id', 'text'),
      ('equipe_nome', 'text'),
      ('vendedor_id', 'text'),
      ('vendedor_nome', 'text'),
      ('linhas', 'bigint'),
      ('pedidos', 'bigint'),
      ('quantidade_vendida', 'bigint'),
      ('quantidade_devolvida', 'bigint'),
      ('valor_bruto', 'numeric(16,2)'),
      ('valor_desconto', 'numeric(16,2)'),
      ('valor_total_liquido', 'numeric(16,2)'),
      ('custo_total', 'numeric(16,2)'),
      ('margem_bruta', 'numeric(16,2)'),
      ('valor_frete', 'numeric(16,2)'),
      ('linhas_com_desconto', 'bigint'),
      ('receita_com_desconto', 'numeric(16,2)'),
      ('receita_sem_desconto', 'numeric(16,2)'),
      ('custo_com_desconto', 'numeric(16,2)')$$,
    'mart.vw_vendas_diarias: column names, order and types are the published contract');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_versao_warehouse'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('versao', 'integer'),
      ('aplicada_em', 'timestamp with time zone'),
      ('scripts_aplicados', 'integer')$$,
    'mart.vw_versao_warehouse: column names, order and types are the published contract');

SELECT ok(has_table_privilege('bi_reader', 'mart.agg_pedidos_diarios', 'SELECT'), 'bi_reader may SELECT mart.agg_pedidos_diarios');
SELECT ok(has_table_privilege('bi_reader', 'mart.agg_vendas_diarias', 'SELECT'), 'bi_reader may SELECT mart.agg_vendas_diarias');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_descontos_diarios', 'SELECT'), 'bi_reader may SELECT mart.vw_descontos_diarios');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_atualizacao', 'SELECT'), 'bi_reader may SELECT mart.vw_atualizacao');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_descontos_campanhas', 'SELECT'), 'bi_reader may SELECT mart.vw_descontos_campanhas');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_devolucoes', 'SELECT'), 'bi_reader may SELECT mart.vw_devolucoes');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_opcoes_filtro', 'SELECT'), 'bi_reader may SELECT mart.vw_opcoes_filtro');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_opcoes_filtro'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('dimensao', 'text'), ('valor', 'text'), ('rotulo', 'text')$$,
    'mart.vw_opcoes_filtro columns and types');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_metas_atingimento', 'SELECT'), 'bi_reader may SELECT mart.vw_metas_atingimento');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_monitor_etl', 'SELECT'), 'bi_reader may SELECT mart.vw_monitor_etl');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_pedidos_diarios', 'SELECT'), 'bi_reader may SELECT mart.vw_pedidos_diarios');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_vendas', 'SELECT'), 'bi_reader may SELECT mart.vw_vendas');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_vendas_diarias', 'SELECT'), 'bi_reader may SELECT mart.vw_vendas_diarias');
SELECT ok(has_table_privilege('bi_reader', 'mart.vw_versao_warehouse', 'SELECT'), 'bi_reader may SELECT mart.vw_versao_warehouse');

SELECT table_privs_are('mart', 'agg_vendas_diarias', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.agg_vendas_diarias');
SELECT table_privs_are('mart', 'agg_pedidos_diarios', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.agg_pedidos_diarios');
SELECT table_privs_are('mart', 'agg_vendas_diarias', 'etl_writer', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
                       'etl_writer may rewrite days and groups (V061) of mart.agg_vendas_diarias (refresh runs as its caller)');
SELECT table_privs_are('mart', 'agg_pedidos_diarios', 'etl_writer', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
                       'etl_writer may rewrite days of mart.agg_pedidos_diarios');
SELECT table_privs_are('mart', 'agg_vendas_mensais_categoria', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.agg_vendas_mensais_categoria');
SELECT table_privs_are('mart', 'agg_vendas_mensais_vendedor', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.agg_vendas_mensais_vendedor');
SELECT table_privs_are('mart', 'agg_descontos_diarios', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.agg_descontos_diarios');
SELECT table_privs_are('mart', 'agg_vendas_mensais_categoria', 'etl_writer', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
                       'etl_writer may adjust months of mart.agg_vendas_mensais_categoria (the refresh merges differences)');
SELECT table_privs_are('mart', 'agg_vendas_mensais_vendedor', 'etl_writer', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
                       'etl_writer may adjust months of mart.agg_vendas_mensais_vendedor');
SELECT table_privs_are('mart', 'agg_descontos_diarios', 'etl_writer', ARRAY['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
                       'etl_writer may rewrite days of mart.agg_descontos_diarios');
SELECT ok(NOT has_table_privilege('bi_reader', 'audit.rejected_rows', 'SELECT'),
          'bi_reader cannot read audit.rejected_rows (raw rows)');
SELECT results_eq(
    $$SELECT a.attname::text COLLATE "default", format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      WHERE a.attrelid = 'mart.vw_rejeicoes_abertas'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum$$,
    $$VALUES ('entidade', 'text'), ('regra', 'text'), ('linhas', 'bigint'),
             ('primeira_em', 'timestamp with time zone'), ('ultima_em', 'timestamp with time zone')$$,
    'mart.vw_rejeicoes_abertas: counts and dates by entity and rule, no row content');
SELECT table_privs_are('mart', 'vw_rejeicoes_abertas', 'bi_reader', ARRAY['SELECT'],
                       'bi_reader only reads mart.vw_rejeicoes_abertas');
SELECT ok(NOT has_table_privilege('bi_reader', 'audit.vw_rejeicoes_abertas', 'SELECT'),
          'bi_reader cannot read audit.vw_rejeicoes_abertas (raw rows)');
SELECT has_function('etl', 'refresh_agg_vendas_diarias', ARRAY['bigint', 'date', 'date'],
                     'etl.refresh_agg_vendas_diarias(bigint, date, date) exists');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'etl.refresh_agg_vendas_diarias(bigint, date, date)'::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp', 'work_mem=256MB'],
          'the refresh procedure pins its search_path, and its work_mem (a first load groups every line in one call)');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL),
          NULL, 'every mart object carries a COMMENT');

SELECT * FROM finish();
ROLLBACK;
