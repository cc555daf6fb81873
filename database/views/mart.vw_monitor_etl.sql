-- mart.vw_monitor_etl: PROVISIONAL (dashboards branch) until work-mart delivers it.
-- Purpose: lets bi_reader (the dashboards) see runs and per-entity counts without reading audit.
-- Source: audit.etl_run, audit.etl_run_entity, dq.check_result.
-- Grain: run x entity (one row with entity NULL for a run without entity rows).
-- Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_monitor_etl AS
SELECT r.run_id, r.command AS comando, r.trigger AS gatilho, r.status, r.business_date AS data_negocio,
       r.started_at AS iniciado_em, r.finished_at AS terminado_em,
       extract(epoch FROM r.finished_at - r.started_at)::numeric(12,3) AS duracao_s,
       r.failed_step AS etapa_falha, r.error_message AS erro,
       e.entity AS entidade, e.rows_read AS linhas_lidas, e.rows_inserted AS linhas_inseridas,
       e.rows_updated AS linhas_atualizadas, e.rows_deleted AS linhas_excluidas,
       e.rows_unchanged AS linhas_inalteradas, e.rows_rejected AS linhas_rejeitadas,
       extract(epoch FROM e.finished_at - e.started_at)::numeric(12,3) AS entidade_duracao_s,
       (SELECT count(*) FROM dq.check_result c WHERE c.run_id = r.run_id AND c.status <> 'pass')::integer
           AS verificacoes_reprovadas,
       (SELECT string_agg(c.check_name || ' (' || c.severity || ')', ', ' ORDER BY c.check_name)
          FROM dq.check_result c WHERE c.run_id = r.run_id AND c.status <> 'pass') AS verificacoes_reprovadas_nomes
FROM audit.etl_run r
LEFT JOIN audit.etl_run_entity e ON e.run_id = r.run_id;

COMMENT ON VIEW mart.vw_monitor_etl IS 'Execuções da carga por entidade, com contagens e verificações reprovadas (provisória).';
