-- V142 (dw): the load lock becomes a row lock only the writing roles can take.
-- Why: the lock was a session advisory lock, which any role may take: bi_reader holding its key
--   made every load-daily exit 4. `SELECT ... FOR UPDATE` needs UPDATE on the table and USAGE on
--   schema ctl, which bi_reader does not have.
-- ctl.load_lock  one row ('load'): a run holds `SELECT ... FOR UPDATE NOWAIT` on it, in an open
--                transaction of a connection of its own, for its whole life (load-daily,
--                reprocess, simulate). A row lock, not LOCK TABLE: ANALYZE and VACUUM of the
--                table do not conflict with it. The holder is the transaction in the row's xmax.
-- (The migrate lock, ctl.migrate_lock, is created by harness migrate itself: it must exist
-- before the first versioned file runs.)
-- Rerun: applied once (versioned).

CREATE TABLE ctl.load_lock (lock_name text PRIMARY KEY);
INSERT INTO ctl.load_lock VALUES ('load');
COMMENT ON TABLE ctl.load_lock IS
    'Trava de carga: a execução em curso segura a linha ''load'' (SELECT ... FOR UPDATE) enquanto roda.';
REVOKE ALL ON ctl.load_lock FROM etl_writer;
GRANT SELECT, UPDATE ON ctl.load_lock TO etl_writer;
