-- mart.vw_atualizacao: PROVISIONAL (dashboards branch) until work-mart delivers it.
-- Purpose: "dados atualizados até ..." on every dashboard page.
-- Source: fact.fact_vendas, audit.etl_run.  Grain: one row.
-- Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_atualizacao AS
SELECT (SELECT max(d.data) FROM fact.fact_vendas f JOIN dim.dim_data d ON d.data_sk = f.data_sk) AS dados_ate,
       (SELECT max(r.finished_at) FROM audit.etl_run r WHERE r.status = 'succeeded') AS ultima_carga_ok,
       (SELECT r.status FROM audit.etl_run r ORDER BY r.started_at DESC LIMIT 1) AS status_ultima_execucao;

COMMENT ON VIEW mart.vw_atualizacao IS 'Até que dia há dados e quando terminou a última carga bem-sucedida (provisória).';
