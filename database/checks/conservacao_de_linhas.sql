-- check: conservacao_de_linhas
-- severity: block
-- description: Em cada entidade da execução, linhas extraídas = carregadas (inseridas + atualizadas + inalteradas) + rejeitadas, e as rejeitadas estão em audit.rejected_rows.
SELECT e.entity, e.rows_read, e.rows_inserted, e.rows_updated, e.rows_unchanged, e.rows_rejected,
       (SELECT count(*) FROM audit.rejected_rows r WHERE r.run_id = e.run_id AND r.entity = e.entity) AS rejeitadas_registradas
FROM audit.etl_run_entity e
WHERE e.run_id = %(run_id)s
  AND (e.rows_read <> e.rows_inserted + e.rows_updated + e.rows_unchanged + e.rows_rejected
       OR e.rows_rejected <> (SELECT count(*) FROM audit.rejected_rows r WHERE r.run_id = e.run_id AND r.entity = e.entity))
