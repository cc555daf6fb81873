-- harness:run-as admin
-- V009 (dw): fills audit.connection_login_events on every login (PostgreSQL 17+ login
-- event trigger). Event triggers need a superuser, hence run-as admin. The function is
-- SECURITY DEFINER with a pinned search_path so that every role's login is recorded
-- without giving any role INSERT on the audit table. It records no credential.

CREATE FUNCTION audit.fn_registrar_login() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO audit.connection_login_events (role_name, database_name, application, client_address, backend_pid)
    VALUES (session_user, current_database(), current_setting('application_name', true),
            inet_client_addr(), pg_backend_pid());
END
$$;
REVOKE ALL ON FUNCTION audit.fn_registrar_login() FROM PUBLIC;
COMMENT ON FUNCTION audit.fn_registrar_login() IS 'Login event trigger body: one audit row per login.';

CREATE EVENT TRIGGER trg_registrar_login ON login EXECUTE FUNCTION audit.fn_registrar_login();
ALTER EVENT TRIGGER trg_registrar_login ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER trg_registrar_login IS 'Audits every login to the warehouse database.';
