-- V091 (dw): fact_descontos by order, as fact_vendas already is (fact_vendas_pedido).
-- The daily quality gate reads the fact lines of the orders a load changed (V090); without this
-- index each fact_descontos check scanned the whole table for them (43 ms of a 106 ms check at
-- scale 1, growing with the table). A first load builds it once through the bulk path
-- (etl.bulk_load_begin/_end suspend and re-create secondary indexes).
-- Rerun: plain DDL, applied once by the migration runner.
CREATE INDEX fact_descontos_pedido ON fact.fact_descontos (pedido_id);
