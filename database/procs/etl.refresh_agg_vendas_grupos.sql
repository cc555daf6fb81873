-- etl.refresh_agg_vendas_grupos: bring the sales aggregates up to date for the lines a daily load changed.
-- Purpose: the daily load's refresh, at the cost of the changed lines: a daily run changes a few
--          thousand lines over 30-40 old days, where whole-day refreshes rewrote ~1,400
--          daily-aggregate rows per day (2.9 s at scale 1).
-- Source: ctl.agg_grupos_pendentes (V060: day x region x team x seller of the old and new version of
--          every line etl.load_fact_vendas changed, inserted or deleted; emptied here),
--          pg_temp.etl_agg_linhas_antes (etl.prepare_agg_linhas_antes: those lines' state before the
--          load; emptied here), fact.fact_vendas (the pending seller-days' lines by fact_vendas_vendedor
--          (vendedor_sk, data_sk); the changed orders' lines by fact_vendas_pedido; the changed
--          customers' lines of the day by fact_vendas_cliente) + dim.dim_produto (categoria).
-- Target:  mart.agg_vendas_diarias   the whole seller-day recomputed from the fact (every category:
--                                    pedidos_vendedor puts an order in the seller's smallest category,
--                                    so one line may move another category's count);
--          mart.agg_pedidos_diarios  the pending day x regions, moved by difference: the additive
--                                    measures by the changed lines' old and new values, the distinct
--                                    orders (with / without discount) by the changed orders' lines
--                                    before and after, the distinct customers by the changed
--                                    customers' lines of the day before and after (exact: the same
--                                    counts a recomputation gives, at the cost of the changed orders
--                                    and customers instead of every line of the day x region);
--          mart.agg_descontos_diarios the coupons of those day x regions, likewise;
--          mart.agg_vendas_mensais_categoria / _vendedor by difference of the daily rows written
--                                    (etl.rollup_agg_vendas_mensais).
--          A group left unchanged is not written; a row whose group has no line left is deleted;
--          written rows get refreshed_run_id = p_run_id.
--          audit.etl_run_entity, entity 'agg_vendas_diarias' (shared with the whole-day refresh, a
--          second call adds to it): rows_read = groups recomputed or moved, inserted / updated /
--          unchanged among them, rows_deleted = daily, day x region, coupon and monthly rows removed.
-- Who calls it: the load orchestrator (harness), in fact_vendas' transaction, right after the load
--          and the whole-day refreshes of the run (which remove the pending groups of their days, so
--          the listed lines of those days are left alone here).
-- Rerun: idempotent: with nothing pending it changes nothing; the listed lines are consumed, so a
--          second call does not apply their difference twice.
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
                             pg_temp.etl_agg_vendas_delta, pg_temp.etl_agg_chaves, pg_temp.etl_agg_mundos,
                             pg_temp.etl_agg_clientes, pg_temp.etl_agg_pedidos_delta,
                             pg_temp.etl_agg_descontos_delta;
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

    -- 2. the non-cancelled lines of the pending seller-days: one probe of fact_vendas_vendedor
    --    (vendedor_sk, data_sk, V112) per seller-day (~10 lines each at scale 10; through
    --    fact_vendas_data it was every line of each pending day x region: 753,600 lines, 2.0 s, for
    --    4,431 seller-days). The products' categories are hashed once (MATERIALIZED: the planner,
    --    expecting a few hundred lines, probed dim_produto per line)
    CREATE TEMPORARY TABLE etl_agg_linhas ON COMMIT DROP AS
    WITH categorias AS MATERIALIZED (SELECT p.produto_sk, p.categoria FROM dim.dim_produto AS p)
    SELECT g.data, f.data_sk, f.regiao_sk, coalesce(p.categoria, 'Não informado') AS categoria, f.equipe_sk,
           f.vendedor_sk, f.pedido_id, f.quantidade_vendida, f.quantidade_devolvida,
           f.valor_bruto, f.valor_desconto, f.valor_total_liquido, f.custo_total, f.valor_frete
    FROM pg_temp.etl_agg_grupos AS g
    JOIN fact.fact_vendas AS f
      ON f.vendedor_sk = g.vendedor_sk AND f.data_sk = g.data_sk AND f.regiao_sk = g.regiao_sk
     AND f.equipe_sk = g.equipe_sk
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

    -- 5. the day x region (mart.agg_pedidos_diarios) and day x region x coupon (mart.agg_descontos_diarios)
    --    rows of the pending day x regions, moved by difference: they count distinct orders and
    --    customers, which only the lines of the changed orders and of the changed customers' days can
    --    move. "Before" is the fact with the lines listed in pg_temp.etl_agg_linhas_antes (written by
    --    etl.load_fact_vendas) put back as they were; "after" is the fact. Recomputing those rows
    --    instead read every line of the pending day x regions (at scale 10, 753,600 lines and 4 s for
    --    a daily load whose 14,895 changed lines touched 208 of them). Seller-days pending without a
    --    listed line (a product re-categorised in place) move neither table: they hold no category.
    IF to_regclass('pg_temp.etl_agg_linhas_antes') IS NOT NULL THEN
        CREATE TEMPORARY TABLE etl_agg_chaves ON COMMIT DROP AS
        SELECT DISTINCT g.data, g.data_sk, g.regiao_sk FROM pg_temp.etl_agg_grupos AS g;

        -- the non-cancelled lines of the changed orders, after (+1) and before (-1)
        CREATE TEMPORARY TABLE etl_agg_mundos ON COMMIT DROP AS
        WITH pedidos AS (
            SELECT a.pedido_id FROM pg_temp.etl_agg_linhas_antes AS a WHERE a.existia
            UNION
            SELECT f.pedido_id
            FROM pg_temp.etl_agg_linhas_antes AS a
            JOIN fact.fact_vendas AS f ON f.item_pedido_id = a.item_pedido_id
        ), agora AS MATERIALIZED (
            SELECT f.item_pedido_id, f.pedido_id, f.data_sk, f.regiao_sk, f.cliente_sk, f.desconto_sk,
                   f.quantidade_vendida, f.quantidade_devolvida, f.valor_bruto, f.valor_desconto,
                   f.valor_total_liquido, f.custo_total
            FROM fact.fact_vendas AS f
            WHERE f.pedido_id IN (SELECT p.pedido_id FROM pedidos AS p) AND NOT f.eh_cancelado
        )
        SELECT 1 AS sinal, x.* FROM agora AS x
        UNION ALL
        SELECT -1, x.* FROM agora AS x
        WHERE NOT EXISTS (SELECT 1 FROM pg_temp.etl_agg_linhas_antes AS a WHERE a.item_pedido_id = x.item_pedido_id)
        UNION ALL
        SELECT -1, a.item_pedido_id, a.pedido_id, a.data_sk, a.regiao_sk, a.cliente_sk, a.desconto_sk,
               a.quantidade_vendida, a.quantidade_devolvida, a.valor_bruto, a.valor_desconto,
               a.valor_total_liquido, a.custo_total
        FROM pg_temp.etl_agg_linhas_antes AS a
        WHERE a.existia AND NOT a.eh_cancelado;

        -- the customers of those lines: each one's non-cancelled lines of that day, after and before
        -- (its other orders of the day count too); probes of fact_vendas_cliente
        CREATE TEMPORARY TABLE etl_agg_clientes ON COMMIT DROP AS
        WITH dias AS (
            SELECT DISTINCT m.cliente_sk, m.data_sk
            FROM pg_temp.etl_agg_mundos AS m
            JOIN pg_temp.etl_agg_chaves AS k ON k.data_sk = m.data_sk AND k.regiao_sk = m.regiao_sk
            WHERE m.cliente_sk <> -1
        ), agora AS MATERIALIZED (
            SELECT f.item_pedido_id, f.cliente_sk, f.data_sk, f.regiao_sk
            FROM dias AS d
            JOIN fact.fact_vendas AS f ON f.cliente_sk = d.cliente_sk AND f.data_sk = d.data_sk
            WHERE NOT f.eh_cancelado
        )
        SELECT 1 AS sinal, x.cliente_sk, x.data_sk, x.regiao_sk FROM agora AS x
        UNION ALL
        SELECT -1, x.cliente_sk, x.data_sk, x.regiao_sk FROM agora AS x
        WHERE NOT EXISTS (SELECT 1 FROM pg_temp.etl_agg_linhas_antes AS a WHERE a.item_pedido_id = x.item_pedido_id)
        UNION ALL
        SELECT -1, a.cliente_sk, a.data_sk, a.regiao_sk
        FROM pg_temp.etl_agg_linhas_antes AS a
        JOIN dias AS d ON d.cliente_sk = a.cliente_sk AND d.data_sk = a.data_sk
        WHERE a.existia AND NOT a.eh_cancelado;

        -- the differences per pending day x region (after minus before; distinct counts per world)
        CREATE TEMPORARY TABLE etl_agg_pedidos_delta ON COMMIT DROP AS
        SELECT u.data, u.data_sk, u.regiao_sk, sum(u.pedidos) AS pedidos, sum(u.clientes) AS clientes,
               sum(u.valor_total_liquido) AS valor_total_liquido, sum(u.pedidos_com_desconto) AS pedidos_com_desconto,
               sum(u.pedidos_sem_desconto) AS pedidos_sem_desconto, sum(u.linhas) AS linhas,
               sum(u.quantidade_vendida) AS quantidade_vendida, sum(u.quantidade_devolvida) AS quantidade_devolvida,
               sum(u.valor_bruto) AS valor_bruto, sum(u.valor_desconto) AS valor_desconto,
               sum(u.custo_total) AS custo_total, sum(u.valor_bruto_com_desconto) AS valor_bruto_com_desconto,
               sum(u.valor_desconto_com_desconto) AS valor_desconto_com_desconto,
               sum(u.receita_com_desconto) AS receita_com_desconto, sum(u.custo_com_desconto) AS custo_com_desconto
        FROM (
            SELECT k.data, k.data_sk, k.regiao_sk,
                   count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = 1)
                   - count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = -1) AS pedidos,
                   0 AS clientes,
                   sum(m.sinal * m.valor_total_liquido) AS valor_total_liquido,
                   count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = 1 AND m.valor_desconto > 0)
                   - count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = -1 AND m.valor_desconto > 0) AS pedidos_com_desconto,
                   count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = 1 AND NOT m.valor_desconto > 0)
                   - count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = -1 AND NOT m.valor_desconto > 0) AS pedidos_sem_desconto,
                   sum(m.sinal) AS linhas, sum(m.sinal * m.quantidade_vendida) AS quantidade_vendida,
                   sum(m.sinal * m.quantidade_devolvida) AS quantidade_devolvida,
                   sum(m.sinal * m.valor_bruto) AS valor_bruto, sum(m.sinal * m.valor_desconto) AS valor_desconto,
                   sum(m.sinal * m.custo_total) AS custo_total,
                   coalesce(sum(m.sinal * m.valor_bruto) FILTER (WHERE m.valor_desconto > 0), 0) AS valor_bruto_com_desconto,
                   coalesce(sum(m.sinal * m.valor_desconto) FILTER (WHERE m.valor_desconto > 0), 0) AS valor_desconto_com_desconto,
                   coalesce(sum(m.sinal * m.valor_total_liquido) FILTER (WHERE m.valor_desconto > 0), 0) AS receita_com_desconto,
                   coalesce(sum(m.sinal * m.custo_total) FILTER (WHERE m.valor_desconto > 0), 0) AS custo_com_desconto
            FROM pg_temp.etl_agg_mundos AS m
            JOIN pg_temp.etl_agg_chaves AS k ON k.data_sk = m.data_sk AND k.regiao_sk = m.regiao_sk
            GROUP BY k.data, k.data_sk, k.regiao_sk
            UNION ALL
            SELECT k.data, k.data_sk, k.regiao_sk, 0,
                   count(DISTINCT c.cliente_sk) FILTER (WHERE c.sinal = 1)
                   - count(DISTINCT c.cliente_sk) FILTER (WHERE c.sinal = -1),
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM pg_temp.etl_agg_clientes AS c
            JOIN pg_temp.etl_agg_chaves AS k ON k.data_sk = c.data_sk AND k.regiao_sk = c.regiao_sk
            GROUP BY k.data, k.data_sk, k.regiao_sk
        ) AS u
        GROUP BY u.data, u.data_sk, u.regiao_sk;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_read := v_read + v_count;

        -- applied: a row left with no line goes, a changed row moves, a new group comes in
        WITH merged AS (
            MERGE INTO mart.agg_pedidos_diarios AS a
            USING pg_temp.etl_agg_pedidos_delta AS n
            ON a.data = n.data AND a.regiao_sk = n.regiao_sk
            WHEN MATCHED AND a.linhas + n.linhas = 0 THEN
                DELETE
            WHEN MATCHED AND (n.pedidos, n.clientes, n.valor_total_liquido, n.pedidos_com_desconto,
                              n.pedidos_sem_desconto, n.linhas, n.quantidade_vendida, n.quantidade_devolvida,
                              n.valor_bruto, n.valor_desconto, n.custo_total, n.valor_bruto_com_desconto,
                              n.valor_desconto_com_desconto, n.receita_com_desconto, n.custo_com_desconto)
                             IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) THEN
                UPDATE SET pedidos = a.pedidos + n.pedidos, clientes = a.clientes + n.clientes,
                           valor_total_liquido = a.valor_total_liquido + n.valor_total_liquido,
                           pedidos_com_desconto = a.pedidos_com_desconto + n.pedidos_com_desconto,
                           pedidos_sem_desconto = a.pedidos_sem_desconto + n.pedidos_sem_desconto,
                           linhas = a.linhas + n.linhas, quantidade_vendida = a.quantidade_vendida + n.quantidade_vendida,
                           quantidade_devolvida = a.quantidade_devolvida + n.quantidade_devolvida,
                           valor_bruto = a.valor_bruto + n.valor_bruto, valor_desconto = a.valor_desconto + n.valor_desconto,
                           custo_total = a.custo_total + n.custo_total,
                           valor_bruto_com_desconto = a.valor_bruto_com_desconto + n.valor_bruto_com_desconto,
                           valor_desconto_com_desconto = a.valor_desconto_com_desconto + n.valor_desconto_com_desconto,
                           receita_com_desconto = a.receita_com_desconto + n.receita_com_desconto,
                           custo_com_desconto = a.custo_com_desconto + n.custo_com_desconto,
                           refreshed_run_id = p_run_id
            WHEN NOT MATCHED AND n.linhas > 0 THEN
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
        SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE'),
               count(*) FILTER (WHERE m.action = 'DELETE')
          INTO v_ins, v_upd, v_count
          FROM merged AS m;
        v_inserted := v_inserted + v_ins;
        v_updated := v_updated + v_upd;
        v_deleted := v_deleted + v_count;
        v_read := v_read - v_count;   -- a group deleted is counted in rows_deleted, not among those read

        -- 6. mart.agg_descontos_diarios: the coupons of the changed orders' discounted lines
        CREATE TEMPORARY TABLE etl_agg_descontos_delta ON COMMIT DROP AS
        SELECT k.data, k.data_sk, k.regiao_sk, m.desconto_sk, sum(m.sinal) AS linhas,
               count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = 1)
               - count(DISTINCT m.pedido_id) FILTER (WHERE m.sinal = -1) AS pedidos,
               sum(m.sinal * m.valor_bruto) AS valor_bruto, sum(m.sinal * m.valor_desconto) AS valor_desconto,
               sum(m.sinal * m.valor_total_liquido) AS valor_total_liquido, sum(m.sinal * m.custo_total) AS custo_total
        FROM pg_temp.etl_agg_mundos AS m
        JOIN pg_temp.etl_agg_chaves AS k ON k.data_sk = m.data_sk AND k.regiao_sk = m.regiao_sk
        WHERE m.valor_desconto > 0
        GROUP BY k.data, k.data_sk, k.regiao_sk, m.desconto_sk;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_read := v_read + v_count;

        WITH merged AS (
            MERGE INTO mart.agg_descontos_diarios AS a
            USING pg_temp.etl_agg_descontos_delta AS n
            ON a.data = n.data AND a.regiao_sk = n.regiao_sk AND a.desconto_sk = n.desconto_sk
            WHEN MATCHED AND a.linhas + n.linhas = 0 THEN
                DELETE
            WHEN MATCHED AND (n.linhas, n.pedidos, n.valor_bruto, n.valor_desconto, n.valor_total_liquido, n.custo_total)
                             IS DISTINCT FROM (0, 0, 0, 0, 0, 0) THEN
                UPDATE SET linhas = a.linhas + n.linhas, pedidos = a.pedidos + n.pedidos,
                           valor_bruto = a.valor_bruto + n.valor_bruto, valor_desconto = a.valor_desconto + n.valor_desconto,
                           valor_total_liquido = a.valor_total_liquido + n.valor_total_liquido,
                           custo_total = a.custo_total + n.custo_total, refreshed_run_id = p_run_id
            WHEN NOT MATCHED AND n.linhas > 0 THEN
                INSERT (data, data_sk, regiao_sk, desconto_sk, linhas, pedidos, valor_bruto, valor_desconto,
                        valor_total_liquido, custo_total, refreshed_run_id)
                VALUES (n.data, n.data_sk, n.regiao_sk, n.desconto_sk, n.linhas, n.pedidos, n.valor_bruto,
                        n.valor_desconto, n.valor_total_liquido, n.custo_total, p_run_id)
            RETURNING merge_action() AS action
        )
        SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE'),
               count(*) FILTER (WHERE m.action = 'DELETE')
          INTO v_ins, v_upd, v_count
          FROM merged AS m;
        v_inserted := v_inserted + v_ins;
        v_updated := v_updated + v_upd;
        v_deleted := v_deleted + v_count;
        v_read := v_read - v_count;

        -- consumed: the aggregates now hold the state after
        DROP TABLE pg_temp.etl_agg_linhas_antes;
    END IF;

    PERFORM audit.fn_somar_entidade(p_run_id, 'agg_vendas_diarias', v_started, p_rows_read => v_read,
                                    p_rows_inserted => v_inserted, p_rows_updated => v_updated,
                                    p_rows_unchanged => v_read - v_inserted - v_updated,
                                    p_rows_deleted => v_deleted);
END
$$;

COMMENT ON PROCEDURE etl.refresh_agg_vendas_grupos(bigint) IS
    'Recalcula a partir de fact.fact_vendas só os grupos dos agregados de vendas em que caem as linhas alteradas '
    '(ctl.agg_grupos_pendentes: dia x região x equipe x vendedor; dia x região para pedidos e cupons), '
    'grava apenas os que mudaram e ajusta os meses pela diferença; não faz COMMIT.';
