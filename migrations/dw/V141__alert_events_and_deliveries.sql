-- V141 (dw): alerts become insert-only events, with one delivery row per channel.
-- Why: audit.alert_incident was updated in place (notified, closed_at...), one flag for all
--   channels: with one channel down the incident was stored as not notified, alerted again on
--   the next failure and never got its "resolvido". Now every change is a new row and each
--   channel's delivery is recorded, so a failed channel alone is retried on the next run.
-- audit.alert_event     one row per event of an incident: 'aberto' (opens an episode),
--                       'repetido' (the same incident again while open), 'resolvido' (closes it).
--                       episode = event_id of the 'aberto' row; title/body kept to resend them.
-- audit.alert_delivery  one row per delivery attempt of an 'aberto' or 'resolvido' event to a
--                       channel (channel = apprise URL with its secrets masked, channel_id =
--                       hash of the full URL; '*' = delivered to every channel before this table).
-- The rows of audit.alert_incident are converted (episode opened and, if closed, resolved; its
-- notified flags as '*' deliveries), then the table is dropped.
-- Rerun: applied once (versioned).

CREATE TABLE audit.alert_event (
    event_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_key  text        NOT NULL,
    kind          text        NOT NULL,
    event         text        NOT NULL CHECK (event IN ('aberto', 'repetido', 'resolvido')),
    episode       bigint      NOT NULL,
    run_id        bigint,
    summary       text        NOT NULL,
    title         text,
    body          text,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((event = 'aberto') = (episode = event_id))
);
CREATE INDEX alert_event_key ON audit.alert_event (incident_key, event_id DESC);
COMMENT ON TABLE audit.alert_event IS
    'Eventos de incidentes de alerta (aberto, repetido, resolvido), só inseridos; episódio = evento que o abriu.';

CREATE TABLE audit.alert_delivery (
    delivery_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id      bigint      NOT NULL REFERENCES audit.alert_event (event_id),
    channel       text        NOT NULL,
    channel_id    text        NOT NULL,
    ok            boolean     NOT NULL,
    error         text,
    at            timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX alert_delivery_event ON audit.alert_delivery (event_id, channel_id) WHERE ok;
COMMENT ON TABLE audit.alert_delivery IS
    'Cada tentativa de entrega de um alerta ou "resolvido" a um canal (URL sem segredos), com sucesso ou erro.';

DO $$
DECLARE
    r record;
    v_open bigint;
    v_closed bigint;
BEGIN
    FOR r IN SELECT * FROM audit.alert_incident ORDER BY opened_at LOOP
        v_open := nextval(pg_get_serial_sequence('audit.alert_event', 'event_id'));
        INSERT INTO audit.alert_event (event_id, incident_key, kind, event, episode, run_id, summary, title, body, at)
        OVERRIDING SYSTEM VALUE
        VALUES (v_open, r.incident_key, r.kind, 'aberto', v_open, r.first_run_id, r.summary,
                '[warehouse] ' || r.summary, r.summary, r.opened_at);
        IF r.notified THEN
            INSERT INTO audit.alert_delivery (event_id, channel, channel_id, ok, at)
            VALUES (v_open, 'antes do registro por canal', '*', true, r.opened_at);
        END IF;
        IF r.closed_at IS NOT NULL THEN
            INSERT INTO audit.alert_event (incident_key, kind, event, episode, run_id, summary, at)
            VALUES (r.incident_key, r.kind, 'resolvido', v_open, r.last_run_id, r.summary, r.closed_at)
            RETURNING event_id INTO v_closed;
            -- an old recovery is not news: never resent
            INSERT INTO audit.alert_delivery (event_id, channel, channel_id, ok, at)
            VALUES (v_closed, 'antes do registro por canal', '*', true, r.closed_at);
        END IF;
    END LOOP;
END
$$;

DROP TABLE audit.alert_incident;
