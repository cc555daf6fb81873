-- mart.vw_atualizacao: "dados atualizados até ..." for every dashboard page.
-- Purpose: one row telling how fresh the warehouse is, readable by bi_reader.
-- Source: fact.fact_vendas (max order day; max(data_sk) uses index fact_vendas_data),
--         dim.dim_data, audit.etl_run (last succeeded run, last run of any status).
-- Grain: one row (NULLs on an empty warehouse).
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_atualizacao;
CREATE VIEW mart.vw_atualizacao AS
SELECT (SELECT d.data FROM dim.dim_data d
         WHERE d.data_sk = (SELECT max(f.data_sk) FROM fact.fact_vendas f WHERE f.data_sk > 0))
                                                                          AS dados_ate,
       (SELECT max(r.finished_at) FROM audit.etl_run r WHERE r.status = 'succeeded')
                                                                          AS ultima_carga_ok,
       (SELECT r.status FROM audit.etl_run r ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1)
                                                                          AS status_ultima_execucao,
       (SELECT max(r.started_at) FROM audit.etl_run r)                    AS ultima_execucao_em;

COMMENT ON VIEW mart.vw_atualizacao IS
    'Uma linha: data do pedido mais recente no warehouse (dados atualizados até), término da última '
    'carga bem-sucedida e status da última execução.';
