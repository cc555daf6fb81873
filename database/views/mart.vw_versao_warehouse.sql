-- mart.vw_versao_warehouse: which schema version the warehouse is at.
-- Purpose: lets analysts and dashboards (as bi_reader) see the deployed version
--          without reading ctl, which they cannot.
-- Source: ctl.schema_migrations.  Grain: one row.
-- Rerun: CREATE OR REPLACE, re-applied by harness migrate when this file changes.
CREATE OR REPLACE VIEW mart.vw_versao_warehouse AS
SELECT max(version::integer)  AS versao,
       max(applied_at)        AS aplicada_em,
       count(*)::integer      AS scripts_aplicados
FROM ctl.schema_migrations;

COMMENT ON VIEW mart.vw_versao_warehouse IS
    'Versão do esquema do warehouse (última migração aplicada), legível por bi_reader.';
