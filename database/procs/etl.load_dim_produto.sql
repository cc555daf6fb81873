-- etl.load_dim_produto: loads dim.dim_produto (SCD type 2) from stg.products.
-- Source: stg.products (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_produto; grain: one row per VERSION of a product (produto_id, valido_de),
--   versions valid on half-open business-day intervals [valido_de, valido_ate).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_produto(run_id, watermark_to), one
--   transaction per entity. p_reprocess_from/to are checked but ignored.
-- Tracked (type 2): categoria, subcategoria, custo_unitario (rule: any change of the unit cost,
--   to the cent, opens a version; the cost of each sale is in the fact already, custo_total from
--   the line's own unit_cost, so the version tells which catalogue cost held on the sale day).
--   Type 1 (overwritten on every version of the key): nome, preco_lista.
-- Effective date of a change: the staged row's updated_at as a date in America/Sao_Paulo. The
--   extraction reads the shop's change log (shop.products_history, oltp V002): every state recorded
--   in the window (recorded_at), numbered by history_id, so several changes between two loads give
--   several versions (docs/scd2.md).
-- Screens (audit.rejected_rows, entity 'dim_produto', each (key, rule, content) once), first wins:
--   null_key        product_id IS NULL
--   reserved_key    product_id = '-1'
--   key_too_long    product_id longer than 200 characters (a btree entry holds about 2.7 kB)
--   negative_price  list_price < 0 or unit_cost < 0
--   text_too_long   category or subcategory longer than 200 characters (the aggregates' key)
--   Blank/NULL name is kept as 'Não informado' (not a rejection); NULL category/price/cost are kept.
--   Open rejects of keys whose latest staged state is accepted are resolved (etl.resolver_rejeicoes).
-- Load: the staged states of a key are applied one at a time in write order (history_id), in
--   rounds (round n = the n-th state of every key), skipping states the key already applied
--   (history_id <= origem_historico_id of its current version) and repeats of the previous state;
--   of staged rows without a history_id only the latest (updated_at) counts, the others are
--   unchanged. A state changes the tracked attributes that differ from the key's current version,
--   from its effective day on (docs/scd2.md, late-arriving changes): new key -> first version
--   [-infinity, infinity) (inserted); inferred current version -> completed in place (updated);
--   tracked change after the first day of the version holding its effective day -> that version
--   split there, later versions renumbered (inserted); on that first day -> corrected in place
--   (updated); either way every later version takes the changed attributes; type-1 change -> every
--   version overwritten (updated); else nothing (unchanged).
-- Re-binding: fact.fact_vendas lines of a key whose tracked attributes changed get the version
--   valid on their order day (produto_sk; fact_descontos follows); their aggregate groups go to
--   ctl.agg_grupos_pendentes (the aggregate groups by the version's categoria). A backdated change
--   thus moves the facts already loaded after its effective day.
-- Audit: read = inserted + updated + unchanged + rejected (new rejects); rows_rebound = fact rows re-bound
--   (fact_vendas lines).
-- Bulk path: while the dimension holds only its unknown member (the first load), its foreign keys
--   and secondary indexes come off for the rounds and go back validated once (etl.bulk_load_begin /
--   etl.bulk_load_end). The no-overlap rule stays on: since V080-V083 it is a statement-level check
--   (etl.scd2_sem_sobreposicao) over the keys each statement writes, not a GiST exclusion constraint
--   (a GiST probe per row cost ~60 s at scale 1, building the index once 16-18 s).
-- Rerun: same staging rows change nothing (states already applied are skipped).  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_produto(p_run_id bigint, p_watermark_to timestamptz,
                                                 p_reprocess_from date DEFAULT NULL,
                                                 p_reprocess_to date DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bulk     boolean;
    v_started  timestamptz := clock_timestamp();
    v_read     bigint;
    v_rejected bigint;
    v_inserted bigint := 0;
    v_updated  bigint := 0;
    v_count    bigint;
    v_rodadas  integer;
    v_revinculados bigint;
BEGIN
    CALL etl.check_load_args(p_run_id, p_reprocess_from, p_reprocess_to);
    CALL etl.bulk_load_end('dim.dim_produto');  -- heals a suspension left committed

    -- screens: every staged state with its rule (NULL = accepted) and whether it is its key's latest
    IF to_regclass('pg_temp.etl_triagem_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_triagem_produto;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_triagem_produto ON COMMIT DROP AS
    SELECT s.*,
           CASE WHEN s.product_id IS NULL THEN 'null_key'
                WHEN s.product_id = '-1' THEN 'reserved_key'
                WHEN length(s.product_id) > 200 THEN 'key_too_long'
                WHEN s.list_price < 0 OR s.unit_cost < 0 THEN 'negative_price'
                WHEN length(s.category) > 200 OR length(s.subcategory) > 200 THEN 'text_too_long' END AS rule,
           row_number() OVER (PARTITION BY s.product_id
                              ORDER BY s.history_id DESC NULLS FIRST, s.updated_at DESC NULLS LAST) = 1 AS ultima
    FROM stg.products AS s;

    SELECT count(*) INTO v_read FROM pg_temp.etl_triagem_produto;
    INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
    SELECT p_run_id, 'dim_produto', s.product_id, s.rule, etl.json_linha(s) - 'rule' - 'ultima'
    FROM pg_temp.etl_triagem_produto AS s
    WHERE s.rule IS NOT NULL
    ORDER BY s.history_id, s.updated_at
    ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING;
    GET DIAGNOSTICS v_rejected = ROW_COUNT;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_produto', ARRAY(
        SELECT s.product_id FROM pg_temp.etl_triagem_produto AS s WHERE s.ultima AND s.rule IS NULL));

    -- the states to apply: per key in write order (history_id), without those the key already
    -- applied (history_id <= the current version's origem_historico_id: the window's overlap, a
    -- reprocess) and without a repeat of the state before it (an update that changed nothing the
    -- warehouse keeps); of staged rows without a history_id only the latest (updated_at) counts,
    -- after the change-log states; rodada = position of the state in its key's sequence
    IF to_regclass('pg_temp.etl_fila_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fila_produto;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_fila_produto ON COMMIT DROP AS
    SELECT q.*, row_number() OVER (PARTITION BY q.product_id ORDER BY q.seq) AS rodada
    FROM (SELECT p.*,
                 (p.nome, p.category, p.subcategory, p.list_price, p.unit_cost) IS NOT DISTINCT FROM
                 (lag(p.nome) OVER w, lag(p.category) OVER w, lag(p.subcategory) OVER w, lag(p.list_price) OVER w,
                  lag(p.unit_cost) OVER w) AND lag(p.seq) OVER w IS NOT NULL AS repetido
          FROM (SELECT x.product_id, coalesce(nullif(btrim(x.name), ''), 'Não informado') AS nome,
                       x.category, x.subcategory, x.list_price, x.unit_cost, x.history_id,
                       (coalesce(x.updated_at, p_watermark_to, now()) AT TIME ZONE 'America/Sao_Paulo')::date AS efetivo,
                       row_number() OVER (PARTITION BY x.product_id ORDER BY x.history_id, x.updated_at) AS seq
                FROM (SELECT y.*, row_number() OVER (PARTITION BY y.product_id, y.history_id IS NULL
                                                     ORDER BY y.updated_at DESC NULLS LAST) AS ultimo
                      FROM pg_temp.etl_triagem_produto AS y
                      WHERE y.rule IS NULL) AS x
                LEFT JOIN dim.dim_produto AS c ON c.produto_id = x.product_id AND c.eh_atual
                WHERE (x.history_id IS NOT NULL OR x.ultimo = 1)
                  AND (x.history_id IS NULL OR c.origem_historico_id IS NULL OR x.history_id > c.origem_historico_id)) AS p
          WINDOW w AS (PARTITION BY p.product_id ORDER BY p.seq)) AS q
    WHERE NOT q.repetido;
    SELECT max(f.rodada) INTO v_rodadas FROM pg_temp.etl_fila_produto AS f;

    -- keys whose tracked attributes changed (their facts are re-bound below), and the versions
    -- corrected in place (the days they sold on refresh the aggregate)
    IF to_regclass('pg_temp.etl_mudou_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_mudou_produto;
    END IF;
    CREATE TEMPORARY TABLE etl_mudou_produto (product_id text PRIMARY KEY) ON COMMIT DROP;
    IF to_regclass('pg_temp.etl_corrigido_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_corrigido_produto;
    END IF;
    CREATE TEMPORARY TABLE etl_corrigido_produto (produto_sk bigint PRIMARY KEY) ON COMMIT DROP;

    -- round n applies the n-th state of every key. The attributes a state changes are those that
    -- differ from the key's current version (the state written before it); they take effect from the
    -- state's effective day in the version holding that day (alvo), and in every later version
    -- (docs/scd2.md, "Late-arriving changes")
    v_bulk := NOT EXISTS (SELECT 1 FROM dim.dim_produto AS b WHERE b.produto_sk <> -1);
    IF v_bulk THEN
        CALL etl.bulk_load_begin('dim.dim_produto', p_run_id);
    END IF;
    FOR v_rodada IN 1 .. coalesce(v_rodadas, 0) LOOP
        IF to_regclass('pg_temp.etl_scd_produto') IS NOT NULL THEN
            DROP TABLE pg_temp.etl_scd_produto;
        END IF;
        CREATE TEMPORARY TABLE etl_scd_produto ON COMMIT DROP AS
        SELECT a.*,
               CASE WHEN a.acao IN ('nova_versao', 'versao_corrigida') THEN a.dia_sk ELSE a.atual_sk END AS alvo_sk
        FROM (SELECT s.*, c.produto_sk AS atual_sk,
                     v.produto_sk AS dia_sk, v.versao AS dia_versao, v.valido_ate AS dia_ate,
                     v.categoria AS dia_categoria, v.subcategoria AS dia_subcategoria,
                     v.custo_unitario AS dia_custo_unitario,
                     (c.categoria, c.subcategoria)   -- a subcategory belongs to its category
                         IS DISTINCT FROM (s.category, s.subcategory) AS muda_categoria,
                     c.custo_unitario IS DISTINCT FROM s.unit_cost AS muda_custo,
                     CASE WHEN c.produto_sk IS NULL THEN 'nova_chave'
                          WHEN c.inferido THEN 'inferido_completado'
                          WHEN (c.categoria, c.subcategoria, c.custo_unitario)
                               IS DISTINCT FROM (s.category, s.subcategory, s.unit_cost)
                              THEN CASE WHEN s.efetivo > v.valido_de THEN 'nova_versao' ELSE 'versao_corrigida' END
                          WHEN (c.nome, c.preco_lista) IS DISTINCT FROM (s.nome, s.list_price) THEN 'tipo1'
                          ELSE 'igual' END AS acao
              FROM pg_temp.etl_fila_produto AS s
              LEFT JOIN dim.dim_produto AS c ON c.produto_id = s.product_id AND c.eh_atual
              LEFT JOIN dim.dim_produto AS v   -- the version holding the effective day
                     ON v.produto_id = s.product_id AND v.valido_de <= s.efetivo AND v.valido_ate > s.efetivo
              WHERE s.rodada = v_rodada) AS a;

        WITH merged AS (
            MERGE INTO dim.dim_produto AS t
            USING (SELECT * FROM pg_temp.etl_scd_produto AS k WHERE k.acao <> 'igual') AS s
            ON t.produto_sk = s.alvo_sk
            WHEN MATCHED AND s.acao = 'nova_versao' THEN
                UPDATE SET valido_ate = s.efetivo, eh_atual = false, nome = s.nome, preco_lista = s.list_price,
                           updated_run_id = p_run_id
            WHEN MATCHED AND s.acao = 'versao_corrigida' THEN
                UPDATE SET nome = s.nome, preco_lista = s.list_price,
                           categoria = CASE WHEN s.muda_categoria THEN s.category ELSE t.categoria END,
                           subcategoria = CASE WHEN s.muda_categoria THEN s.subcategory ELSE t.subcategoria END,
                           custo_unitario = CASE WHEN s.muda_custo THEN s.unit_cost ELSE t.custo_unitario END,
                           origem_historico_id = coalesce(s.history_id, t.origem_historico_id),
                           updated_run_id = p_run_id
            WHEN MATCHED THEN
                UPDATE SET nome = s.nome, categoria = s.category, subcategoria = s.subcategory,
                           preco_lista = s.list_price, custo_unitario = s.unit_cost, inferido = false,
                           origem_historico_id = coalesce(s.history_id, t.origem_historico_id),
                           updated_run_id = p_run_id
            WHEN NOT MATCHED THEN
                INSERT (produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido,
                        origem_historico_id, inserted_run_id)
                VALUES (s.product_id, s.nome, s.category, s.subcategory, s.list_price, s.unit_cost, false,
                        s.history_id, p_run_id)
            RETURNING merge_action() AS action, s.acao
        )
        SELECT v_inserted + count(*) FILTER (WHERE m.action = 'INSERT'),
               v_updated + count(*) FILTER (WHERE m.action = 'UPDATE' AND m.acao <> 'nova_versao')
          INTO v_inserted, v_updated
          FROM merged AS m;

        IF EXISTS (SELECT 1 FROM pg_temp.etl_scd_produto AS k
                   WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity') THEN
            -- a split in the middle of history: the later versions move up one number (through negative
            -- numbers: (produto_id, versao) is unique at every row)
            UPDATE dim.dim_produto AS t
               SET versao = -(t.versao + 1), updated_run_id = p_run_id
              FROM pg_temp.etl_scd_produto AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.produto_id = k.product_id AND t.valido_de > k.efetivo;
            UPDATE dim.dim_produto AS t
               SET versao = -t.versao
              FROM pg_temp.etl_scd_produto AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.produto_id = k.product_id AND t.versao < 0;
            -- the later versions take the changed attributes too (the current one among them); their
            -- category changed in place: the harness queues the aggregate groups they sold in
            UPDATE dim.dim_produto AS t
               SET categoria = CASE WHEN k.muda_categoria THEN k.category ELSE t.categoria END,
                   subcategoria = CASE WHEN k.muda_categoria THEN k.subcategory ELSE t.subcategoria END,
                   custo_unitario = CASE WHEN k.muda_custo THEN k.unit_cost ELSE t.custo_unitario END,
                   origem_historico_id = CASE WHEN t.eh_atual THEN coalesce(k.history_id, t.origem_historico_id)
                                              ELSE t.origem_historico_id END,
                   updated_run_id = p_run_id
              FROM pg_temp.etl_scd_produto AS k
             WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity'
               AND t.produto_id = k.product_id AND t.valido_de > k.efetivo;
        END IF;

        -- the new versions of type-2 changes: the split version's attributes with the changed ones,
        -- up to where the split version ended (current if it was)
        INSERT INTO dim.dim_produto (produto_id, nome, categoria, subcategoria, preco_lista, custo_unitario, inferido,
                                     valido_de, valido_ate, eh_atual, versao, origem_historico_id, inserted_run_id)
        SELECT k.product_id, k.nome,
               CASE WHEN k.muda_categoria THEN k.category ELSE k.dia_categoria END,
               CASE WHEN k.muda_categoria THEN k.subcategory ELSE k.dia_subcategoria END,
               k.list_price,
               CASE WHEN k.muda_custo THEN k.unit_cost ELSE k.dia_custo_unitario END,
               false, k.efetivo, k.dia_ate, k.dia_ate = 'infinity', k.dia_versao + 1, k.history_id, p_run_id
        FROM pg_temp.etl_scd_produto AS k
        WHERE k.acao = 'nova_versao';
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_inserted := v_inserted + v_count;

        -- type 1: every other version takes the untracked attributes too
        UPDATE dim.dim_produto AS t
           SET nome = k.nome, preco_lista = k.list_price, updated_run_id = p_run_id
          FROM pg_temp.etl_scd_produto AS k
         WHERE k.acao <> 'igual' AND t.produto_id = k.product_id
           AND (t.nome, t.preco_lista) IS DISTINCT FROM (k.nome, k.list_price);

        INSERT INTO pg_temp.etl_mudou_produto (product_id)
        SELECT k.product_id FROM pg_temp.etl_scd_produto AS k
        WHERE k.acao IN ('nova_versao', 'versao_corrigida', 'inferido_completado')
        ON CONFLICT (product_id) DO NOTHING;
        INSERT INTO pg_temp.etl_corrigido_produto (produto_sk)
        SELECT k.alvo_sk FROM pg_temp.etl_scd_produto AS k
        WHERE k.acao IN ('versao_corrigida', 'inferido_completado')
        ON CONFLICT (produto_sk) DO NOTHING;
    END LOOP;
    IF v_bulk THEN
        CALL etl.bulk_load_end('dim.dim_produto');
    END IF;

    IF to_regclass('pg_temp.etl_revinculo_produto') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_revinculo_produto;
    END IF;
    -- a line needs another version only if its day is outside the interval of the version it is
    -- bound to (a key's versions cover time without gap or overlap): those lines alone are read,
    -- by two range probes of fact_vendas_produto (produto_sk, data_sk) per version (V111), each a
    -- branch of the LATERAL (written as one join with an OR, the planner hashed the whole fact at
    -- scale 10: 5.5 s for a daily load). data_sk orders as the days do (yyyymmdd; the unknown day -1
    -- is 0001-01-01, before any finite day). The changed keys' statistics first (a temporary table
    -- has none).
    ANALYZE pg_temp.etl_mudou_produto;
    CREATE TEMPORARY TABLE etl_revinculo_produto ON COMMIT DROP AS
    SELECT f.item_pedido_id, f.data_sk, f.regiao_sk, f.equipe_sk, f.vendedor_sk, f.eh_cancelado, v.produto_sk
    FROM pg_temp.etl_mudou_produto AS k
    JOIN dim.dim_produto AS o ON o.produto_id = k.product_id
    CROSS JOIN LATERAL (
        SELECT f1.item_pedido_id, f1.data_sk, f1.regiao_sk, f1.equipe_sk, f1.vendedor_sk, f1.eh_cancelado
        FROM fact.fact_vendas AS f1
        WHERE f1.produto_sk = o.produto_sk AND isfinite(o.valido_de)
          AND f1.data_sk < to_char(o.valido_de, 'YYYYMMDD')::integer
        UNION ALL
        SELECT f2.item_pedido_id, f2.data_sk, f2.regiao_sk, f2.equipe_sk, f2.vendedor_sk, f2.eh_cancelado
        FROM fact.fact_vendas AS f2
        WHERE f2.produto_sk = o.produto_sk AND isfinite(o.valido_ate)
          AND f2.data_sk >= to_char(o.valido_ate, 'YYYYMMDD')::integer
    ) AS f
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    JOIN dim.dim_produto AS v ON v.produto_id = k.product_id AND d.data >= v.valido_de AND d.data < v.valido_ate
    WHERE o.produto_sk IS DISTINCT FROM v.produto_sk;   -- o: the version the line is bound to

    UPDATE fact.fact_vendas AS f
       SET produto_sk = r.produto_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_produto AS r
     WHERE f.item_pedido_id = r.item_pedido_id;
    GET DIAGNOSTICS v_revinculados = ROW_COUNT;
    UPDATE fact.fact_descontos AS f
       SET produto_sk = r.produto_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_produto AS r
     WHERE f.item_pedido_id = r.item_pedido_id AND f.produto_sk IS DISTINCT FROM r.produto_sk;
    -- the aggregate groups (day x region x team x seller) of the re-bound lines, recomputed by the
    -- group refresh of the fact_vendas step (a line's category is in no day x region table); the
    -- days of versions changed in place (completed/corrected category) whole
    INSERT INTO ctl.agg_grupos_pendentes (data_sk, regiao_sk, equipe_sk, vendedor_sk, run_id)
    SELECT DISTINCT r.data_sk, r.regiao_sk, r.equipe_sk, r.vendedor_sk, p_run_id
    FROM pg_temp.etl_revinculo_produto AS r
    WHERE NOT r.eh_cancelado
    ON CONFLICT DO NOTHING;
    INSERT INTO ctl.agg_refresh_pending (data, reason, run_id)
    SELECT DISTINCT d.data, 'versão de produto corrigida no lugar', p_run_id
    FROM pg_temp.etl_corrigido_produto AS k
    JOIN fact.fact_vendas AS f ON f.produto_sk = k.produto_sk
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    ON CONFLICT (data) DO NOTHING;

    CALL etl.finish_entity(p_run_id, 'dim_produto', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
    IF v_revinculados > 0 THEN
        PERFORM audit.fn_somar_entidade(p_run_id, 'dim_produto', v_started, p_rows_rebound => v_revinculados);
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.load_dim_produto(bigint, timestamptz, date, date) IS
    'Carga tipo 2 de dim.dim_produto a partir de stg.products (categoria, subcategoria e custo rastreados; '
    'nome e preço de lista tipo 1), re-vinculando as vendas à versão do dia do pedido; não faz COMMIT.';
