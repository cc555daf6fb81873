-- etl.resolver_rejeicoes: marks resolved the open rejects of keys a load has now accepted or seen
--   deleted at the source. Grain: one audit.rejeicoes_resolvidas row per reject resolved.
-- Source: p_chaves (natural keys of p_entity: those whose latest staged state passed every screen,
--   or tombstoned keys), audit.rejected_rows. Target: audit.rejeicoes_resolvidas (inserts only:
--   rejects are never updated). p_motivo: 'carregada' or 'excluida_na_origem'.
-- Every open reject of such a key is resolved, whatever the run that rejected it, including a
--   reject of an earlier state of the key in this same batch. Returns how many were resolved.
-- Called by: the etl.load_* procedures, after their screens, in their transaction.
-- Rerun: already resolved rejects are skipped (NOT EXISTS, ON CONFLICT).  Does not commit.
CREATE OR REPLACE FUNCTION etl.resolver_rejeicoes(p_run_id bigint, p_entity text, p_chaves text[],
                                                  p_motivo text DEFAULT 'carregada')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    IF cardinality(p_chaves) IS NOT DISTINCT FROM 0 OR p_chaves IS NULL THEN
        RETURN 0;
    END IF;
    INSERT INTO audit.rejeicoes_resolvidas (rejected_id, run_id, motivo)
    SELECT r.rejected_id, p_run_id, p_motivo
    FROM audit.rejected_rows AS r
    WHERE r.entity = p_entity AND r.natural_key = ANY (p_chaves)
      AND NOT EXISTS (SELECT 1 FROM audit.rejeicoes_resolvidas AS x WHERE x.rejected_id = r.rejected_id)
    ON CONFLICT (rejected_id) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION etl.resolver_rejeicoes(bigint, text, text[], text) IS
    'Registra como resolvidas as rejeições abertas das chaves aceitas (ou excluídas na origem) por uma carga.';
