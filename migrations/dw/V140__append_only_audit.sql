-- V140 (dw): the audit schema becomes append-only for every role but its owner.
-- Why: etl_writer could UPDATE and DELETE audit rows (turn failed runs into succeeded ones,
--   delete login events). Now it may only SELECT and INSERT; a run's status moves from
--   running to one terminal status, once, only through the SECURITY DEFINER functions of
--   database/procs/audit.*.sql (owned by dw_owner).
-- Objects: privileges on every table of schema audit, present and future (tables added later
--   are insert/select only for etl_writer); audit.etl_run.lock_pid (the backend holding the
--   run's load lock: a running run whose lock session is gone was abandoned);
--   audit.etl_run_step (each step a run starts, so a killed run's failed step is known);
--   new audit.etl_run rows from non-owners must be 'running'; known triggers only;
--   credentials leaked into earlier error messages are masked.
-- Rerun: applied once (versioned).

REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN ON ALL TABLES IN SCHEMA audit
    FROM etl_writer, bi_reader, PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA audit REVOKE UPDATE, DELETE ON TABLES FROM etl_writer;

ALTER TABLE audit.etl_run ADD COLUMN lock_pid integer;
COMMENT ON COLUMN audit.etl_run.lock_pid IS
    'Processo do servidor (pg_backend_pid) que segura a trava de carga da execução; sem ele, a execução foi abandonada.';

ALTER TABLE audit.etl_run ADD CONSTRAINT etl_run_trigger_conhecido
    CHECK (trigger IN ('manual', 'schedule', 'simulate', 'test', 'bench')) NOT VALID;

CREATE TABLE audit.etl_run_step (
    run_id      bigint      NOT NULL REFERENCES audit.etl_run (run_id),
    step        text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX etl_run_step_run ON audit.etl_run_step (run_id, started_at);
COMMENT ON TABLE audit.etl_run_step IS
    'Etapas iniciadas por execução (uma linha por início): a última é a etapa em que uma execução morta parou.';

-- A new run row written by etl_writer is a run that starts: it ends only through
-- audit.fn_encerrar_execucao / audit.fn_marcar_execucoes_abandonadas.
CREATE FUNCTION audit.fn_etl_run_nasce_rodando() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(current_user, 'dw_owner', 'MEMBER')
       AND (NEW.status <> 'running' OR NEW.finished_at IS NOT NULL OR NEW.failed_step IS NOT NULL
            OR NEW.error_sqlstate IS NOT NULL OR NEW.error_message IS NOT NULL) THEN
        RAISE EXCEPTION 'a new audit.etl_run row must be running with no end or error (got status %)', NEW.status
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'runs end through audit.fn_encerrar_execucao';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION audit.fn_etl_run_nasce_rodando() IS
    'Gatilho: execuções inseridas por quem não é dw_owner nascem running, sem término nem erro.';
CREATE TRIGGER etl_run_nasce_rodando BEFORE INSERT ON audit.etl_run
    FOR EACH ROW EXECUTE FUNCTION audit.fn_etl_run_nasce_rodando();

-- error messages written before the redaction at every boundary: mask URL and conninfo passwords
UPDATE audit.etl_run
   SET error_message = regexp_replace(
           regexp_replace(error_message, '([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@"'']*:)\S*@', '\1****@', 'g'),
           '(password\s*=\s*)(''[^'']*''|\S+)', '\1****', 'gi')
 WHERE error_message ~* '://[^\s/@]*:\S*@|password\s*=';
