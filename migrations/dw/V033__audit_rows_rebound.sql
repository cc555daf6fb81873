-- V033 (dw): the audit counts the facts a dimension load re-binds (issue 10).
-- audit.etl_run_entity.rows_rebound: fact rows a dimension load moved to another version of
--   its key (fact_vendas lines and fact_metas goals; the fact_descontos rows of a moved line
--   follow it and are not counted again). Not part of read = inserted + updated + unchanged
--   + rejected: re-binding changes facts, not the dimension's rows.

ALTER TABLE audit.etl_run_entity ADD COLUMN rows_rebound bigint NOT NULL DEFAULT 0 CHECK (rows_rebound >= 0);
COMMENT ON COLUMN audit.etl_run_entity.rows_rebound IS
    'Fatos (linhas de fact_vendas e metas de fact_metas) re-vinculados a outra versão da dimensão nesta carga.';
