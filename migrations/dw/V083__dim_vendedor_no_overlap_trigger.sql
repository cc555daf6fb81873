-- V083 (dw): dim.dim_vendedor's no-overlap rule moves from the GiST exclusion constraint of V032 to
-- the statement-level triggers of etl.scd2_sem_sobreposicao (V080): same rule (no two versions of
-- one vendedor_id valid on the same day), same refusal (23P01, constraint dim_vendedor_sem_sobreposicao),
-- checked per statement over the keys it wrote, through the unique btree (vendedor_id, valido_de).
-- Grain: one pair of triggers (INSERT, UPDATE: a trigger with transition tables takes one event)
--   on the table; MERGE and COPY fire them too. DELETE cannot create an overlap.
-- The rows already there are checked once below (they were under the constraint: nothing found).
-- A suspension left saved by etl.bulk_load_begin (only a session that committed between begin and
--   end can leave one) would re-create the constraint: its saved row goes too.
-- Rerun: applied once (versioned).
DELETE FROM ctl.suspended_definition
WHERE table_name = 'dim.dim_vendedor'::regclass AND object_name = 'dim_vendedor_sem_sobreposicao';
ALTER TABLE dim.dim_vendedor DROP CONSTRAINT IF EXISTS dim_vendedor_sem_sobreposicao;

CREATE TRIGGER dim_vendedor_sem_sobreposicao_insert
    AFTER INSERT ON dim.dim_vendedor REFERENCING NEW TABLE AS novas
    FOR EACH STATEMENT EXECUTE FUNCTION etl.scd2_sem_sobreposicao('vendedor_id');
CREATE TRIGGER dim_vendedor_sem_sobreposicao_update
    AFTER UPDATE ON dim.dim_vendedor REFERENCING NEW TABLE AS novas
    FOR EACH STATEMENT EXECUTE FUNCTION etl.scd2_sem_sobreposicao('vendedor_id');
COMMENT ON TRIGGER dim_vendedor_sem_sobreposicao_insert ON dim.dim_vendedor IS
    'Sem sobreposição de versões: recusa (23P01) duas versões do mesmo vendedor_id válidas no mesmo dia (chaves inseridas).';
COMMENT ON TRIGGER dim_vendedor_sem_sobreposicao_update ON dim.dim_vendedor IS
    'Sem sobreposição de versões: recusa (23P01) duas versões do mesmo vendedor_id válidas no mesmo dia (chaves alteradas).';

-- the rows already loaded (a no-op UPDATE would fire the check but rewrite every row)
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT valido_de, lag(valido_ate) OVER (PARTITION BY vendedor_id ORDER BY valido_de) AS ant_ate
                              FROM dim.dim_vendedor) AS v
               WHERE v.ant_ate > v.valido_de) THEN
        RAISE EXCEPTION 'dim.dim_vendedor holds overlapping versions' USING ERRCODE = 'exclusion_violation';
    END IF;
END
$$;
