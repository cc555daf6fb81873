-- etl.rejeicao_primeira: is a reject of run p_run_id a new problem, i.e. did the same source row
--   (entity, natural key) have no reject still open from an earlier run? A row already quarantined and
--   rejected again because it changed (its order moved from approved to shipped, say) is not new.
-- Used by etl.finish_entity (audit.etl_run_entity.rows_rejected_first) and by the fact loads for the
--   value of their new problems, which the reject-share gate reads. A NULL key is always new.
-- Source: audit.rejected_rows (hash index on natural_key), audit.rejeicoes_resolvidas.
-- Pure read; rerun: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION etl.rejeicao_primeira(p_entity text, p_natural_key text, p_run_id bigint)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p_natural_key IS NULL
        OR NOT EXISTS (SELECT 1 FROM audit.rejected_rows AS o
                       WHERE o.natural_key = p_natural_key AND o.entity = p_entity AND o.run_id < p_run_id
                         AND NOT EXISTS (SELECT 1 FROM audit.rejeicoes_resolvidas AS x
                                         WHERE x.rejected_id = o.rejected_id AND x.run_id < p_run_id))
$$;

COMMENT ON FUNCTION etl.rejeicao_primeira(text, text, bigint) IS
    'Verdadeiro se a linha de origem não tinha rejeição aberta de execução anterior: um problema novo.';
