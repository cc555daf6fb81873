-- V050 (dw): definitions of constraints and secondary indexes taken off a table for a bulk load.
-- etl.bulk_load_begin saves and drops them when a table is empty and a large
-- load is about to fill it (the first load, a rebuild); etl.bulk_load_end re-creates
-- them from here, in the same transaction, so every foreign key is validated once over the
-- whole table instead of row by row. A row left here (only possible if a session committed
-- between the two calls) is restored by the next load of that table and fails the quality
-- check definicoes_suspensas until then.
CREATE TABLE ctl.suspended_definition (
    table_name   regclass    NOT NULL,
    object_name  name        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('foreign_key', 'exclusion', 'index')),
    definition   text        NOT NULL,   -- the statement that re-creates it
    run_id       bigint,
    suspended_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (table_name, object_name)
);
COMMENT ON TABLE ctl.suspended_definition IS
    'Chaves estrangeiras e índices retirados de uma tabela de fato durante uma carga em massa; vazia fora dela.';
REVOKE INSERT, UPDATE, DELETE ON ctl.suspended_definition FROM etl_writer;
