-- audit.fn_resolver_incidente: close an incident's open episode (audit.alert_event, insert-only).
-- Purpose: if the key's last event is 'aberto' or 'repetido', insert a 'resolvido' event in that
--   episode, keeping the recovery message's title and body for delivery, and return its
--   event_id; an incident with no open episode returns NULL (nothing to resolve). Serialized with
--   audit.fn_abrir_incidente. SECURITY DEFINER (owner dw_owner), search_path pinned.
-- Grain: one incident key per call.  Rerun: the second call returns NULL.  Does not commit.
CREATE OR REPLACE FUNCTION audit.fn_resolver_incidente(p_incident_key text, p_run_id bigint,
                                                       p_title text, p_body text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_last record;
    v_id bigint;
BEGIN
    LOCK TABLE audit.alert_event IN SHARE ROW EXCLUSIVE MODE;
    SELECT e.event, e.episode, e.kind INTO v_last FROM audit.alert_event AS e
     WHERE e.incident_key = p_incident_key ORDER BY e.event_id DESC LIMIT 1;
    IF v_last IS NULL OR v_last.event = 'resolvido' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit.alert_event (incident_key, kind, event, episode, run_id, summary, title, body)
    VALUES (p_incident_key, v_last.kind, 'resolvido', v_last.episode, p_run_id,
            (SELECT e.summary FROM audit.alert_event AS e WHERE e.event_id = v_last.episode), p_title, p_body)
    RETURNING event_id INTO v_id;
    RETURN v_id;
END
$$;
REVOKE ALL ON FUNCTION audit.fn_resolver_incidente(text, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.fn_resolver_incidente(text, bigint, text, text) TO etl_writer;
COMMENT ON FUNCTION audit.fn_resolver_incidente(text, bigint, text, text) IS
    'Fecha o episódio aberto de um incidente com um evento resolvido; NULL se não há episódio aberto (SECURITY DEFINER).';
