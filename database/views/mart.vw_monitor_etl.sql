-- mart.vw_monitor_etl: load runs with their entities, for the ETL monitor (bi_reader).
-- Purpose: status, durations, row counts, rejections and failures of every run, readable by
--          bi_reader, which has no access to the audit schema (the view runs with its owner's
--          rights). It exposes counts only: never audit.rejected_rows.raw, nor run parameters.
--          error_message is shown: the harness redacts credentials before writing it.
-- Source: audit.etl_run LEFT JOIN audit.etl_run_entity (a run without entity rows yet, e.g.
--         failed early, still shows, with entidade NULL).
-- Grain: run x entity. duracao_s of a running run counts up to now().
-- dados_origem_ate = the entity's watermark after the run (newest source updated_at loaded);
-- NULL where unknown (before the first load the watermark is -infinity, which clients cannot read).
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_monitor_etl;
CREATE VIEW mart.vw_monitor_etl AS
SELECT r.run_id,
       r.command                                         AS comando,
       r.trigger                                         AS gatilho,
       r.status,
       r.business_date                                   AS data_negocio,
       r.started_at                                      AS iniciado_em,
       r.finished_at                                     AS terminado_em,
       extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::numeric(12,3) AS duracao_s,
       r.code_version                                    AS versao_codigo,
       r.failed_step                                     AS etapa_falha,
       r.error_sqlstate                                  AS erro_sqlstate,
       r.error_message                                   AS erro,
       e.entity                                          AS entidade,
       e.rows_read                                       AS linhas_lidas,
       e.rows_inserted                                   AS linhas_inseridas,
       e.rows_updated                                    AS linhas_atualizadas,
       e.rows_deleted                                    AS linhas_excluidas,
       e.rows_unchanged                                  AS linhas_inalteradas,
       e.rows_rejected                                   AS linhas_rejeitadas,
       e.started_at                                      AS entidade_iniciada_em,
       e.finished_at                                     AS entidade_terminada_em,
       extract(epoch FROM e.finished_at - e.started_at)::numeric(12,3) AS entidade_duracao_s,
       CASE WHEN isfinite(e.watermark_from) THEN e.watermark_from END AS dados_origem_de,
       CASE WHEN isfinite(e.watermark_to) THEN e.watermark_to END     AS dados_origem_ate
FROM audit.etl_run r
LEFT JOIN audit.etl_run_entity e ON e.run_id = r.run_id;

COMMENT ON VIEW mart.vw_monitor_etl IS
    'Execuções da carga por entidade: status, duração, linhas lidas/inseridas/atualizadas/excluídas/'
    'rejeitadas, falhas e marca d''água da origem. Sem o conteúdo das linhas rejeitadas.';
