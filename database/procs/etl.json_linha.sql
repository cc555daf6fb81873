-- etl.json_linha: a staged row as jsonb, its timestamps written in UTC whatever the session's TimeZone.
-- Purpose: audit.rejected_rows.raw. A reject is recorded once per (key, rule, content), the content
--   being this text (audit.rejected_rows.conteudo_md5): to_jsonb writes a timestamptz in the session's
--   time zone, so the same row re-read by a session with another TimeZone (PGTZ of a cron job, a
--   test) would otherwise be a new reject. Grain: one row. Called by the etl.load_* procedures for
--   their rejected rows only.  Pure function; rerun: CREATE OR REPLACE.
CREATE OR REPLACE FUNCTION etl.json_linha(p_linha anyelement)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
AS $$
    SELECT to_jsonb(p_linha)
$$;

COMMENT ON FUNCTION etl.json_linha(anyelement) IS
    'A linha como jsonb com os instantes em UTC, o mesmo texto em qualquer fuso da sessão (conteúdo de uma rejeição).';
