-- V001 (dw): the warehouse's schemas and what each role may do in them (RNF-06).
-- Runs once, as dw_owner, in one transaction. Later migrations create tables and
-- inherit these privileges through ALTER DEFAULT PRIVILEGES.
--   stg   extracted source rows        dim  dimensions        fact  facts
--   mart  consumption views (RF-09)    ctl  watermarks, history
--   audit runs, entities, rejected rows, logins               dq    quality checks
--   etl   load procedures
-- bi_reader reads mart, dim and fact and nothing else; etl_writer reads and writes
-- every data schema and executes the procedures; nobody else gets anything.

CREATE SCHEMA IF NOT EXISTS stg;
CREATE SCHEMA IF NOT EXISTS dim;
CREATE SCHEMA IF NOT EXISTS fact;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS ctl;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS etl;

REVOKE ALL ON SCHEMA public FROM PUBLIC;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO etl_writer', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO bi_reader', current_database());
END
$$;

GRANT USAGE ON SCHEMA dim, fact, mart TO bi_reader;
GRANT USAGE ON SCHEMA stg, dim, fact, mart, ctl, audit, dq, etl TO etl_writer;

ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA dim, fact, mart
    GRANT SELECT ON TABLES TO bi_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA stg, dim, fact, ctl, audit, dq
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA stg
    GRANT TRUNCATE ON TABLES TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA mart
    GRANT SELECT ON TABLES TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA stg, dim, fact, ctl, audit, dq
    GRANT USAGE, SELECT ON SEQUENCES TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner REVOKE EXECUTE ON ROUTINES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA etl
    GRANT EXECUTE ON ROUTINES TO etl_writer;

GRANT SELECT ON ctl.schema_migrations TO etl_writer;
