-- V143 (dw): the type-2 no-overlap check serialises its writers on a row lock only writers can take.
-- Why: etl.scd2_sem_sobreposicao took a transaction advisory lock per table, whose key any role can
--   compute and hold: bi_reader holding it made every load of dim_cliente, dim_produto or
--   dim_vendedor wait for ever. A row of ctl.scd2_lock taken FOR UPDATE needs UPDATE on the table
--   and USAGE on schema ctl, which bi_reader does not have.
-- ctl.scd2_lock  one row per type-2 dimension (the table's regclass); a new type-2 dimension's
--                migration adds its row (the check refuses a table without one).
-- Rerun: applied once (versioned).

CREATE TABLE ctl.scd2_lock (table_name regclass PRIMARY KEY);
INSERT INTO ctl.scd2_lock VALUES ('dim.dim_cliente'), ('dim.dim_produto'), ('dim.dim_vendedor');
COMMENT ON TABLE ctl.scd2_lock IS
    'Uma linha por dimensão tipo 2: a verificação de sobreposição a trava (FOR UPDATE) para serializar quem escreve.';
REVOKE ALL ON ctl.scd2_lock FROM etl_writer;
GRANT SELECT, UPDATE ON ctl.scd2_lock TO etl_writer;
