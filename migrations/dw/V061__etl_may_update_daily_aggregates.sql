-- V061 (dw): etl_writer may UPDATE the daily aggregates (it could only DELETE and INSERT them).
-- Why: etl.refresh_agg_vendas_grupos rewrites only the groups whose figures changed; a changed
--   group is updated in place (MERGE) instead of deleted and inserted again with its indexes.
-- Objects: mart.agg_vendas_diarias, mart.agg_pedidos_diarios, mart.agg_descontos_diarios
--   (the monthly roll-ups already had UPDATE, V042). Rerun: applied once (versioned); GRANT is idempotent.
GRANT UPDATE ON mart.agg_vendas_diarias, mart.agg_pedidos_diarios, mart.agg_descontos_diarios TO etl_writer;
