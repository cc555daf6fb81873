-- V080 (dw): etl.scd2_sem_sobreposicao(), the statement-level trigger function that keeps the
-- no-overlap rule of the type-2 dimensions (V032) without a GiST index (issue 9).
-- Purpose: no two versions of one natural key may hold on the same day. V032 enforced it with an
--   exclusion constraint over (key, daterange(valido_de, valido_ate)); its GiST index cost 16-18 s
--   to build on the first load at scale 1 (232k customers, maintenance_work_mem made no difference:
--   17.5 s at 64MB, 18.2 s at 1GB), and the planner kept probing it for key lookups
--   (etl.ensure_inferred_clientes: 232k GiST probes, 13-21 s). The triggers of V081-V083 call this
--   function once per INSERT / UPDATE / MERGE / COPY statement with the rows it wrote (transition
--   table `novas`), and it checks only the keys written, through the unique btree
--   (key, valido_de) every type-2 dimension already has (V020 *_versao_unica): 0.3 s for the
--   whole of dim_cliente at scale 1, a few index probes for a daily load (a statement writing more
--   than 10,000 rows checks the whole table in one pass of that index instead).
-- Why checking neighbours is enough: valido_de < valido_ate on every row (CHECK, V020), so the
--   intervals are non-empty; ordered by valido_de, a key's versions overlap somewhere iff some
--   version starts before its predecessor ends (if no neighbour overlaps, the ends increase with
--   the starts and no two versions overlap).
-- Same refusal as before: SQLSTATE 23P01 (exclusion_violation), constraint name
--   <table>_sem_sobreposicao, raised by the statement that makes the overlap (not deferred).
-- Concurrency: an exclusion constraint also sees rows of writers still in flight. Here a
--   transaction-level advisory lock per table serialises the checks of concurrent writers, and
--   the check (READ COMMITTED: a new snapshot after the lock) sees every version committed before
--   it. Under REPEATABLE READ / SERIALIZABLE a committed concurrent version could be invisible,
--   so a write there is refused (the loads run in READ COMMITTED, one run at a time).
-- Argument: TG_ARGV[0] = the natural-key column. Rerun: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION etl.scd2_sem_sobreposicao()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key        text := TG_ARGV[0];
    v_constraint text := TG_TABLE_NAME || '_sem_sobreposicao';
    v_hit        record;
    v_written    bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'writes to %.% must run in READ COMMITTED (the no-overlap check % must see concurrent writers)',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME, v_constraint
            USING ERRCODE = 'serialization_failure';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('etl.scd2_sem_sobreposicao'), TG_RELID::integer);
    EXECUTE 'SELECT count(*) FROM novas' INTO v_written;
    IF v_written = 0 THEN
        RETURN NULL;
    END IF;
    -- a large statement (a first load: every key at once) checks the whole table in one ordered
    -- pass of the btree (0.3 s for 232k customers); a join of that many keys sorted and spilled
    -- them (4.8 s); a small one probes the btree per key written
    EXECUTE format($q$
        SELECT v.chave, v.valido_de, v.valido_ate, v.ant_de, v.ant_ate
        FROM (SELECT x.%1$I AS chave, x.valido_de, x.valido_ate,
                     lag(x.valido_de) OVER w AS ant_de, lag(x.valido_ate) OVER w AS ant_ate
              FROM %2$s AS x
              %3$s
              WINDOW w AS (PARTITION BY x.%1$I ORDER BY x.valido_de)) AS v
        WHERE v.ant_ate > v.valido_de
        LIMIT 1$q$, v_key, TG_RELID::regclass,
        CASE WHEN v_written > 10000 THEN '' ELSE format('WHERE x.%1$I IN (SELECT n.%1$I FROM novas AS n)', v_key) END)
      INTO v_hit;
    IF v_hit.chave IS NOT NULL THEN
        RAISE EXCEPTION 'conflicting key value violates exclusion constraint "%"', v_constraint
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = v_constraint,
                  SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (%s, daterange(valido_de, valido_ate))=(%s, [%s,%s)) conflicts with existing key (%s, [%s,%s)).',
                                  v_key, v_hit.chave, v_hit.valido_de, v_hit.valido_ate,
                                  v_hit.chave, v_hit.ant_de, v_hit.ant_ate);
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION etl.scd2_sem_sobreposicao() IS
    'Gatilho por instrução das dimensões tipo 2: recusa (23P01) duas versões da mesma chave válidas no mesmo dia, verificando só as chaves escritas pela instrução.';
