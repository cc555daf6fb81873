-- etl.bulk_load_begin: before a bulk load into an empty table, drop its foreign keys, exclusion
--   constraints and secondary (non-unique) indexes, saving their definitions in
--   ctl.suspended_definition; etl.bulk_load_end puts them back in the same transaction.
-- Why: a foreign key is checked row by row (one index probe per row and key: 7 keys x 1M lines
--   was most of the first load at scale 1), an exclusion constraint probes its GiST index per
--   row (the type-2 dimensions' no-overlap rule), an index is maintained row by row; added back
--   after the load, each key is validated by one set-based query and each index built once.
-- Grain: one saved row per constraint / index. Primary keys, unique constraints and foreign keys
--   that point AT the table stay (the MERGE needs the keys; they check nothing per row here).
-- When: the caller decides (the loads call it when the table is empty, or holds only the unknown
--   member): the DDL locks the table and validation at the end reads all of it.
-- Security: SECURITY DEFINER (runs as the owner, dw_owner: DDL); only for the tables named
--   below. No row stays unchecked: etl.bulk_load_end re-adds every constraint in the same
--   transaction and validates every row of the table, old and new.
-- Rerun: objects already suspended are gone from the catalog, so nothing is saved twice.
--   Does not commit.
CREATE OR REPLACE PROCEDURE etl.bulk_load_begin(p_table regclass, p_run_id bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_obj record;
BEGIN
    IF p_table NOT IN ('fact.fact_vendas'::regclass, 'fact.fact_descontos'::regclass,
                       'dim.dim_cliente'::regclass, 'dim.dim_produto'::regclass, 'dim.dim_vendedor'::regclass) THEN
        RAISE EXCEPTION 'bulk_load_begin: % is not a table with a bulk path', p_table
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_obj IN
        SELECT c.conname AS name, CASE c.contype WHEN 'f' THEN 'foreign_key' ELSE 'exclusion' END AS kind,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, c.conname, pg_get_constraintdef(c.oid)) AS def,
               format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, c.conname) AS drop_sql
        FROM pg_constraint AS c
        WHERE c.conrelid = p_table AND c.contype IN ('f', 'x')
        UNION ALL
        SELECT ic.relname, 'index', pg_get_indexdef(i.indexrelid),
               format('DROP INDEX %I.%I', n.nspname, ic.relname)
        FROM pg_index AS i
        JOIN pg_class AS ic ON ic.oid = i.indexrelid
        JOIN pg_namespace AS n ON n.oid = ic.relnamespace
        WHERE i.indrelid = p_table AND NOT i.indisunique AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)
        ORDER BY 2, 1
    LOOP
        INSERT INTO ctl.suspended_definition (table_name, object_name, kind, definition, run_id)
        VALUES (p_table, v_obj.name, v_obj.kind, v_obj.def, p_run_id);
        EXECUTE v_obj.drop_sql;
    END LOOP;
END
$$;

COMMENT ON PROCEDURE etl.bulk_load_begin(regclass, bigint) IS
    'Carga em massa numa tabela vazia: retira chaves estrangeiras, restrições de exclusão e índices secundários, guardando as definições em ctl.suspended_definition.';
