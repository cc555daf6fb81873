-- V008 (dw): evidence tables for reprocessing and connection auditing.
-- audit.reprocess_checksum      per-day KPI checksums of a reprocessed window, before and
--                               after, written by `harness reprocess` (the evidence RF-06 asks for).
-- audit.connection_login_events one row per login to this database, written by the login
--                               event trigger of V009 (PostgreSQL 17+).

CREATE TABLE audit.reprocess_checksum (
    run_id        bigint      NOT NULL REFERENCES audit.etl_run (run_id),
    entity        text        NOT NULL,
    dia           date        NOT NULL,
    fase          text        NOT NULL CHECK (fase IN ('antes', 'depois')),
    linhas        bigint      NOT NULL,
    receita       numeric(16,2) NOT NULL,
    custo         numeric(16,2) NOT NULL,
    quantidade    bigint      NOT NULL,
    checksum      text        NOT NULL,
    PRIMARY KEY (run_id, entity, dia, fase)
);
COMMENT ON TABLE audit.reprocess_checksum IS
    'Per-day KPI checksums of a reprocessed window, before and after the reprocess (evidence of RF-06).';

CREATE TABLE audit.connection_login_events (
    login_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    logged_in_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    role_name       text        NOT NULL,
    database_name   text        NOT NULL,
    application     text,
    client_address  inet,
    backend_pid     integer
);
CREATE INDEX connection_login_events_at ON audit.connection_login_events (logged_in_at);
COMMENT ON TABLE audit.connection_login_events IS 'Logins to the warehouse, one row each (login event trigger, PostgreSQL 17+).';
