-- mart.vw_verificacoes_qualidade: quality-gate results per run, readable by bi_reader.
-- Purpose: the Monitor ETL dashboard shows failed checks without reading dq (which bi_reader
--          cannot); added by the dashboards branch next to mart.vw_monitor_etl.
-- Source: dq.check_result.  Grain: run x check. No offending row contents (those stay in dq).
-- Called by: dashboards/queries.py (execucoes). Rerun: CREATE OR REPLACE; does not commit.
CREATE OR REPLACE VIEW mart.vw_verificacoes_qualidade AS
SELECT c.run_id,
       c.check_name      AS verificacao,
       c.severity        AS severidade,
       c.status,
       c.offending_rows  AS linhas_com_problema,
       c.figure          AS valor,
       c.message         AS mensagem,
       c.checked_at      AS verificado_em,
       c.seconds         AS duracao_s
FROM dq.check_result c;

COMMENT ON VIEW mart.vw_verificacoes_qualidade IS
    'Resultado das verificações de qualidade por execução da carga (pass/fail/error, severidade block/warn), '
    'sem o conteúdo das linhas reprovadas.';
