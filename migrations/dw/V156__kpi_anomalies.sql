-- V156 (dw): KPI anomalies (dq.anomalia_kpi) and the days whose KPIs changed (ctl.anomalia_dia_pendente).
-- dq.anomalia_kpi  one row per day x scope (the whole shop, or a customer region) x KPI that
--   etl.detectar_anomalias_kpi flagged: observed value, expected value (median of the same weekday
--   of the previous weeks), the robust deviation, whether the calendar expected it (seasonal peak,
--   holiday) and when it was alerted. A row whose day, re-evaluated after a later change, is no
--   longer anomalous keeps its history with desfeita_run_id set (mart.vw_anomalias_kpi hides it).
-- ctl.anomalia_dia_pendente  the days whose day x region sales changed and have not been evaluated
--   yet. Filled by a statement trigger on mart.agg_pedidos_diarios (every writer of the aggregate:
--   the whole-day and the group refresh, a reprocess, a first load), in the transaction that
--   changed the day, so a run that fails or is blocked by the quality gate loses none; emptied by
--   the detection after a successful quality gate.
-- Rerun: applied once (versioned).

CREATE TABLE dq.anomalia_kpi (
    anomalia_id       bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data              date     NOT NULL,
    regiao_sk         integer,                        -- NULL: the whole shop
    kpi               text     NOT NULL,              -- metric name of metrics/catalog.yaml
    kpi_rotulo        text     NOT NULL,              -- its label when detected
    observado         numeric  NOT NULL,
    esperado          numeric  NOT NULL,              -- median of the baseline days
    mad               numeric  NOT NULL,              -- median absolute deviation of the baseline
    desvio_robusto    numeric,                        -- (observado - esperado) / (1.4826 x mad); NULL when mad = 0
    variacao_pct      numeric,                        -- (observado - esperado) / |esperado| x 100; NULL when esperado = 0
    dias_base         integer  NOT NULL,              -- baseline days the median was taken over
    pedidos_base      numeric  NOT NULL,              -- median daily orders of the scope in the baseline (volume)
    esperada          boolean  NOT NULL,              -- a seasonal peak or a holiday: recorded, never alerted
    motivo_esperado   text,                           -- the peak's or holiday's name
    detectada_run_id  bigint   NOT NULL REFERENCES audit.etl_run (run_id),
    detectada_em      timestamptz NOT NULL DEFAULT clock_timestamp(),
    avaliada_run_id   bigint   NOT NULL REFERENCES audit.etl_run (run_id),   -- last run that found it
    desfeita_run_id   bigint   REFERENCES audit.etl_run (run_id),            -- a later run no longer found it
    alertada_em       timestamptz,                    -- when the alert went out (NULL: not alerted)
    CONSTRAINT anomalia_kpi_chave UNIQUE NULLS NOT DISTINCT (data, regiao_sk, kpi),
    CHECK (kpi ~ '^[a-z][a-z0-9_]*$')
);
CREATE INDEX anomalia_kpi_alertar ON dq.anomalia_kpi (data) WHERE NOT esperada AND alertada_em IS NULL;
COMMENT ON TABLE dq.anomalia_kpi IS
    'Anomalias de KPI por dia x escopo (loja inteira ou região do cliente) x KPI: observado, esperado (mediana do '
    'mesmo dia da semana nas semanas anteriores), desvio robusto, se o calendário a esperava (pico sazonal, feriado) '
    'e quando foi alertada. Gravada por etl.detectar_anomalias_kpi; lida por mart.vw_anomalias_kpi.';

CREATE TABLE ctl.anomalia_dia_pendente (
    data        date        NOT NULL PRIMARY KEY,
    marcado_em  timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE ctl.anomalia_dia_pendente IS
    'Dias com vendas dia x região alteradas e ainda não avaliados pela detecção de anomalias de KPI.';

CREATE FUNCTION etl.marcar_dias_anomalia() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the transition tables hold the rows the statement changed: one row per day x region
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ctl.anomalia_dia_pendente (data)
        SELECT DISTINCT n.data FROM novas AS n WHERE n.data_sk > 0
        ON CONFLICT (data) DO NOTHING;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO ctl.anomalia_dia_pendente (data)
        SELECT DISTINCT o.data FROM antigas AS o WHERE o.data_sk > 0
        ON CONFLICT (data) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION etl.marcar_dias_anomalia() IS
    'Gatilho de mart.agg_pedidos_diarios: marca em ctl.anomalia_dia_pendente os dias cujas vendas dia x região mudaram.';

CREATE TRIGGER marcar_dias_anomalia_ins AFTER INSERT ON mart.agg_pedidos_diarios
    REFERENCING NEW TABLE AS novas FOR EACH STATEMENT EXECUTE FUNCTION etl.marcar_dias_anomalia();
CREATE TRIGGER marcar_dias_anomalia_upd AFTER UPDATE ON mart.agg_pedidos_diarios
    REFERENCING OLD TABLE AS antigas NEW TABLE AS novas FOR EACH STATEMENT EXECUTE FUNCTION etl.marcar_dias_anomalia();
CREATE TRIGGER marcar_dias_anomalia_del AFTER DELETE ON mart.agg_pedidos_diarios
    REFERENCING OLD TABLE AS antigas FOR EACH STATEMENT EXECUTE FUNCTION etl.marcar_dias_anomalia();

-- the days already in the aggregate have never been evaluated
INSERT INTO ctl.anomalia_dia_pendente (data)
SELECT DISTINCT a.data FROM mart.agg_pedidos_diarios AS a WHERE a.data_sk > 0;

-- etl_writer reads and writes dq and ctl through the default privileges of V001; bi_reader reads
-- the anomalies through mart.vw_anomalias_kpi only.
