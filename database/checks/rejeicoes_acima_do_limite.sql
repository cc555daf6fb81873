-- check: rejeicoes_acima_do_limite
-- severity: block
-- description: Rejeições novas desta execução acima da parcela permitida do que ela leu, em linhas ou em valor (HARNESS_MAX_REJECT_SHARE, padrão 0,01 = 1 por cento), por entidade; uma linha por regra, as maiores primeiro.
-- The share is of what this run read (a first load: the whole history; a daily load: its window),
-- counting only NEW problems: rows with no reject open from an earlier run (rows_rejected_first; a
-- reject re-read by the overlap or a retry, or a quarantined line re-rejected because its order moved
-- on, is not new), so a run is blocked once for a batch of bad rows and the next run passes. Value:
-- fact entities only (audit.etl_run_entity.valor_lido / valor_rejeitado).
WITH acima AS (
    SELECT e.entity, e.rows_read,
           round(e.rows_rejected_first * 100.0 / nullif(e.rows_read, 0), 2) AS pct_linhas,
           round(e.valor_rejeitado * 100.0 / nullif(e.valor_lido, 0), 2)    AS pct_valor
    FROM audit.etl_run_entity AS e
    WHERE e.run_id = %(run_id)s AND e.rows_rejected_first > 0
      AND (e.rows_rejected_first > %(max_reject_share)s * e.rows_read
           OR e.valor_rejeitado > %(max_reject_share)s * e.valor_lido)
)
SELECT a.entity AS entidade, r.rule AS regra, count(*) AS rejeicoes_novas, a.rows_read AS linhas_lidas,
       a.pct_linhas, a.pct_valor
FROM acima AS a
JOIN audit.rejected_rows AS r ON r.run_id = %(run_id)s AND r.entity = a.entity
WHERE etl.rejeicao_primeira(r.entity, r.natural_key, r.run_id)
GROUP BY a.entity, r.rule, a.rows_read, a.pct_linhas, a.pct_valor
ORDER BY count(*) DESC, a.entity, r.rule
