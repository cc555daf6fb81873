-- etl.bulk_load_end: re-create the foreign keys, exclusion constraints and indexes that
--   etl.bulk_load_begin took off a table, from ctl.suspended_definition, then ANALYZE the
--   table (a bulk-filled table has no statistics yet).
-- Each constraint is validated over the whole table by one statement: an orphan row or an
--   overlap makes this call fail, and with it the load's transaction (nothing half-loaded stays).
-- Grain: one statement per saved row; the rows are deleted as they are restored.
-- Security: SECURITY DEFINER (dw_owner: DDL); it only runs definitions saved by the owner's own
--   begin procedure (etl_writer cannot write ctl.suspended_definition).
-- Rerun: nothing saved for the table = nothing to do (every load of such a table calls it first,
--   so a suspension left by a session that committed in between heals itself).  Does not commit.
CREATE OR REPLACE PROCEDURE etl.bulk_load_end(p_table regclass)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_def record;
    v_any boolean := false;
BEGIN
    FOR v_def IN
        DELETE FROM ctl.suspended_definition WHERE table_name = p_table
        RETURNING object_name, kind, definition
    LOOP
        v_any := true;
        EXECUTE v_def.definition;
    END LOOP;
    IF v_any THEN
        EXECUTE format('ANALYZE %s', p_table);
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.bulk_load_end(regclass) IS
    'Recria as chaves estrangeiras e restrições de exclusão (validadas de uma vez) e os índices retirados por etl.bulk_load_begin, e analisa a tabela.';
