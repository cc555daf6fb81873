-- etl.scd2_sem_sobreposicao(): the statement-level trigger function that keeps the no-overlap rule
-- of the type-2 dimensions (dim_cliente, dim_produto, dim_vendedor; triggers of V081-V083).
-- Created by V080; this file is its source from session 4 on (a repeatable object, re-applied by
-- `harness migrate` when it changes), so a change to it needs no new migration.
-- Rule: no two versions of one natural key may hold on the same day (V032's exclusion constraint
--   did it with a GiST index, 16-18 s to build on a first load at scale 1, see V080).
-- Grain: one call per INSERT / UPDATE / MERGE / COPY statement, with the rows it wrote (transition
--   table `novas`); it checks only the keys written, through the unique btree (key, valido_de) every
--   type-2 dimension has (V020 *_versao_unica). A statement writing more than 10,000 rows checks the
--   whole table in one pass of that index (0.3 s for 232k customers).
-- Small statements read the written keys as one array (`key = ANY (ARRAY(...))`: one index scan
--   returning the keys' versions in index order). Joining the transition table instead let the
--   planner, misled by LIMIT 1, walk the whole index in a merge join: 165 ms for the 269 customers
--   of a daily load at scale 1 against 0.9 ms now.
-- Why checking neighbours is enough: valido_de < valido_ate on every row (CHECK, V020), so the
--   intervals are non-empty; ordered by valido_de, a key's versions overlap somewhere iff some
--   version starts before its predecessor ends.
-- Refusal: SQLSTATE 23P01 (exclusion_violation), constraint name <table>_sem_sobreposicao, raised
--   by the statement that makes the overlap (not deferred).
-- Concurrency: the table's row of ctl.scd2_lock, taken FOR UPDATE (only writers can: V143),
--   serialises the checks of concurrent writers, and the check (READ COMMITTED: a new snapshot
--   after the lock) sees every version committed before it. Under REPEATABLE READ / SERIALIZABLE
--   a committed concurrent version could be invisible, so a write there is refused with 40001.
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
    PERFORM 1 FROM ctl.scd2_lock AS k WHERE k.table_name = TG_RELID FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ctl.scd2_lock has no row for %.%: a type-2 dimension''s migration must add it',
                        TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE 'SELECT count(*) FROM novas' INTO v_written;
    IF v_written = 0 THEN
        RETURN NULL;
    END IF;
    -- a large statement (a first load: every key at once) checks the whole table in one ordered
    -- pass of the btree (0.3 s for 232k customers); a join of that many keys sorted and spilled
    -- them (4.8 s); a small one reads the keys written as one array (see the header)
    EXECUTE format($q$
        SELECT v.chave, v.valido_de, v.valido_ate, v.ant_de, v.ant_ate
        FROM (SELECT x.%1$I AS chave, x.valido_de, x.valido_ate,
                     lag(x.valido_de) OVER w AS ant_de, lag(x.valido_ate) OVER w AS ant_ate
              FROM %2$s AS x
              %3$s
              WINDOW w AS (PARTITION BY x.%1$I ORDER BY x.valido_de)) AS v
        WHERE v.ant_ate > v.valido_de
        LIMIT 1$q$, v_key, TG_RELID::regclass,
        CASE WHEN v_written > 10000 THEN ''
             ELSE format('WHERE x.%1$I = ANY (ARRAY(SELECT DISTINCT n.%1$I FROM novas AS n))', v_key) END)
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
