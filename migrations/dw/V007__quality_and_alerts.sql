-- V007 (dw): quality-gate results and alert incidents (RF-14, RF-16).
-- dq.check_result      one row per check per run: pass/fail, how many offending rows, a figure.
-- dq.check_failed_row  the offending rows of a failed check, kept per run (never overwritten)
--                      so an incident can be investigated after later runs.
-- audit.alert_incident one row per incident (e.g. 'load_failed', 'sla_breach:2025-01-02'):
--                      an alert is sent when it opens, a recovery message when it closes,
--                      nothing for a retry of an open incident.

CREATE TABLE dq.check_result (
    run_id          bigint      NOT NULL REFERENCES audit.etl_run (run_id),
    check_name      text        NOT NULL,
    severity        text        NOT NULL CHECK (severity IN ('block', 'warn')),
    status          text        NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    offending_rows  bigint      NOT NULL DEFAULT 0,
    figure          numeric,
    message         text,
    checked_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    seconds         numeric(10,3),
    PRIMARY KEY (run_id, check_name)
);
COMMENT ON TABLE dq.check_result IS 'Resultado de cada verificação de qualidade por execução.';

CREATE TABLE dq.check_failed_row (
    run_id      bigint NOT NULL,
    check_name  text   NOT NULL,
    row_number  integer NOT NULL,
    row_data    jsonb  NOT NULL,
    PRIMARY KEY (run_id, check_name, row_number),
    FOREIGN KEY (run_id, check_name) REFERENCES dq.check_result (run_id, check_name)
);
COMMENT ON TABLE dq.check_failed_row IS 'Linhas que reprovaram uma verificação (até 1000 por verificação e execução).';

CREATE TABLE audit.alert_incident (
    incident_key   text PRIMARY KEY,
    kind           text        NOT NULL,          -- load_failed, quality_blocked, sla_breach, run_missing
    opened_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    closed_at      timestamptz,
    occurrences    integer     NOT NULL DEFAULT 1,
    first_run_id   bigint,
    last_run_id    bigint,
    summary        text        NOT NULL,
    notified       boolean     NOT NULL DEFAULT false,
    recovery_notified boolean  NOT NULL DEFAULT false
);
COMMENT ON TABLE audit.alert_incident IS 'Incidents that raised an alert: one alert when opened, one recovery message when closed.';
