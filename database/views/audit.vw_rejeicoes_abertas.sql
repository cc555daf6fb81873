-- audit.vw_rejeicoes_abertas: the open rejects, the current problem of each rejected source row.
-- Purpose: what the screens still keep out of the warehouse (harness status, the reconciliation,
--          which leaves these lines out on both sides, and mart.vw_rejeicoes_abertas).
-- Source: audit.rejected_rows without a row in audit.rejeicoes_resolvidas (the row's key was later
--         accepted or deleted at the source), and only the latest reject of each (entity, key):
--         a row that changed and still fails has a newer reject, which replaces the older one here.
-- Grain: one rejected source row (entity, natural key); raw included (etl_writer only).
-- Rerun: CREATE OR REPLACE (mart.vw_rejeicoes_abertas depends on it: columns are only appended),
--        re-applied by harness migrate when this file changes; no commit.
CREATE OR REPLACE VIEW audit.vw_rejeicoes_abertas AS
SELECT r.rejected_id, r.run_id, r.entity, r.natural_key, r.rule, r.raw, r.rejected_at
FROM audit.rejected_rows AS r
WHERE NOT EXISTS (SELECT 1 FROM audit.rejeicoes_resolvidas AS x WHERE x.rejected_id = r.rejected_id)
  AND NOT EXISTS (SELECT 1 FROM audit.rejected_rows AS n
                  WHERE n.entity = r.entity AND n.natural_key = r.natural_key AND n.rejected_id > r.rejected_id);

COMMENT ON VIEW audit.vw_rejeicoes_abertas IS
    'Rejeições abertas: a última rejeição de cada linha de origem que ainda não foi corrigida e carregada.';
