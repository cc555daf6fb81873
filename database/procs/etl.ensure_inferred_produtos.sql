-- etl.ensure_inferred_produtos: inferred members of dim.dim_produto for natural keys not loaded yet.
-- Purpose: a fact (or a child dimension) may reference a produto_id that dim.dim_produto does not hold yet
--   (late-arriving dimension row); rather than drop or misattribute the row, insert a placeholder
--   with inferido = true and nome 'Não informado (inferido)'.
--   The real row, when it arrives, completes it (etl.load_dim_produto sets inferido = false).
-- Source: p_ids (NULLs and duplicates ignored; NULL references map to the unknown member -1 in
--   the caller).  Target: dim.dim_produto.  Returns the number of members inserted.
-- Called by: etl.load_* procedures that resolve produto_id.  Rerun: keys already present are skipped
--   (NOT EXISTS first, so no identity values are burnt; ON CONFLICT guards a concurrent insert).
-- SCD2 (V020): the member is a first version (-infinity, infinity, eh_atual, versao 1) by the
--   column defaults; the real row completes that version in place.
-- Does not commit.
CREATE OR REPLACE FUNCTION etl.ensure_inferred_produtos(p_run_id bigint, p_ids text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO dim.dim_produto (produto_id, nome, inferido, inserted_run_id)
    SELECT k.id, 'Não informado (inferido)', true, p_run_id
    FROM (SELECT DISTINCT u.id FROM unnest(p_ids) AS u(id) WHERE u.id IS NOT NULL) AS k
    -- eh_atual: every key has exactly one current version, and the predicate matches the partial unique
    -- index dim_produto_atual_unica; without it the planner probed the no-overlap GiST index (17 s vs 1 s
    -- for 232k keys at scale 1)
    WHERE NOT EXISTS (SELECT 1 FROM dim.dim_produto AS d WHERE d.produto_id = k.id AND d.eh_atual)
    ON CONFLICT (produto_id) WHERE eh_atual DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION etl.ensure_inferred_produtos(bigint, text[]) IS
    'Inserts inferred (inferido = true) members of dim.dim_produto for natural keys it does not hold yet; returns how many.';
