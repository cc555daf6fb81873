-- etl.refresh_agg_vendas_grupos: recompute the sales aggregate groups that changed lines fall into.
-- Purpose: the daily load's refresh, at the cost of the changed lines: a daily run changes a few
--          thousand lines over 30-40 old days, where whole-day refreshes rewrote ~1,400
--          daily-aggregate rows per day (2.9 s at scale 1).
-- Source: ctl.agg_grupos_pendentes (V060: day x region x team x seller of the old and new version of
--          every line etl.load_fact_vendas changed, inserted or deleted; emptied here), fact.fact_vendas
--          (non-cancelled lines, by the fact_vendas_data index (data_sk, regiao_sk)) + dim.dim_produto (categoria).
-- Target: every group of the pending keys, recomputed exactly from the fact (distinct counts are not
--          additive, so nothing is patched by difference at the daily grain):
--          mart.agg_vendas_diarias   the whole seller-day (every category: pedidos_vendedor puts an
--                                    order in the seller's smallest category, so one line may move
--                                    another category's count);
--          mart.agg_pedidos_diarios  the pending keys' day x region;
--          mart.agg_descontos_diarios every coupon of those day x regions;
--          mart.agg_vendas_mensais_categoria / _vendedor by difference of the daily rows written
--                                    (etl.rollup_agg_vendas_mensais).
--          A recomputed group equal to its row is not written; a row whose group has no line left
--          is deleted; written rows get refreshed_run_id = p_run_id.
--          audit.etl_run_entity, entity 'agg_vendas_diarias' (shared with the whole-day refresh, a
--          second call adds to it): rows_read = daily-aggregate groups recomputed, inserted /
--          updated / unchanged among them, rows_deleted = daily and monthly rows removed.
-- Who calls it: the load orchestrator (harness), in fact_vendas' transaction, after the whole-day
--          refreshes of the run (which remove the pending keys of their days).
-- Rerun: idempotent: with nothing pending it changes nothing; the same keys twice give the same rows.
-- Equal to a full recomputation (tests/test_mart.py, database/tests/test_etl.refresh_agg_vendas_grupos.sql).
-- Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.refresh_agg_vendas_grupos(p_run_id bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started   timestamptz := clock_timestamp();
    v_read      bigint := 0;
    v_inserted  bigint := 0;
    v_updated   bigint := 0;
    v_deleted   bigint := 0;
    v_count     bigint;
    v_ins       bigint;
    v_upd       bigint;
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'etl.refresh_agg_vendas_grupos: p_run_id is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.etl_run r WHERE r.run_id = p_run_id) THEN
        RAISE EXCEPTION 'etl.refresh_agg_vendas_grupos: run % is not in audit.etl_run', p_run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF to_regclass('pg_temp.etl_agg_grupos') IS NOT NULL THEN   -- a second call in the same transaction
        DROP TABLE IF EXISTS pg_temp.etl_agg_grupos, pg_temp.etl_agg_linhas, pg_temp.etl_agg_vendas_novo,
                             pg_temp.etl_agg_vendas_delta, pg_temp.etl_agg_pedidos_novo,
                             pg_temp.etl_agg_descontos_novo;
    END IF;

    -- 1. the pending seller-days, taken out of the queue
    CREATE TEMPORARY TABLE etl_agg_grupos ON COMMIT DROP AS
    WITH taken AS (
        DELETE FROM ctl.agg_grupos_pendentes AS g
        RETURNING g.data_sk, g.regiao_sk, g.equipe_sk, g.vendedor_sk
    )
    SELECT d.data, t.data_sk, t.regiao_sk, t.equipe_sk, t.vendedor_sk
    FROM taken AS t JOIN dim.dim_data AS d ON d.data_sk = t.data_sk;
    ANALYZE pg_temp.etl_agg_grupos;   -- temp tables get no autovacuum: plan the joins on real sizes

    -- 2. the non-cancelled lines of their day x regions: one probe of the fact_vendas_data index
    --    (data_sk, regiao_sk, V110) per pending day x region. The products' categories are hashed
    --    once (MATERIALIZED: the planner, expecting a few hundred lines, probed dim_produto per line:
    --    22k probes, 88 ms at scale 1 against 52 ms for the whole statement this way)
    CREATE TEMPORARY TABLE etl_agg_linhas ON COMMIT DROP AS
    WITH categorias AS MATERIALIZED (SELECT p.produto_sk, p.categoria FROM dim.dim_produto AS p)
    SELECT k.data, f.data_sk, f.regiao_sk, coalesce(p.categoria, 'Não informado') AS categoria, f.equipe_sk,
           f.vendedor_sk, f.desconto_sk, f.pedido_id, f.cliente_sk, f.quantidade_vendida, f.quantidade_devolvida,
           f.valor_bruto, f.valor_desconto, f.valor_total_liquido, f.custo_total, f.valor_frete
    FROM fact.fact_vendas AS f
    JOIN (SELECT DISTINCT g.data, g.data_sk, g.regiao_sk FROM pg_temp.etl_agg_grupos AS g) AS k
      ON k.data_sk = f.data_sk AND k.regiao_sk = f.regiao_sk
    JOIN categorias AS p ON p.produto_sk = f.produto_sk
    WHERE NOT f.eh_cancelado;
    -- (not analyzed: its size is known from its pages, and ANALYZE cost ~190 ms at 20k lines)

    -- 3. mart.agg_vendas_diarias: the pending seller-days recomputed (as etl.refresh_agg_vendas_diarias)
    CREATE TEMPORARY TABLE etl_agg_vendas_novo ON COMMIT DROP AS
    SELECT f.data, f.data_sk, f.regiao_sk, f.categoria, f.equipe_sk, f.vendedor_sk,
           count(*) AS linhas, count(DISTINCT f.pedido_id) AS pedidos,
           sum(f.quantidade_vendida) AS quantidade_vendida, sum(f.quantidade_devolvida) AS quantidade_devolvida,
           sum(f.valor_bruto) AS valor_bruto, sum(f.valor_desconto) AS valor_desconto,
           sum(f.valor_total_liquido) AS valor_total_liquido, sum(f.custo_total) AS custo_total,
           sum(f.valor_frete) AS valor_frete,
           count(*) FILTER (WHERE f.valor_desconto > 0) AS linhas_com_desconto,
           coalesce(sum(f.valor_total_liquido) FILTER (WHERE f.valor_desconto > 0), 0) AS receita_com_desconto,
           coalesce(sum(f.custo_total) FILTER (WHERE f.valor_desconto > 0), 0) AS custo_com_desconto,
           count(DISTINCT f.pedido_id) FILTER (WHERE f.categoria = f.primeira) AS pedidos_vendedor
    FROM (
        SELECT l.*, min(l.categoria) OVER (PARTITION BY l.pedido_id, l.data_sk, l.regiao_sk, l.equipe_sk,
                                                        l.vendedor_sk) AS primeira
        FROM pg_temp.etl_agg_linhas AS l
        JOIN pg_temp.etl_agg_grupos AS g
          ON g.data_sk = l.data_sk AND g.regiao_sk = l.regiao_sk AND g.equipe_sk = l.equipe_sk
         AND g.vendedor_sk = l.vendedor_sk
    ) AS f
    GROUP BY f.data, f.data_sk, f.regiao_sk, f.categoria, f.equipe_sk, f.vendedor_sk;
    GET DIAGNOSTICS v_read = ROW_COUNT;

    -- rows of the seller-days whose group has no line left: out, negated for the months
    CREATE TEMPORARY TABLE etl_agg_vendas_delta ON COMMIT DROP AS
    WITH gone AS (
        DELETE FROM mart.agg_vendas_diarias AS a
        USING pg_temp.etl_agg_grupos AS g
        WHERE a.data = g.data AND a.regiao_sk = g.regiao_sk AND a.equipe_sk = g.equipe_sk
          AND a.vendedor_sk = g.vendedor_sk
          AND NOT EXISTS (SELECT 1 FROM pg_temp.etl_agg_vendas_novo AS n
                          WHERE n.data = a.data AND n.regiao_sk = a.regiao_sk AND n.categoria = a.categoria
                            AND n.equipe_sk = a.equipe_sk AND n.vendedor_sk = a.vendedor_sk)
        RETURNING a.data, a.regiao_sk, a.categoria, a.equipe_sk, a.vendedor_sk, -a.linhas AS linhas,
                  -a.quantidade_vendida AS quantidade_vendida, -a.quantidade_devolvida AS quantidade_devolvida,
                  -a.valor_bruto AS valor_bruto, -a.valor_desconto AS valor_desconto,
                  -a.valor_total_liquido AS valor_total_liquido, -a.custo_total AS custo_total,
                  -a.valor_frete AS valor_frete, -a.linhas_com_desconto AS linhas_com_desconto,
                  -a.receita_com_desconto AS receita_com_desconto, -a.custo_com_desconto AS custo_com_desconto,
                  -a.pedidos_vendedor AS pedidos_vendedor
    )
    SELECT * FROM gone;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    -- changed groups updated, new ones inserted; each remembered as new minus old for the months
    WITH merged AS (
        MERGE INTO mart.agg_vendas_diarias AS a
        USING pg_temp.etl_agg_vendas_novo AS n
        ON a.data = n.data AND a.regiao_sk = n.regiao_sk AND a.categoria = n.categoria
       AND a.equipe_sk = n.equipe_sk AND a.vendedor_sk = n.vendedor_sk
        WHEN MATCHED AND (a.linhas, a.pedidos, a.quantidade_vendida, a.quantidade_devolvida, a.valor_bruto,
                          a.valor_desconto, a.valor_total_liquido, a.custo_total, a.valor_frete,
                          a.linhas_com_desconto, a.receita_com_desconto, a.custo_com_desconto, a.pedidos_vendedor)
                         IS DISTINCT FROM
                         (n.linhas, n.pedidos, n.quantidade_vendida, n.quantidade_devolvida, n.valor_bruto,
                          n.valor_desconto, n.valor_total_liquido, n.custo_total, n.valor_frete,
                          n.linhas_com_desconto, n.receita_com_desconto, n.custo_com_desconto, n.pedidos_vendedor) THEN
            UPDATE SET linhas = n.linhas, pedidos = n.pedidos, quantidade_vendida = n.quantidade_vendida,
                       quantidade_devolvida = n.quantidade_devolvida, valor_bruto = n.valor_bruto,
                       valor_desconto = n.valor_desconto, valor_total_liquido = n.valor_total_liquido,
                       custo_total = n.custo_total, valor_frete = n.valor_frete,
                       linhas_com_desconto = n.linhas_com_desconto, receita_com_desconto = n.receita_com_desconto,
                       custo_com_desconto = n.custo_com_desconto, pedidos_vendedor = n.pedidos_vendedor,
                       refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (data, data_sk, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas, pedidos,
                    quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido,
                    custo_total, valor_frete, linhas_com_desconto, receita_com_desconto, custo_com_desconto,
                    refreshed_run_id, pedidos_vendedor)
            VALUES (n.data, n.data_sk, n.regiao_sk, n.categoria, n.equipe_sk, n.vendedor_sk, n.linhas, n.pedidos,
                    n.quantidade_vendida, n.quantidade_devolvida, n.valor_bruto, n.valor_desconto,
                    n.valor_total_liquido, n.custo_total, n.valor_frete, n.linhas_com_desconto,
                    n.receita_com_desconto, n.custo_com_desconto, p_run_id, n.pedidos_vendedor)
        RETURNING merge_action() AS action, n.data, n.regiao_sk, n.categoria, n.equipe_sk, n.vendedor_sk,
                  n.linhas - coalesce(old.linhas, 0) AS linhas,
                  n.quantidade_vendida - coalesce(old.quantidade_vendida, 0) AS quantidade_vendida,
                  n.quantidade_devolvida - coalesce(old.quantidade_devolvida, 0) AS quantidade_devolvida,
                  n.valor_bruto - coalesce(old.valor_bruto, 0) AS valor_bruto,
                  n.valor_desconto - coalesce(old.valor_desconto, 0) AS valor_desconto,
                  n.valor_total_liquido - coalesce(old.valor_total_liquido, 0) AS valor_total_liquido,
                  n.custo_total - coalesce(old.custo_total, 0) AS custo_total,
                  n.valor_frete - coalesce(old.valor_frete, 0) AS valor_frete,
                  n.linhas_com_desconto - coalesce(old.linhas_com_desconto, 0) AS linhas_com_desconto,
                  n.receita_com_desconto - coalesce(old.receita_com_desconto, 0) AS receita_com_desconto,
                  n.custo_com_desconto - coalesce(old.custo_com_desconto, 0) AS custo_com_desconto,
                  n.pedidos_vendedor - coalesce(old.pedidos_vendedor, 0) AS pedidos_vendedor
    ), remembered AS (
        INSERT INTO pg_temp.etl_agg_vendas_delta (data, regiao_sk, categoria, equipe_sk, vendedor_sk, linhas,
            quantidade_vendida, quantidade_devolvida, valor_bruto, valor_desconto, valor_total_liquido, custo_total,
            valor_frete, linhas_com_desconto, receita_com_desconto, custo_com_desconto, pedidos_vendedor)
        SELECT m.data, m.regiao_sk, m.categoria, m.equipe_sk, m.vendedor_sk, m.linhas, m.quantidade_vendida,
               m.quantidade_devolvida, m.valor_bruto, m.valor_desconto, m.valor_total_liquido, m.custo_total,
               m.valor_frete, m.linhas_com_desconto, m.receita_com_desconto, m.custo_com_desconto,
               m.pedidos_vendedor
        FROM merged AS m
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE')
      INTO v_ins, v_upd
      FROM merged AS m;
    v_inserted := v_inserted + v_ins;
    v_updated := v_updated + v_upd;

    -- 4. monthly roll-ups, by difference (one MERGE per roll-up)
    CALL etl.rollup_agg_vendas_mensais(p_run_id, NULL, NULL, v_count);
    v_deleted := v_deleted + v_count;

    -- 5. mart.agg_pedidos_diarios: the day x regions of the pending keys
    CREATE TEMPORARY TABLE etl_agg_pedidos_novo ON COMMIT DROP AS
    SELECT l.data, l.data_sk, l.regiao_sk,
           count(DISTINCT l.pedido_id) AS pedidos,
           count(DISTINCT l.cliente_sk) FILTER (WHERE l.cliente_sk <> -1) AS clientes,
           sum(l.valor_total_liquido) AS valor_total_liquido,
           count(DISTINCT l.pedido_id) FILTER (WHERE l.valor_desconto > 0) AS pedidos_com_desconto,
           count(DISTINCT l.pedido_id) FILTER (WHERE NOT l.valor_desconto > 0) AS pedidos_sem_desconto,
           count(*) AS linhas, sum(l.quantidade_vendida) AS quantidade_vendida,
           sum(l.quantidade_devolvida) AS quantidade_devolvida, sum(l.valor_bruto) AS valor_bruto,
           sum(l.valor_desconto) AS valor_desconto, sum(l.custo_total) AS custo_total,
           coalesce(sum(l.valor_bruto) FILTER (WHERE l.valor_desconto > 0), 0) AS valor_bruto_com_desconto,
           coalesce(sum(l.valor_desconto) FILTER (WHERE l.valor_desconto > 0), 0) AS valor_desconto_com_desconto,
           coalesce(sum(l.valor_total_liquido) FILTER (WHERE l.valor_desconto > 0), 0) AS receita_com_desconto,
           coalesce(sum(l.custo_total) FILTER (WHERE l.valor_desconto > 0), 0) AS custo_com_desconto
    FROM pg_temp.etl_agg_linhas AS l
    GROUP BY l.data, l.data_sk, l.regiao_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_read := v_read + v_count;

    DELETE FROM mart.agg_pedidos_diarios AS a
    USING (SELECT DISTINCT g.data, g.regiao_sk FROM pg_temp.etl_agg_grupos AS g) AS k
    WHERE a.data = k.data AND a.regiao_sk = k.regiao_sk
      AND NOT EXISTS (SELECT 1 FROM pg_temp.etl_agg_pedidos_novo AS n
                      WHERE n.data = a.data AND n.regiao_sk = a.regiao_sk);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    WITH merged AS (
        MERGE INTO mart.agg_pedidos_diarios AS a
        USING pg_temp.etl_agg_pedidos_novo AS n
        ON a.data = n.data AND a.regiao_sk = n.regiao_sk
        WHEN MATCHED AND (a.pedidos, a.clientes, a.valor_total_liquido, a.pedidos_com_desconto, a.pedidos_sem_desconto,
                          a.linhas, a.quantidade_vendida, a.quantidade_devolvida, a.valor_bruto, a.valor_desconto,
                          a.custo_total, a.valor_bruto_com_desconto, a.valor_desconto_com_desconto,
                          a.receita_com_desconto, a.custo_com_desconto)
                         IS DISTINCT FROM
                         (n.pedidos, n.clientes, n.valor_total_liquido, n.pedidos_com_desconto, n.pedidos_sem_desconto,
                          n.linhas, n.quantidade_vendida, n.quantidade_devolvida, n.valor_bruto, n.valor_desconto,
                          n.custo_total, n.valor_bruto_com_desconto, n.valor_desconto_com_desconto,
                          n.receita_com_desconto, n.custo_com_desconto) THEN
            UPDATE SET pedidos = n.pedidos, clientes = n.clientes, valor_total_liquido = n.valor_total_liquido,
                       pedidos_com_desconto = n.pedidos_com_desconto, pedidos_sem_desconto = n.pedidos_sem_desconto,
                       linhas = n.linhas, quantidade_vendida = n.quantidade_vendida,
                       quantidade_devolvida = n.quantidade_devolvida, valor_bruto = n.valor_bruto,
                       valor_desconto = n.valor_desconto, custo_total = n.custo_total,
                       valor_bruto_com_desconto = n.valor_bruto_com_desconto,
                       valor_desconto_com_desconto = n.valor_desconto_com_desconto,
                       receita_com_desconto = n.receita_com_desconto, custo_com_desconto = n.custo_com_desconto,
                       refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (data, data_sk, regiao_sk, pedidos, clientes, valor_total_liquido, refreshed_run_id,
                    pedidos_com_desconto, pedidos_sem_desconto, linhas, quantidade_vendida, quantidade_devolvida,
                    valor_bruto, valor_desconto, custo_total, valor_bruto_com_desconto,
                    valor_desconto_com_desconto, receita_com_desconto, custo_com_desconto)
            VALUES (n.data, n.data_sk, n.regiao_sk, n.pedidos, n.clientes, n.valor_total_liquido, p_run_id,
                    n.pedidos_com_desconto, n.pedidos_sem_desconto, n.linhas, n.quantidade_vendida,
                    n.quantidade_devolvida, n.valor_bruto, n.valor_desconto, n.custo_total,
                    n.valor_bruto_com_desconto, n.valor_desconto_com_desconto, n.receita_com_desconto,
                    n.custo_com_desconto)
        RETURNING merge_action() AS action
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE')
      INTO v_ins, v_upd
      FROM merged AS m;
    v_inserted := v_inserted + v_ins;
    v_updated := v_updated + v_upd;

    -- 6. mart.agg_descontos_diarios: every coupon of those day x regions (discounted lines)
    CREATE TEMPORARY TABLE etl_agg_descontos_novo ON COMMIT DROP AS
    SELECT l.data, l.data_sk, l.regiao_sk, l.desconto_sk, count(*) AS linhas,
           count(DISTINCT l.pedido_id) AS pedidos, sum(l.valor_bruto) AS valor_bruto,
           sum(l.valor_desconto) AS valor_desconto, sum(l.valor_total_liquido) AS valor_total_liquido,
           sum(l.custo_total) AS custo_total
    FROM pg_temp.etl_agg_linhas AS l
    WHERE l.valor_desconto > 0
    GROUP BY l.data, l.data_sk, l.regiao_sk, l.desconto_sk;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_read := v_read + v_count;

    DELETE FROM mart.agg_descontos_diarios AS a
    USING (SELECT DISTINCT g.data, g.regiao_sk FROM pg_temp.etl_agg_grupos AS g) AS k
    WHERE a.data = k.data AND a.regiao_sk = k.regiao_sk
      AND NOT EXISTS (SELECT 1 FROM pg_temp.etl_agg_descontos_novo AS n
                      WHERE n.data = a.data AND n.regiao_sk = a.regiao_sk AND n.desconto_sk = a.desconto_sk);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    WITH merged AS (
        MERGE INTO mart.agg_descontos_diarios AS a
        USING pg_temp.etl_agg_descontos_novo AS n
        ON a.data = n.data AND a.regiao_sk = n.regiao_sk AND a.desconto_sk = n.desconto_sk
        WHEN MATCHED AND (a.linhas, a.pedidos, a.valor_bruto, a.valor_desconto, a.valor_total_liquido, a.custo_total)
                         IS DISTINCT FROM
                         (n.linhas, n.pedidos, n.valor_bruto, n.valor_desconto, n.valor_total_liquido, n.custo_total) THEN
            UPDATE SET linhas = n.linhas, pedidos = n.pedidos, valor_bruto = n.valor_bruto,
                       valor_desconto = n.valor_desconto, valor_total_liquido = n.valor_total_liquido,
                       custo_total = n.custo_total, refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (data, data_sk, regiao_sk, desconto_sk, linhas, pedidos, valor_bruto, valor_desconto,
                    valor_total_liquido, custo_total, refreshed_run_id)
            VALUES (n.data, n.data_sk, n.regiao_sk, n.desconto_sk, n.linhas, n.pedidos, n.valor_bruto,
                    n.valor_desconto, n.valor_total_liquido, n.custo_total, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE')
      INTO v_ins, v_upd
      FROM merged AS m;
    v_inserted := v_inserted + v_ins;
    v_updated := v_updated + v_upd;

    INSERT INTO audit.etl_run_entity AS e (run_id, entity, rows_read, rows_inserted, rows_updated,
                                           rows_unchanged, rows_deleted, started_at)
    VALUES (p_run_id, 'agg_vendas_diarias', v_read, v_inserted, v_updated, v_read - v_inserted - v_updated,
            v_deleted, v_started)
    ON CONFLICT (run_id, entity) DO UPDATE
        SET rows_read      = e.rows_read + excluded.rows_read,
            rows_inserted  = e.rows_inserted + excluded.rows_inserted,
            rows_updated   = e.rows_updated + excluded.rows_updated,
            rows_unchanged = e.rows_unchanged + excluded.rows_unchanged,
            rows_deleted   = e.rows_deleted + excluded.rows_deleted,
            finished_at    = clock_timestamp();
END
$$;

COMMENT ON PROCEDURE etl.refresh_agg_vendas_grupos(bigint) IS
    'Recalcula a partir de fact.fact_vendas só os grupos dos agregados de vendas em que caem as linhas alteradas '
    '(ctl.agg_grupos_pendentes: dia x região x equipe x vendedor; dia x região para pedidos e cupons), '
    'grava apenas os que mudaram e ajusta os meses pela diferença; não faz COMMIT.';
