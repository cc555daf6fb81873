-- etl.suspend_fact_definitions: before a bulk load into an EMPTY fact table, drop its foreign keys
--   and secondary (non-unique) indexes, saving their definitions in ctl.suspended_definition.
-- Why: a foreign key is checked row by row (one index probe per row and key: 7 keys x 1M lines
--   was most of the first load at scale 1); added back after the load it is validated by one
--   set-based query, and an index built once is cheaper than maintained row by row.
-- Grain: one saved row per foreign key / index. Primary keys, unique indexes and foreign keys
--   that point AT the table stay (the MERGE needs the key; they check nothing per row here).
-- Security: SECURITY DEFINER (runs as the owner, dw_owner: DDL); only for the fact tables named
--   below and only while the table is empty, so no row can enter unchecked: every row loaded is
--   checked when etl.restore_fact_definitions re-adds the keys in the same transaction.
-- Rerun: raises if the table is not empty; already-suspended objects are not saved twice.
--   Does not commit.
CREATE OR REPLACE PROCEDURE etl.suspend_fact_definitions(p_table regclass, p_run_id bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_obj record;
    v_empty boolean;
BEGIN
    IF p_table NOT IN ('fact.fact_vendas'::regclass, 'fact.fact_descontos'::regclass) THEN
        RAISE EXCEPTION 'suspend_fact_definitions: % is not a fact table with a bulk path', p_table
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', p_table) INTO v_empty;
    IF NOT v_empty THEN
        RAISE EXCEPTION 'suspend_fact_definitions: % is not empty', p_table
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR v_obj IN
        SELECT c.conname AS name, 'foreign_key' AS kind,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, c.conname, pg_get_constraintdef(c.oid)) AS def,
               format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, c.conname) AS drop_sql
        FROM pg_constraint AS c
        WHERE c.conrelid = p_table AND c.contype = 'f'
        UNION ALL
        SELECT ic.relname, 'index', pg_get_indexdef(i.indexrelid),
               format('DROP INDEX %I.%I', n.nspname, ic.relname)
        FROM pg_index AS i
        JOIN pg_class AS ic ON ic.oid = i.indexrelid
        JOIN pg_namespace AS n ON n.oid = ic.relnamespace
        WHERE i.indrelid = p_table AND NOT i.indisunique AND NOT i.indisprimary
        ORDER BY 2, 1
    LOOP
        INSERT INTO ctl.suspended_definition (table_name, object_name, kind, definition, run_id)
        VALUES (p_table, v_obj.name, v_obj.kind, v_obj.def, p_run_id);
        EXECUTE v_obj.drop_sql;
    END LOOP;
END
$$;

COMMENT ON PROCEDURE etl.suspend_fact_definitions(regclass, bigint) IS
    'Carga em massa numa tabela de fato vazia: retira chaves estrangeiras e índices secundários, guardando as definições em ctl.suspended_definition.';
