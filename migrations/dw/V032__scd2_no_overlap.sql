-- V032 (dw): no two versions of one natural key may hold on the same day (issue 10). An
-- exclusion constraint per type-2 dimension over (natural key, daterange(valido_de, valido_ate))
-- (half-open '[)', the same interval as the version columns; btree_gist from V030 supplies
-- the gist equality on text). Checked immediately, row by row: the loads never need a
-- transient overlap (a version is closed before its successor is inserted, and in-place
-- corrections do not move interval bounds), so the constraint is not deferrable and an
-- overlap is reported by the statement that makes it.
-- Gaps are not something a constraint can express; test_scd2_intervalos.sql checks them.

ALTER TABLE dim.dim_cliente ADD CONSTRAINT dim_cliente_sem_sobreposicao
    EXCLUDE USING gist (cliente_id WITH =, daterange(valido_de, valido_ate) WITH &&);
ALTER TABLE dim.dim_produto ADD CONSTRAINT dim_produto_sem_sobreposicao
    EXCLUDE USING gist (produto_id WITH =, daterange(valido_de, valido_ate) WITH &&);
ALTER TABLE dim.dim_vendedor ADD CONSTRAINT dim_vendedor_sem_sobreposicao
    EXCLUDE USING gist (vendedor_id WITH =, daterange(valido_de, valido_ate) WITH &&);
