-- etl.prepare_agg_linhas_antes: opens pg_temp.etl_agg_linhas_antes, the fact_vendas lines' state
-- before this transaction's changes, for the aggregates that count distinct orders and customers.
-- Purpose: mart.agg_pedidos_diarios (day x region) and mart.agg_descontos_diarios (day x region x
--   coupon) count distinct orders and customers, so a changed line cannot be added or taken away
--   alone; etl.refresh_agg_vendas_grupos moves them by the difference between the changed orders'
--   and customers' lines before and after, and "before" is: the fact as it is now, except that every
--   line listed here is replaced by its row here (existia = false: the line did not exist).
-- Grain: one row per order line changed in an aggregated column, inserted or deleted since the
--   aggregates were last made exact; the FIRST state written wins (ON CONFLICT DO NOTHING), so two
--   loads in one transaction still describe the state the aggregates were computed from.
-- Who writes: etl.load_fact_vendas (deletes and MERGE, from RETURNING old), before the fact changes
--   reach the aggregates; who reads and empties it: etl.refresh_agg_vendas_grupos, in the same
--   transaction, which must follow the load (after any whole-day refresh, etl.refresh_agg_vendas_diarias,
--   whose days it then leaves alone: their pending groups are gone).
-- Rerun: creates the table only if this session has none; dropped at commit or rollback.
CREATE OR REPLACE PROCEDURE etl.prepare_agg_linhas_antes()
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass('pg_temp.etl_agg_linhas_antes') IS NOT NULL THEN
        RETURN;   -- (not CREATE ... IF NOT EXISTS: its notice would reach every load's log)
    END IF;
    CREATE TEMPORARY TABLE etl_agg_linhas_antes (
        item_pedido_id       text PRIMARY KEY,
        existia              boolean NOT NULL,
        pedido_id            text,
        data_sk              integer,
        regiao_sk            integer,
        cliente_sk           integer,
        desconto_sk          integer,
        eh_cancelado         boolean,
        quantidade_vendida   integer,
        quantidade_devolvida integer,
        valor_bruto          numeric(14,2),
        valor_desconto       numeric(14,2),
        valor_total_liquido  numeric(14,2),
        custo_total          numeric(14,2)
    ) ON COMMIT DROP;
END
$$;

COMMENT ON PROCEDURE etl.prepare_agg_linhas_antes() IS
    'Cria (se ainda não existir nesta sessão) pg_temp.etl_agg_linhas_antes: o estado anterior das linhas de fact_vendas '
    'alteradas na transação, de onde etl.refresh_agg_vendas_grupos move pedidos e clientes distintos por diferença.';
