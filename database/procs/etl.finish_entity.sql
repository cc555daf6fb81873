-- etl.finish_entity: the common tail of every etl.load_* procedure.
-- Purpose: advance the entity's watermark in ctl.etl_control to greatest(current, p_watermark_to)
--   (a NULL p_watermark_to keeps it), record last_run_id, and insert the entity's
--   audit.etl_run_entity row with rows_unchanged = read - inserted - updated - rejected, so the
--   table's CHECK (read = inserted + updated + unchanged + rejected) holds by construction; a
--   negative remainder means the caller counted wrong and raises internal_error (XX000).
--   watermark_from / watermark_to in the audit row are the watermark before and after.
--   rows_rejected counts the reject records this call added (a re-read reject is unchanged);
--   rows_rejected_first, of the run's rejects of this entity, those of rows with no reject open from
--   an earlier run (etl.rejeicao_primeira). p_valor_lido / p_valor_rejeitado (facts only): value
--   read, and value of those new problems. The reject-share gate reads the last three.
-- Source/target: ctl.etl_control (upsert), audit.etl_run_entity (through audit.fn_somar_entidade).
-- Called by: the etl.load_* procedures, last, in the caller's transaction.
-- Rerun: a second call for the same (run, entity) adds its counts and values to that run's row and
--   moves watermark_to; the CHECK still holds for the sums.  Does not commit.
DROP PROCEDURE IF EXISTS etl.finish_entity(bigint, text, timestamptz, timestamptz, bigint, bigint, bigint, bigint, bigint);
CREATE OR REPLACE PROCEDURE etl.finish_entity(p_run_id bigint, p_entity text, p_started_at timestamptz,
                                              p_watermark_to timestamptz, p_rows_read bigint,
                                              p_rows_inserted bigint, p_rows_updated bigint,
                                              p_rows_deleted bigint, p_rows_rejected bigint,
                                              p_valor_lido numeric DEFAULT NULL,
                                              p_valor_rejeitado numeric DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_from      timestamptz;
    v_to        timestamptz;
    v_unchanged bigint := p_rows_read - p_rows_inserted - p_rows_updated - p_rows_rejected;
    v_first     bigint;
BEGIN
    IF p_entity IS NULL OR p_run_id IS NULL OR p_started_at IS NULL THEN
        RAISE EXCEPTION 'p_run_id, p_entity and p_started_at are required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_unchanged < 0 THEN
        RAISE EXCEPTION '%: counts do not add up: read % < inserted % + updated % + rejected %',
                        p_entity, p_rows_read, p_rows_inserted, p_rows_updated, p_rows_rejected
            USING ERRCODE = 'internal_error';
    END IF;

    -- every reject of the run so far (a second call of the run recounts them all)
    SELECT count(*) INTO v_first FROM audit.rejected_rows AS r
    WHERE r.run_id = p_run_id AND r.entity = p_entity AND etl.rejeicao_primeira(p_entity, r.natural_key, p_run_id);

    INSERT INTO ctl.etl_control AS c (entity) VALUES (p_entity) ON CONFLICT (entity) DO NOTHING;
    SELECT c.watermark INTO v_from FROM ctl.etl_control AS c WHERE c.entity = p_entity FOR UPDATE;
    v_to := greatest(v_from, p_watermark_to);
    UPDATE ctl.etl_control AS c
       SET watermark = v_to, last_run_id = p_run_id, updated_at = clock_timestamp()
     WHERE c.entity = p_entity;

    PERFORM audit.fn_somar_entidade(p_run_id, p_entity, p_started_at, p_rows_read, p_rows_inserted,
                                    p_rows_updated, p_rows_deleted, v_unchanged, p_rows_rejected,
                                    p_watermark_from => v_from, p_watermark_to => v_to,
                                    p_rows_rejected_first => v_first, p_valor_lido => p_valor_lido,
                                    p_valor_rejeitado => p_valor_rejeitado);
END
$$;

COMMENT ON PROCEDURE etl.finish_entity(bigint, text, timestamptz, timestamptz, bigint, bigint, bigint, bigint, bigint,
                                        numeric, numeric) IS
    'Advances an entity''s watermark (monotone) and writes its audit.etl_run_entity row (unchanged = read - ins - upd - rej).';
