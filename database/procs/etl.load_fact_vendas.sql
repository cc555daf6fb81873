-- etl.load_fact_vendas: loads fact.fact_vendas (grain: order line) from stg.order_lines.
-- Source: stg.order_lines (shop order_items LEFT JOIN orders, lines whose line or order changed in
--   the window; seller_id = line seller else order seller; order_found = false for an orphan line)
--   and stg.deleted_rows (tombstones of order_items and orders).  Target: fact.fact_vendas.
-- Called by: harness load-daily / reprocess, CALL etl.load_fact_vendas(run_id, watermark_to
--   [, reprocess_from, reprocess_to]), after the six dimension loads, one transaction.
-- Order of work (set-based only, no row loops):
--   1. arguments checked (etl.check_load_args); staging analyzed so a small delta is planned as
--      index probes into the 1M-row fact (checked with EXPLAIN: nested loop over the delta with an
--      index scan of fact_vendas_pkey, no scan of the fact).
--   2. deletes (counted in rows_deleted; fact_descontos rows go with them by ON DELETE CASCADE):
--      - lines tombstoned in stg.deleted_rows (table_name 'order_items', row_key = order_item_id),
--        unless the line is in stg.order_lines (then it exists again at the source);
--      - lines of orders tombstoned (table_name 'orders', row_key = order_id), unless the line is
--        in stg.order_lines with order_found (the order exists again);
--      - reprocess mode (p_reprocess_from/to given): stg holds EVERY line whose order date (São
--        Paulo time) is in the window, so fact lines of that window absent from stg are deleted.
--   3. screens (etl.regra_linha_venda, the one statement of the rules, which the shop-side checks
--      share), first failing rule wins: null_key, key_too_long, orphan_order, unknown_status,
--      null_customer / null_product / null_seller (a NULL discount_id is "no coupon", -1),
--      date_out_of_range (ordered_at outside dim.dim_data: infinity, 9999-12-31...),
--      quantity_not_positive, negative_price, value_overflow (quantity x price or cost above
--      numeric(14,2)), discount_out_of_range, returned_out_of_range, negative_freight,
--      return_date_out_of_range; then duplicate_line: another order_item_id (accepted in stg, or
--      already in the fact and not superseded by stg) has the same order_id + line_number and a
--      smaller id (byte order): the smallest id is kept.
--      Rejects go to audit.rejected_rows once per (key, rule, row content) (ON CONFLICT DO NOTHING:
--      a line re-read by the overlap or a retry adds nothing); rows_rejected counts the new ones,
--      valor_rejeitado the |quantity x unit_price| of those of lines with no open reject before
--      (etl.rejeicao_primeira), valor_lido that of every staged line. Open
--      rejects of lines accepted now, or tombstoned, are resolved (etl.resolver_rejeicoes).
--   4. references: customer, product, seller and discount ids not yet in their dimension become
--      inferred members (etl.ensure_inferred_*); a NULL discount id maps to the unknown member -1.
--      SCD2 (V020): cliente_sk, produto_sk and vendedor_sk are the versions valid on the order
--      day (valido_de <= order day < valido_ate; versions of a key have no gap, so exactly one);
--      equipe_sk = that seller version's equipe_sk (-1 for an inferred/unknown seller);
--      regiao_sk = that customer version's regiao_sk; desconto_sk from the order's discount_id.
--      Later version changes re-bind these lines from the dimension loads (etl.load_dim_*).
--      Time zone rule: data_sk = the order date in America/Sao_Paulo (the shop's business day),
--      whatever the session TimeZone: to_char(ordered_at AT TIME ZONE 'America/Sao_Paulo', 'YYYYMMDD').
--   5. MERGE on item_pedido_id (source deduplicated by order_item_id, latest updated_at wins),
--      updating only rows whose values changed, stamping inserted_run_id / updated_run_id.
--      Measures: valor_bruto = quantity * unit_price; valor_desconto = discount_amount;
--      valor_total_liquido = bruto - desconto; custo_total = quantity * coalesce(unit_cost, 0);
--      eh_cancelado = status in (canceled, unavailable) (kept: revenue KPIs filter it).
--      Aggregates: every line deleted, inserted, or updated in a column an aggregate reads (the
--      old/new comparison in RETURNING) queues the seller-day (data_sk x regiao_sk x equipe_sk x
--      vendedor_sk) of its old and of its new version in ctl.agg_grupos_pendentes (V060; cancelled
--      versions are in no aggregate, so not queued); the harness then calls
--      etl.refresh_agg_vendas_grupos in this transaction, which also reads the line's state before this
--      transaction (or its absence) from pg_temp.etl_agg_linhas_antes (etl.prepare_agg_linhas_antes;
--      first state kept) for the distinct order and customer counts; the (day, order) of both versions go to
--      pg_temp.etl_fact_vendas_alteradas (dropped at commit), which the harness reads for the
--      reconciliation it owes. The bulk path queues its days whole in ctl.agg_refresh_pending instead. The customer version is joined by hash: of the whole dimension for a
--      large batch, of the batch's customers' versions for a small one (see step 5 below).
--   Bulk path: when fact_vendas is empty before the MERGE (the first load, a rebuild), its foreign
--      keys and secondary indexes are taken off (etl.bulk_load_begin) and put back after
--      it (etl.bulk_load_end: each key validated once over the table, indexes built
--      once), in this transaction; the result is the same table, checked the same.
--   6. watermark and audit row (etl.finish_entity): rows_read = stg.order_lines rows;
--      unchanged = read - inserted - updated - new rejects (dedup losers, re-read rejects).
-- A rejected change leaves the previous fact row as it was (last good version).
-- Rerun: the same staging rows insert, update and delete nothing.  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_fact_vendas(p_run_id bigint, p_watermark_to timestamptz,
                                                 p_reprocess_from date DEFAULT NULL,
                                                 p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_rejected bigint;
    v_valor_lido      numeric;
    v_valor_rejeitado numeric;
    v_inserted bigint;
    v_updated  bigint;
    v_deleted  bigint := 0;
    v_count    bigint;
    v_min_date date;
    v_max_date date;
    v_bulk     boolean;
    v_cliente_join text;
    v_clientes text[];      -- the batch's distinct customer ids: inferred members, then the version lookup
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);
    CALL etl.bulk_load_end('fact.fact_vendas');  -- heals a suspension left committed
    -- the columns the plans below join on (size and distinct keys): a whole-table ANALYZE spent ~3 ms
    -- per column, 40 ms for the 20 columns of a 5k-line daily batch, and on a temp table as much again
    ANALYZE stg.order_lines (order_item_id);
    ANALYZE stg.deleted_rows (table_name, row_key);
    SELECT min(d.data), max(d.data) INTO v_min_date, v_max_date FROM dim.dim_data AS d WHERE d.data_sk > 0;

    -- changed lines for the harness (the reconciliation owes their orders): (day, order) of the old
    -- and of the new version of every line deleted, inserted, or changed in an aggregated column
    IF to_regclass('pg_temp.etl_fact_vendas_alteradas') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fact_vendas_alteradas;
    END IF;
    CREATE TEMPORARY TABLE etl_fact_vendas_alteradas (data_sk integer, pedido_id text) ON COMMIT DROP;
    -- the state before this transaction's changes of every line changed, inserted or deleted, for the
    -- distinct counts of etl.refresh_agg_vendas_grupos (kept from an earlier call: the first state wins)
    CALL etl.prepare_agg_linhas_antes();

    -- 2. deletes, each line removed kept in pg_temp.etl_fact_vendas_removidas for the trail below
    IF to_regclass('pg_temp.etl_fact_vendas_removidas') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fact_vendas_removidas;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_fact_vendas_removidas ON COMMIT DROP AS
    SELECT * FROM fact.fact_vendas WITH NO DATA;

    WITH deleted AS (
        DELETE FROM fact.fact_vendas AS f
        USING (SELECT DISTINCT d.row_key FROM stg.deleted_rows AS d
               WHERE d.table_name = 'order_items'
                 AND NOT EXISTS (SELECT 1 FROM stg.order_lines AS s WHERE s.order_item_id = d.row_key)) AS k
        WHERE f.item_pedido_id = k.row_key
        RETURNING f.*
    )
    INSERT INTO pg_temp.etl_fact_vendas_removidas SELECT * FROM deleted;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    WITH deleted AS (
        DELETE FROM fact.fact_vendas AS f
        USING (SELECT DISTINCT d.row_key FROM stg.deleted_rows AS d WHERE d.table_name = 'orders') AS k
        WHERE f.pedido_id = k.row_key
          AND NOT EXISTS (SELECT 1 FROM stg.order_lines AS s
                          WHERE s.order_item_id = f.item_pedido_id AND s.order_found)
        RETURNING f.*
    )
    INSERT INTO pg_temp.etl_fact_vendas_removidas SELECT * FROM deleted;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted + v_count;

    IF p_reprocess_from IS NOT NULL THEN
        WITH deleted AS (
            DELETE FROM fact.fact_vendas AS f
            WHERE f.data_sk BETWEEN to_char(p_reprocess_from, 'YYYYMMDD')::integer
                                AND to_char(p_reprocess_to, 'YYYYMMDD')::integer
              AND NOT EXISTS (SELECT 1 FROM stg.order_lines AS s WHERE s.order_item_id = f.item_pedido_id)
            RETURNING f.*
        )
        INSERT INTO pg_temp.etl_fact_vendas_removidas SELECT * FROM deleted;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_deleted := v_deleted + v_count;
    END IF;

    -- the removed lines' trail: (day, order) for the harness, their earlier state for the distinct
    -- counts of the group refresh, and the aggregate groups of the non-cancelled ones
    WITH listed AS (
        INSERT INTO pg_temp.etl_fact_vendas_alteradas (data_sk, pedido_id)
        SELECT x.data_sk, x.pedido_id FROM pg_temp.etl_fact_vendas_removidas AS x
    ), antes AS (
        INSERT INTO pg_temp.etl_agg_linhas_antes
        SELECT x.item_pedido_id, true, x.pedido_id, x.data_sk, x.regiao_sk, x.cliente_sk, x.desconto_sk, x.eh_cancelado,
               x.quantidade_vendida, x.quantidade_devolvida, x.valor_bruto, x.valor_desconto, x.valor_total_liquido,
               x.custo_total
        FROM pg_temp.etl_fact_vendas_removidas AS x
        ON CONFLICT (item_pedido_id) DO NOTHING
    )
    INSERT INTO ctl.agg_grupos_pendentes AS g (data_sk, regiao_sk, equipe_sk, vendedor_sk, run_id)
    SELECT DISTINCT x.data_sk, x.regiao_sk, x.equipe_sk, x.vendedor_sk, p_run_id
    FROM pg_temp.etl_fact_vendas_removidas AS x WHERE NOT x.eh_cancelado
    ON CONFLICT DO NOTHING;

    -- 3. screens: every staging line with its rule (NULL = accepted), in a temporary table
    IF to_regclass('pg_temp.etl_fact_vendas_linhas') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fact_vendas_linhas;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_fact_vendas_linhas ON COMMIT DROP AS
    SELECT s.*,
           (s.ordered_at AT TIME ZONE 'America/Sao_Paulo')::date AS data_local,
           etl.regra_linha_venda(s.order_item_id, s.order_id, s.line_number, s.order_found, s.status, s.ordered_at,
                                 s.customer_id, s.product_id, s.seller_id, s.discount_id, s.quantity, s.unit_price,
                                 s.unit_cost, s.discount_amount, s.freight_value, s.returned_quantity, s.returned_at,
                                 v_min_date, v_max_date) AS rule
    FROM stg.order_lines AS s;
    -- temp tables get no autovacuum: plan the next steps on real sizes (the joined columns only)
    ANALYZE pg_temp.etl_fact_vendas_linhas (rule, order_item_id, order_id, data_local, customer_id, product_id,
                                            seller_id, discount_id);

    UPDATE pg_temp.etl_fact_vendas_linhas AS x
       SET rule = 'duplicate_line'
      FROM (SELECT c.order_item_id
            FROM (SELECT u.order_item_id, u.from_stg,
                         dense_rank() OVER (PARTITION BY u.order_id, u.line_number
                                            ORDER BY u.order_item_id COLLATE "C") AS rk
                  FROM (SELECT a.order_item_id, a.order_id, a.line_number, true AS from_stg
                        FROM pg_temp.etl_fact_vendas_linhas AS a
                        WHERE a.rule IS NULL
                        UNION ALL
                        SELECT f.item_pedido_id, f.pedido_id, f.linha, false
                        FROM fact.fact_vendas AS f
                        WHERE f.pedido_id IN (SELECT a.order_id FROM pg_temp.etl_fact_vendas_linhas AS a
                                              WHERE a.rule IS NULL)
                          AND NOT EXISTS (SELECT 1 FROM pg_temp.etl_fact_vendas_linhas AS a
                                          WHERE a.order_item_id = f.item_pedido_id AND a.rule IS NULL)) AS u
                 ) AS c
            WHERE c.from_stg AND c.rk > 1) AS dup
     WHERE x.order_item_id = dup.order_item_id AND x.rule IS NULL;

    SELECT count(*), sum(abs(x.quantity::numeric * x.unit_price)) INTO v_read, v_valor_lido
    FROM pg_temp.etl_fact_vendas_linhas AS x;

    -- each (line, rule, content) once: a line re-read by the overlap or a retry adds nothing
    WITH novas AS (
        INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
        SELECT p_run_id, 'fact_vendas', x.order_item_id, x.rule, etl.json_linha(x) - 'data_local' - 'rule'
        FROM pg_temp.etl_fact_vendas_linhas AS x
        WHERE x.rule IS NOT NULL
        ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING
        RETURNING natural_key, abs((raw ->> 'quantity')::numeric * (raw ->> 'unit_price')::numeric) AS valor
    )
    SELECT count(*), coalesce(sum(n.valor) FILTER (WHERE etl.rejeicao_primeira('fact_vendas', n.natural_key, p_run_id)), 0)
      INTO v_rejected, v_valor_rejeitado FROM novas AS n;
    -- open rejects of lines accepted now (fixed at the source) or deleted at the source (the key list
    -- is built only when some reject is open: a first load accepts a million lines)
    IF EXISTS (SELECT 1 FROM audit.rejected_rows AS r
               WHERE r.entity = 'fact_vendas'
                 AND NOT EXISTS (SELECT 1 FROM audit.rejeicoes_resolvidas AS z WHERE z.rejected_id = r.rejected_id)) THEN
        PERFORM etl.resolver_rejeicoes(p_run_id, 'fact_vendas', ARRAY(
            SELECT x.order_item_id FROM pg_temp.etl_fact_vendas_linhas AS x WHERE x.rule IS NULL));
        PERFORM etl.resolver_rejeicoes(p_run_id, 'fact_vendas', ARRAY(
            SELECT d.row_key FROM stg.deleted_rows AS d
            WHERE d.table_name = 'order_items'
              AND NOT EXISTS (SELECT 1 FROM stg.order_lines AS s WHERE s.order_item_id = d.row_key)),
            'excluida_na_origem');
    END IF;

    -- 4. inferred members for references not loaded yet
    v_clientes := ARRAY(SELECT DISTINCT x.customer_id FROM pg_temp.etl_fact_vendas_linhas AS x
                        WHERE x.rule IS NULL AND x.customer_id IS NOT NULL);
    PERFORM etl.ensure_inferred_clientes(p_run_id, v_clientes);
    PERFORM etl.ensure_inferred_produtos(p_run_id, ARRAY(
        SELECT DISTINCT x.product_id FROM pg_temp.etl_fact_vendas_linhas AS x
        WHERE x.rule IS NULL AND x.product_id IS NOT NULL));
    PERFORM etl.ensure_inferred_vendedores(p_run_id, ARRAY(
        SELECT DISTINCT x.seller_id FROM pg_temp.etl_fact_vendas_linhas AS x
        WHERE x.rule IS NULL AND x.seller_id IS NOT NULL));
    PERFORM etl.ensure_inferred_descontos(p_run_id, ARRAY(
        SELECT DISTINCT x.discount_id FROM pg_temp.etl_fact_vendas_linhas AS x
        WHERE x.rule IS NULL AND x.discount_id IS NOT NULL));

    -- 5. MERGE (bulk path when the fact is empty)
    v_bulk := NOT EXISTS (SELECT 1 FROM fact.fact_vendas);
    IF v_bulk THEN
        CALL etl.bulk_load_begin('fact.fact_vendas', p_run_id);
    END IF;
    -- the customer version of each line's order day (versions of a key do not overlap, V032):
    -- a large batch (first load, catch-up) hashes the dimension; a small one (a daily load) hashes
    -- only the versions of the batch's customers, read by one index scan over their ids (a plain range
    -- join had the planner probe the no-overlap GiST index per line: 600-780 ms of a 5k-line daily
    -- load at scale 1; a hash of all 233k versions spilled to disk, ~300 ms; a backward btree probe
    -- per line, session 3, 93 ms; this, 35 ms)
    IF v_bulk OR v_read > 100000 THEN
        v_cliente_join := $j$LEFT JOIN dim.dim_cliente AS c ON c.cliente_id = l.customer_id
                                           AND l.data_local >= c.valido_de AND l.data_local < c.valido_ate$j$;
    ELSE
        v_cliente_join := $j$LEFT JOIN (SELECT c1.cliente_id, c1.cliente_sk, c1.regiao_sk, c1.valido_de, c1.valido_ate
                               FROM dim.dim_cliente AS c1
                               WHERE c1.cliente_id = ANY ($3)) AS c
                   ON c.cliente_id = l.customer_id AND l.data_local >= c.valido_de AND l.data_local < c.valido_ate$j$;
    END IF;
    -- one statement, the customer join spliced in ($1 = p_run_id, $2 = v_bulk, $3 = v_clientes)
    EXECUTE format($merge$
    WITH merged AS (
        MERGE INTO fact.fact_vendas AS t
        USING (
            SELECT l.order_item_id, l.order_id, l.line_number,
                   to_char(l.data_local, 'YYYYMMDD')::integer AS data_sk,
                   coalesce(c.cliente_sk, -1)   AS cliente_sk,
                   coalesce(p.produto_sk, -1)   AS produto_sk,
                   coalesce(v.vendedor_sk, -1)  AS vendedor_sk,
                   coalesce(v.equipe_sk, -1)    AS equipe_sk,
                   coalesce(c.regiao_sk, -1)    AS regiao_sk,
                   coalesce(d.desconto_sk, -1)  AS desconto_sk,
                   l.status,
                   l.status IN ('canceled', 'unavailable') AS eh_cancelado,
                   l.quantity,
                   coalesce(l.returned_quantity, 0) AS quantidade_devolvida,
                   l.returned_at,
                   l.unit_price,
                   (l.quantity * l.unit_price)::numeric(14,2) AS valor_bruto,
                   coalesce(l.discount_amount, 0)::numeric(14,2) AS valor_desconto,
                   (l.quantity * l.unit_price - coalesce(l.discount_amount, 0))::numeric(14,2) AS valor_total_liquido,
                   (l.quantity * coalesce(l.unit_cost, 0))::numeric(14,2) AS custo_total,
                   coalesce(l.freight_value, 0)::numeric(12,2) AS valor_frete
            FROM (SELECT DISTINCT ON (x.order_item_id) x.*
                  FROM pg_temp.etl_fact_vendas_linhas AS x
                  WHERE x.rule IS NULL
                  ORDER BY x.order_item_id, x.updated_at DESC NULLS LAST) AS l
            %s
            LEFT JOIN dim.dim_produto  AS p ON p.produto_id  = l.product_id
                                           AND l.data_local >= p.valido_de AND l.data_local < p.valido_ate
            LEFT JOIN dim.dim_vendedor AS v ON v.vendedor_id = l.seller_id
                                           AND l.data_local >= v.valido_de AND l.data_local < v.valido_ate
            LEFT JOIN dim.dim_desconto AS d ON d.desconto_id = l.discount_id
        ) AS s
        ON t.item_pedido_id = s.order_item_id
        WHEN MATCHED AND (t.pedido_id, t.linha, t.data_sk, t.cliente_sk, t.produto_sk, t.vendedor_sk, t.equipe_sk,
                          t.regiao_sk, t.desconto_sk, t.status, t.eh_cancelado, t.quantidade_vendida,
                          t.quantidade_devolvida, t.data_devolucao, t.preco_unitario, t.valor_bruto,
                          t.valor_desconto, t.valor_total_liquido, t.custo_total, t.valor_frete)
                         IS DISTINCT FROM
                         (s.order_id, s.line_number, s.data_sk, s.cliente_sk, s.produto_sk, s.vendedor_sk, s.equipe_sk,
                          s.regiao_sk, s.desconto_sk, s.status, s.eh_cancelado, s.quantity,
                          s.quantidade_devolvida, s.returned_at, s.unit_price, s.valor_bruto,
                          s.valor_desconto, s.valor_total_liquido, s.custo_total, s.valor_frete) THEN
            UPDATE SET pedido_id = s.order_id, linha = s.line_number, data_sk = s.data_sk,
                       cliente_sk = s.cliente_sk, produto_sk = s.produto_sk, vendedor_sk = s.vendedor_sk,
                       equipe_sk = s.equipe_sk, regiao_sk = s.regiao_sk, desconto_sk = s.desconto_sk,
                       status = s.status, eh_cancelado = s.eh_cancelado, quantidade_vendida = s.quantity,
                       quantidade_devolvida = s.quantidade_devolvida, data_devolucao = s.returned_at,
                       preco_unitario = s.unit_price, valor_bruto = s.valor_bruto,
                       valor_desconto = s.valor_desconto, valor_total_liquido = s.valor_total_liquido,
                       custo_total = s.custo_total, valor_frete = s.valor_frete, updated_run_id = $1
        WHEN NOT MATCHED THEN
            INSERT (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk, equipe_sk,
                    regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida, quantidade_devolvida,
                    data_devolucao, preco_unitario, valor_bruto, valor_desconto, valor_total_liquido,
                    custo_total, valor_frete, inserted_run_id)
            VALUES (s.order_item_id, s.order_id, s.line_number, s.data_sk, s.cliente_sk, s.produto_sk,
                    s.vendedor_sk, s.equipe_sk, s.regiao_sk, s.desconto_sk, s.status, s.eh_cancelado, s.quantity,
                    s.quantidade_devolvida, s.returned_at, s.unit_price, s.valor_bruto, s.valor_desconto,
                    s.valor_total_liquido, s.custo_total, s.valor_frete, $1)
        RETURNING merge_action() AS action,
                  old.data_sk AS old_data_sk, old.regiao_sk AS old_regiao_sk, old.equipe_sk AS old_equipe_sk,
                  old.vendedor_sk AS old_vendedor_sk, old.eh_cancelado AS old_cancelado, old.pedido_id AS old_pedido_id,
                  new.item_pedido_id AS item_pedido_id, old.item_pedido_id IS NOT NULL AS existia,
                  old.cliente_sk AS old_cliente_sk, old.desconto_sk AS old_desconto_sk,
                  old.quantidade_vendida AS old_quantidade_vendida, old.quantidade_devolvida AS old_quantidade_devolvida,
                  old.valor_bruto AS old_valor_bruto, old.valor_desconto AS old_valor_desconto,
                  old.valor_total_liquido AS old_valor_total_liquido, old.custo_total AS old_custo_total,
                  new.data_sk AS new_data_sk, new.regiao_sk AS new_regiao_sk, new.equipe_sk AS new_equipe_sk,
                  new.vendedor_sk AS new_vendedor_sk, new.eh_cancelado AS new_cancelado, new.pedido_id AS new_pedido_id,
                  -- every column an aggregate reads (etl.refresh_agg_vendas_*): a line whose other
                  -- columns alone changed (status shipped -> delivered, ...) leaves the aggregates as they are
                  (old.data_sk, old.pedido_id, old.cliente_sk, old.produto_sk, old.vendedor_sk, old.equipe_sk,
                   old.regiao_sk, old.desconto_sk, old.eh_cancelado, old.quantidade_vendida,
                   old.quantidade_devolvida, old.valor_bruto, old.valor_desconto, old.valor_total_liquido,
                   old.custo_total, old.valor_frete)
                  IS DISTINCT FROM
                  (new.data_sk, new.pedido_id, new.cliente_sk, new.produto_sk, new.vendedor_sk, new.equipe_sk,
                   new.regiao_sk, new.desconto_sk, new.eh_cancelado, new.quantidade_vendida,
                   new.quantidade_devolvida, new.valor_bruto, new.valor_desconto, new.valor_total_liquido,
                   new.custo_total, new.valor_frete) AS aggregated_changed
    ), listed AS (
        INSERT INTO pg_temp.etl_fact_vendas_alteradas (data_sk, pedido_id)
        SELECT k.data_sk, k.pedido_id
        FROM merged AS m
        CROSS JOIN LATERAL (VALUES (m.old_data_sk, m.old_pedido_id), (m.new_data_sk, m.new_pedido_id))
            AS k (data_sk, pedido_id)
        WHERE NOT $2 AND m.aggregated_changed AND k.data_sk IS NOT NULL
    ), antes AS (
        -- the old version (or its absence) of every line whose aggregated values changed
        INSERT INTO pg_temp.etl_agg_linhas_antes
        SELECT m.item_pedido_id, m.existia, m.old_pedido_id, m.old_data_sk, m.old_regiao_sk, m.old_cliente_sk,
               m.old_desconto_sk, m.old_cancelado, m.old_quantidade_vendida, m.old_quantidade_devolvida,
               m.old_valor_bruto, m.old_valor_desconto, m.old_valor_total_liquido, m.old_custo_total
        FROM merged AS m
        WHERE NOT $2 AND m.aggregated_changed
        ON CONFLICT (item_pedido_id) DO NOTHING
    ), pending AS (
        -- the aggregate groups of the old and the new version of every line whose aggregated values
        -- changed (cancelled versions are in no aggregate); not on the bulk path (every day, below)
        INSERT INTO ctl.agg_grupos_pendentes AS g (data_sk, regiao_sk, equipe_sk, vendedor_sk, run_id)
        SELECT DISTINCT k.data_sk, k.regiao_sk, k.equipe_sk, k.vendedor_sk, $1
        FROM merged AS m
        CROSS JOIN LATERAL (VALUES (m.old_data_sk, m.old_regiao_sk, m.old_equipe_sk, m.old_vendedor_sk, m.old_cancelado),
                                   (m.new_data_sk, m.new_regiao_sk, m.new_equipe_sk, m.new_vendedor_sk, m.new_cancelado))
            AS k (data_sk, regiao_sk, equipe_sk, vendedor_sk, cancelado)
        WHERE NOT $2 AND m.aggregated_changed AND k.cancelado IS FALSE
        ON CONFLICT DO NOTHING
    )
    SELECT count(*) FILTER (WHERE m.action = 'INSERT'), count(*) FILTER (WHERE m.action = 'UPDATE')
      FROM merged AS m
    $merge$, v_cliente_join) INTO v_inserted, v_updated USING p_run_id, v_bulk, v_clientes;
    IF v_bulk THEN
        CALL etl.bulk_load_end('fact.fact_vendas');
        -- the fact was empty: every day with a line is new to the aggregates (whole-day refresh)
        INSERT INTO ctl.agg_refresh_pending (data, reason, run_id)
        SELECT DISTINCT x.data_local, 'primeira carga de fact_vendas', p_run_id
        FROM pg_temp.etl_fact_vendas_linhas AS x
        WHERE x.rule IS NULL
        ON CONFLICT (data) DO NOTHING;
    END IF;

    -- 6. watermark + audit
    CALL etl.finish_entity(p_run_id, 'fact_vendas', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, v_deleted, v_rejected, coalesce(v_valor_lido, 0),
                           v_valor_rejeitado);
END
$$;

COMMENT ON PROCEDURE etl.load_fact_vendas(bigint, timestamptz, date, date) IS
    'Carga de fact.fact_vendas (grão: linha de pedido) a partir de stg.order_lines: filtros com rejeição, membros inferidos, exclusões por lápide e reprocessamento por janela de datas; não faz COMMIT.';
