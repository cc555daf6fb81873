-- audit.fn_abrir_incidente: record that an incident happened (audit.alert_event, insert-only).
-- Purpose: if the incident key has no open episode (never seen, or its last episode was
--   resolved), insert an 'aberto' event that opens one (episode = its own event_id) and keeps
--   the alert's title and body for delivery; otherwise insert a 'repetido' event in the open
--   episode. Serialized per table (SHARE ROW EXCLUSIVE), so two processes never open the same
--   incident twice. SECURITY DEFINER (owner dw_owner), search_path pinned.
-- Grain: one event per call; returns the open episode and whether it is new.
-- Rerun: each call is one more occurrence.  Does not commit.
CREATE OR REPLACE FUNCTION audit.fn_abrir_incidente(p_incident_key text, p_kind text, p_run_id bigint,
                                                    p_summary text, p_title text, p_body text,
                                                    OUT episode bigint, OUT is_new boolean)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_last record;
BEGIN
    IF p_incident_key IS NULL OR p_kind IS NULL OR p_summary IS NULL THEN
        RAISE EXCEPTION 'incident key, kind and summary are required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOCK TABLE audit.alert_event IN SHARE ROW EXCLUSIVE MODE;
    SELECT e.event, e.episode INTO v_last FROM audit.alert_event AS e
     WHERE e.incident_key = p_incident_key ORDER BY e.event_id DESC LIMIT 1;
    IF v_last IS NULL OR v_last.event = 'resolvido' THEN
        episode := nextval(pg_get_serial_sequence('audit.alert_event', 'event_id'));
        is_new := true;
        INSERT INTO audit.alert_event (event_id, incident_key, kind, event, episode, run_id, summary, title, body)
        OVERRIDING SYSTEM VALUE
        VALUES (episode, p_incident_key, p_kind, 'aberto', episode, p_run_id, p_summary, p_title, p_body);
    ELSE
        episode := v_last.episode;
        is_new := false;
        INSERT INTO audit.alert_event (incident_key, kind, event, episode, run_id, summary)
        VALUES (p_incident_key, p_kind, 'repetido', episode, p_run_id, p_summary);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION audit.fn_abrir_incidente(text, text, bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_abrir_incidente(text, text, bigint, text, text, text) TO etl_writer;
COMMENT ON FUNCTION audit.fn_abrir_incidente(text, text, bigint, text, text, text) IS
    'Abre um episódio de incidente (evento aberto) ou registra uma repetição do episódio aberto (SECURITY DEFINER).';
