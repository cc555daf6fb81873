-- etl.ensure_inferred_equipes: inferred members of dim.dim_equipe for natural keys not loaded yet.
-- Purpose: a fact (or a child dimension) may reference a equipe_id that dim.dim_equipe does not hold yet
--   (late-arriving dimension row); rather than drop or misattribute the row, insert a placeholder
--   with inferido = true and nome 'Não informado (inferido)',
--     regiao_sk -1 (its region is unknown until the real row arrives)
--   The real row, when it arrives, completes it (etl.load_dim_equipe sets inferido = false).
-- Source: p_ids (NULLs and duplicates ignored; NULL references map to the unknown member -1 in
--   the caller).  Target: dim.dim_equipe.  Returns the number of members inserted.
-- Called by: etl.load_* procedures that resolve equipe_id.  Rerun: keys already present are skipped
--   (NOT EXISTS first, so no identity values are burnt; ON CONFLICT guards a concurrent insert).
-- Does not commit.
CREATE OR REPLACE FUNCTION etl.ensure_inferred_equipes(p_run_id bigint, p_ids text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO dim.dim_equipe (equipe_id, nome, inferido, inserted_run_id)
    SELECT k.id, 'Não informado (inferido)', true, p_run_id
    FROM (SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id) WHERE u.id IS NOT NULL) AS k
    WHERE NOT EXISTS (SELECT 1 FROM dim.dim_equipe AS d WHERE d.equipe_id = k.id)
    ON CONFLICT (equipe_id) DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION etl.ensure_inferred_equipes(bigint, text[]) IS
    'Inserts inferred (inferido = true) members of dim.dim_equipe for natural keys it does not hold yet; returns how many.';
