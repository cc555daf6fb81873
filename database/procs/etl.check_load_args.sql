-- etl.check_load_args: the argument checks shared by every etl.load_* procedure.
-- Purpose: reject a bad call before any row is touched, with a named SQLSTATE:
--   p_run_id NULL                                  -> invalid_parameter_value (22023)
--   p_run_id not in audit.etl_run                  -> foreign_key_violation (23503)
--   only one of p_reprocess_from / p_reprocess_to  -> invalid_parameter_value
--   p_reprocess_from > p_reprocess_to              -> invalid_parameter_value
-- Source/target: reads audit.etl_run; writes nothing.  Called by: every etl.load_* procedure.
-- Rerun: pure check, no side effects.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.check_load_args(p_run_id bigint, p_reprocess_from date DEFAULT NULL,
                                                p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'p_run_id must not be null'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'open an audit.etl_run row first and pass its run_id';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.etl_run AS r WHERE r.run_id = p_run_id) THEN
        RAISE EXCEPTION 'run % does not exist in audit.etl_run', p_run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF (p_reprocess_from IS NULL) <> (p_reprocess_to IS NULL) THEN
        RAISE EXCEPTION 'p_reprocess_from and p_reprocess_to must be given together (got % and %)',
                        p_reprocess_from, p_reprocess_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_reprocess_from > p_reprocess_to THEN
        RAISE EXCEPTION 'p_reprocess_from % is after p_reprocess_to %', p_reprocess_from, p_reprocess_to
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.check_load_args(bigint, date, date) IS
    'Checks the arguments of a load procedure (run id present and existing, reprocess window complete and ordered); raises 22023/23503.';
