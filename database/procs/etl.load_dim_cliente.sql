-- etl.load_dim_cliente: loads dim.dim_cliente (SCD type 2) from stg.customers.
-- Source: stg.customers (extraction window; region_id already resolved from the state by the
--   extraction query). Target: dim.dim_cliente; grain: one row per VERSION of a customer
--   (cliente_id, valido_de), versions valid on half-open business-day intervals [valido_de, valido_ate).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_cliente(run_id, watermark_to), after
--   etl.load_dim_regiao, one transaction per entity. p_reprocess_from/to are checked but ignored.
-- Tracked (type 2): cidade, uf, regiao_id (regiao_sk), segmento.  Type 1 (overwritten on every
--   version of the key): cliente_unico_id, nome.
-- Effective date of a change: the staged row's updated_at as a date in America/Sao_Paulo (the
--   day fact_vendas.data_sk uses). The extraction reads the shop's change log
--   (shop.customers_history, oltp V002): every state recorded in the window (recorded_at),
--   numbered by history_id, so several changes between two loads give several versions.
-- Screens (audit.rejected_rows, entity 'dim_cliente', each (key, rule, content) once): null_key
--   (customer_id NULL), reserved_key (customer_id = '-1'), key_too_long (customer_id or region_id
--   longer than 200 characters). Blank/NULL name is kept as 'Não informado' (not a rejection).
--   Open rejects of keys whose latest staged state is accepted are resolved.
-- References: regiao_sk from dim.dim_regiao by region_id; unknown region -> inferred region;
--   NULL region_id -> unknown member -1.
-- Load: the staged states of a key are applied one at a time in write order (history_id), in
--   rounds (round n = the n-th state of every key), skipping the states the key already applied
--   (history_id <= origem_historico_id of its current version) and repeats of the previous state;
--   of staged rows without a history_id only the latest (updated_at) counts, the others are
--   unchanged. A state changes the tracked attributes that differ from the key's current version,
--   from its effective day on (docs/scd2.md, late-arriving changes):
--   new key                       -> first version [-infinity, infinity)              (inserted)
--   current version is inferred   -> completed in place, stays the first version      (updated)
--   tracked change, effective day after the first day of the version holding it
--                                 -> that version split at the day (a split in the middle of
--                                    history renumbers the later versions)            (inserted)
--   tracked change on the first day of a version -> that version corrected in place   (updated)
--     and in both cases every later version takes the changed attributes too
--   only type-1 change            -> every version of the key overwritten             (updated)
--   nothing changed               -> nothing written                                  (unchanged)
-- Re-binding (after all rounds): for every key whose tracked attributes changed, fact.fact_vendas
--   lines of that key
--   whose order day now falls in another version (or whose version's region changed) get the
--   version valid on their order day (cliente_sk, regiao_sk; fact_descontos.cliente_sk follows);
--   the days of those whose region changed go to ctl.agg_refresh_pending (refreshed by the
--   fact_vendas load). This covers a
--   backdated (late-arriving) change: facts already loaded after its effective day move to it.
-- Audit: read = inserted + updated + unchanged + rejected (new rejects); rows_rebound = fact rows re-bound
--   (fact_vendas lines) (one action per staged row).
-- Bulk path: while the dimension holds only its unknown member (the first load), its foreign keys
--   and secondary indexes come off for the rounds and go back validated once (etl.bulk_load_begin /
--   etl.bulk_load_end). The no-overlap rule stays on: since V080-V083 it is a statement-level check
--   (etl.scd2_sem_sobreposicao) over the keys each statement writes, not a GiST exclusion constraint
--   (a GiST probe per row cost ~60 s at scale 1, building the index once 16-18 s).
-- Rerun: same staging rows change nothing (states already applied are skipped; no version, no
--   re-binding).  Does not commit.
CREATE OR REPLACE PROCEDURE etl.load_dim_cliente(p_run_id bigint, p_watermark_to timestamptz,
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
    CALL etl.bulk_load_end('dim.dim_cliente');  -- heals a suspension left committed
    ANALYZE stg.customers;  -- can be large (first load): let the planner see its size

    -- screens: every staged state with its rule (NULL = accepted) and whether it is its key's latest
    IF to_regclass('pg_temp.etl_triagem_cliente') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_triagem_cliente;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_triagem_cliente ON COMMIT DROP AS
    SELECT s.*,
           CASE WHEN s.customer_id IS NULL THEN 'null_key'
                WHEN s.customer_id = '-1' THEN 'reserved_key'
                WHEN length(s.customer_id) > 200 OR length(s.region_id) > 200 THEN 'key_too_long' END AS rule,
           row_number() OVER (PARTITION BY s.customer_id
                              ORDER BY s.history_id DESC NULLS FIRST, s.updated_at DESC NULLS LAST) = 1 AS ultima
    FROM stg.customers AS s;

    PERFORM etl.ensure_inferred_regioes(p_run_id, ARRAY(
        SELECT DISTINCT s.region_id FROM pg_temp.etl_triagem_cliente AS s
        WHERE s.rule IS NULL AND s.region_id IS NOT NULL));

    SELECT count(*) INTO v_read FROM pg_temp.etl_triagem_cliente;
    INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
    SELECT p_run_id, 'dim_cliente', s.customer_id, s.rule, etl.json_linha(s) - 'rule' - 'ultima'
    FROM pg_temp.etl_triagem_cliente AS s
    WHERE s.rule IS NOT NULL
    ORDER BY s.history_id, s.updated_at
    ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING;
    GET DIAGNOSTICS v_rejected = ROW_COUNT;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_cliente', ARRAY(
        SELECT s.customer_id FROM pg_temp.etl_triagem_cliente AS s WHERE s.ultima AND s.rule IS NULL));

    -- the states to apply: per key in write order (history_id), without those the key already
    -- applied (history_id <= the current version's origem_historico_id: the window's overlap, a
    -- reprocess) and without a repeat of the state before it (an update that changed nothing the
    -- warehouse keeps); of staged rows without a history_id only the latest (updated_at) counts,
    -- after the change-log states; rodada = position of the state in its key's sequence
    IF to_regclass('pg_temp.etl_fila_cliente') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fila_cliente;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_fila_cliente ON COMMIT DROP AS
    SELECT q.*, row_number() OVER (PARTITION BY q.customer_id ORDER BY q.seq) AS rodada
    FROM (SELECT p.*,
                 (p.customer_unique_id, p.nome, p.city, p.state, p.region_id, p.segment) IS NOT DISTINCT FROM
                 (lag(p.customer_unique_id) OVER w, lag(p.nome) OVER w, lag(p.city) OVER w, lag(p.state) OVER w,
                  lag(p.region_id) OVER w, lag(p.segment) OVER w) AND lag(p.seq) OVER w IS NOT NULL AS repetido
          FROM (SELECT x.customer_id, x.customer_unique_id,
                       coalesce(nullif(btrim(x.name), ''), 'Não informado') AS nome,
                       x.city, x.state, x.region_id, x.segment, coalesce(r.regiao_sk, -1) AS regiao_sk, x.history_id,
                       (coalesce(x.updated_at, p_watermark_to, now()) AT TIME ZONE 'America/Sao_Paulo')::date AS efetivo,
                       row_number() OVER (PARTITION BY x.customer_id ORDER BY x.history_id, x.updated_at) AS seq
                FROM (SELECT y.*, row_number() OVER (PARTITION BY y.customer_id, y.history_id IS NULL
                                                     ORDER BY y.updated_at DESC NULLS LAST) AS ultimo
                      FROM pg_temp.etl_triagem_cliente AS y
                      WHERE y.rule IS NULL) AS x
                LEFT JOIN dim.dim_regiao AS r ON r.regiao_id = x.region_id
                LEFT JOIN dim.dim_cliente AS c ON c.cliente_id = x.customer_id AND c.eh_atual
                WHERE (x.history_id IS NOT NULL OR x.ultimo = 1)
                  AND (x.history_id IS NULL OR c.origem_historico_id IS NULL OR x.history_id > c.origem_historico_id)) AS p
          WINDOW w AS (PARTITION BY p.customer_id ORDER BY p.seq)) AS q
    WHERE NOT q.repetido;
    SELECT max(f.rodada) INTO v_rodadas FROM pg_temp.etl_fila_cliente AS f;

    -- keys whose tracked attributes changed (their facts are re-bound below)
    IF to_regclass('pg_temp.etl_mudou_cliente') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_mudou_cliente;
    END IF;
    CREATE TEMPORARY TABLE etl_mudou_cliente (customer_id text PRIMARY KEY) ON COMMIT DROP;

    -- round n applies the n-th state of every key. The attributes a state changes are those that
    -- differ from the key's current version (the state written before it); they take effect from the
    -- state's effective day in the version holding that day (alvo), and in every later version
    -- (docs/scd2.md, "Late-arriving changes")
    v_bulk := NOT EXISTS (SELECT 1 FROM dim.dim_cliente AS b WHERE b.cliente_sk <> -1);
    IF v_bulk THEN
        CALL etl.bulk_load_begin('dim.dim_cliente', p_run_id);
    END IF;
    FOR v_rodada IN 1 .. coalesce(v_rodadas, 0) LOOP
        IF to_regclass('pg_temp.etl_scd_cliente') IS NOT NULL THEN
            DROP TABLE pg_temp.etl_scd_cliente;
        END IF;
        CREATE TEMPORARY TABLE etl_scd_cliente ON COMMIT DROP AS
        SELECT a.*,
               CASE WHEN a.acao IN ('nova_versao', 'versao_corrigida') THEN a.dia_sk ELSE a.atual_sk END AS alvo_sk
        FROM (SELECT s.*, c.cliente_sk AS atual_sk,
                     v.cliente_sk AS dia_sk, v.versao AS dia_versao, v.valido_ate AS dia_ate, v.cidade AS dia_cidade,
                     v.uf AS dia_uf, v.regiao_id AS dia_regiao_id, v.regiao_sk AS dia_regiao_sk,
                     v.segmento AS dia_segmento,
                     (c.cidade, c.uf, c.regiao_id, c.regiao_sk)   -- the address moves as a whole
                         IS DISTINCT FROM (s.city, s.state, s.region_id, s.regiao_sk) AS muda_endereco,
                     c.segmento IS DISTINCT FROM s.segment AS muda_segmento,
                     CASE WHEN c.cliente_sk IS NULL THEN 'nova_chave'
                          WHEN c.inferido THEN 'inferido_completado'
                          WHEN (c.cidade, c.uf, c.regiao_id, c.regiao_sk, c.segmento)
                               IS DISTINCT FROM (s.city, s.state, s.region_id, s.regiao_sk, s.segment)
                              THEN CASE WHEN s.efetivo > v.valido_de THEN 'nova_versao' ELSE 'versao_corrigida' END
                          WHEN (c.cliente_unico_id, c.nome) IS DISTINCT FROM (s.customer_unique_id, s.nome) THEN 'tipo1'
                          ELSE 'igual' END AS acao
              FROM pg_temp.etl_fila_cliente AS s
              LEFT JOIN dim.dim_cliente AS c ON c.cliente_id = s.customer_id AND c.eh_atual
              LEFT JOIN dim.dim_cliente AS v   -- the version holding the effective day
                     ON v.cliente_id = s.customer_id AND v.valido_de <= s.efetivo AND v.valido_ate > s.efetivo
              WHERE s.rodada = v_rodada) AS a;

        -- new keys, in-place updates, and closing the version split by a type-2 change
        WITH merged AS (
            MERGE INTO dim.dim_cliente AS t
            USING (SELECT * FROM pg_temp.etl_scd_cliente AS k WHERE k.acao <> 'igual') AS s
            ON t.cliente_sk = s.alvo_sk
            WHEN MATCHED AND s.acao = 'nova_versao' THEN
                UPDATE SET valido_ate = s.efetivo, eh_atual = false, cliente_unico_id = s.customer_unique_id,
                           nome = s.nome, updated_run_id = p_run_id
            WHEN MATCHED AND s.acao = 'versao_corrigida' THEN
                UPDATE SET cliente_unico_id = s.customer_unique_id, nome = s.nome,
                           cidade = CASE WHEN s.muda_endereco THEN s.city ELSE t.cidade END,
                           uf = CASE WHEN s.muda_endereco THEN s.state ELSE t.uf END,
                           regiao_id = CASE WHEN s.muda_endereco THEN s.region_id ELSE t.regiao_id END,
                           regiao_sk = CASE WHEN s.muda_endereco THEN s.regiao_sk ELSE t.regiao_sk END,
                           segmento = CASE WHEN s.muda_segmento THEN s.segment ELSE t.segmento END,
                           origem_historico_id = coalesce(s.history_id, t.origem_historico_id),
                           updated_run_id = p_run_id
            WHEN MATCHED THEN
                UPDATE SET cliente_unico_id = s.customer_unique_id, nome = s.nome, cidade = s.city, uf = s.state,
                           regiao_id = s.region_id, regiao_sk = s.regiao_sk, segmento = s.segment,
                           inferido = false, origem_historico_id = coalesce(s.history_id, t.origem_historico_id),
                           updated_run_id = p_run_id
            WHEN NOT MATCHED THEN
                INSERT (cliente_id, cliente_unico_id, nome, cidade, uf, regiao_id, regiao_sk, segmento,
                        inferido, origem_historico_id, inserted_run_id)
                VALUES (s.customer_id, s.customer_unique_id, s.nome, s.city, s.state, s.region_id, s.regiao_sk,
                        s.segment, false, s.history_id, p_run_id)
            RETURNING merge_action() AS action, s.acao
        )
        SELECT v_inserted + count(*) FILTER (WHERE m.action = 'INSERT'),
               v_updated + count(*) FILTER (WHERE m.action = 'UPDATE' AND m.acao <> 'nova_versao')
          INTO v_inserted, v_updated
          FROM merged AS m;

        IF EXISTS (SELECT 1 FROM pg_temp.etl_scd_cliente AS k
                   WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity') THEN
            -- a split in the middle of history: the later versions move up one number (through negative
            -- numbers: (cliente_id, versao) is unique at every row)
            UPDATE dim.dim_cliente AS t
               SET versao = -(t.versao + 1), updated_run_id = p_run_id
              FROM pg_temp.etl_scd_cliente AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.cliente_id = k.customer_id AND t.valido_de > k.efetivo;
            UPDATE dim.dim_cliente AS t
               SET versao = -t.versao
              FROM pg_temp.etl_scd_cliente AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.cliente_id = k.customer_id AND t.versao < 0;
            -- the later versions take the changed attributes too (the current one among them)
            UPDATE dim.dim_cliente AS t
               SET cidade = CASE WHEN k.muda_endereco THEN k.city ELSE t.cidade END,
                   uf = CASE WHEN k.muda_endereco THEN k.state ELSE t.uf END,
                   regiao_id = CASE WHEN k.muda_endereco THEN k.region_id ELSE t.regiao_id END,
                   regiao_sk = CASE WHEN k.muda_endereco THEN k.regiao_sk ELSE t.regiao_sk END,
                   segmento = CASE WHEN k.muda_segmento THEN k.segment ELSE t.segmento END,
                   origem_historico_id = CASE WHEN t.eh_atual THEN coalesce(k.history_id, t.origem_historico_id)
                                              ELSE t.origem_historico_id END,
                   updated_run_id = p_run_id
              FROM pg_temp.etl_scd_cliente AS k
             WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity'
               AND t.cliente_id = k.customer_id AND t.valido_de > k.efetivo;
        END IF;

        -- the new versions of type-2 changes: the split version's attributes with the changed ones,
        -- up to where the split version ended (current if it was)
        INSERT INTO dim.dim_cliente (cliente_id, cliente_unico_id, nome, cidade, uf, regiao_id, regiao_sk, segmento,
                                     inferido, valido_de, valido_ate, eh_atual, versao, origem_historico_id,
                                     inserted_run_id)
        SELECT k.customer_id, k.customer_unique_id, k.nome,
               CASE WHEN k.muda_endereco THEN k.city ELSE k.dia_cidade END,
               CASE WHEN k.muda_endereco THEN k.state ELSE k.dia_uf END,
               CASE WHEN k.muda_endereco THEN k.region_id ELSE k.dia_regiao_id END,
               CASE WHEN k.muda_endereco THEN k.regiao_sk ELSE k.dia_regiao_sk END,
               CASE WHEN k.muda_segmento THEN k.segment ELSE k.dia_segmento END,
               false, k.efetivo, k.dia_ate, k.dia_ate = 'infinity', k.dia_versao + 1, k.history_id, p_run_id
        FROM pg_temp.etl_scd_cliente AS k
        WHERE k.acao = 'nova_versao';
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_inserted := v_inserted + v_count;

        -- type 1: every other version takes the untracked attributes too
        UPDATE dim.dim_cliente AS t
           SET cliente_unico_id = k.customer_unique_id, nome = k.nome, updated_run_id = p_run_id
          FROM pg_temp.etl_scd_cliente AS k
         WHERE k.acao <> 'igual' AND t.cliente_id = k.customer_id
           AND (t.cliente_unico_id, t.nome) IS DISTINCT FROM (k.customer_unique_id, k.nome);

        INSERT INTO pg_temp.etl_mudou_cliente (customer_id)
        SELECT k.customer_id FROM pg_temp.etl_scd_cliente AS k
        WHERE k.acao IN ('nova_versao', 'versao_corrigida', 'inferido_completado')
        ON CONFLICT (customer_id) DO NOTHING;
    END LOOP;
    IF v_bulk THEN
        CALL etl.bulk_load_end('dim.dim_cliente');
    END IF;

    -- re-bind the facts of keys whose tracked attributes changed to the version of their order day;
    -- the changed keys' statistics first (a temporary table has none: the planner guessed 1,360
    -- keys and scanned the whole dimension to find a few customers' versions)
    ANALYZE pg_temp.etl_mudou_cliente;
    IF to_regclass('pg_temp.etl_revinculo_cliente') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_revinculo_cliente;
    END IF;
    CREATE TEMPORARY TABLE etl_revinculo_cliente ON COMMIT DROP AS
    SELECT f.item_pedido_id, f.data_sk, f.eh_cancelado, f.regiao_sk AS antes_regiao_sk, v.cliente_sk, v.regiao_sk
    FROM pg_temp.etl_mudou_cliente AS k
    JOIN dim.dim_cliente AS o ON o.cliente_id = k.customer_id
    JOIN fact.fact_vendas AS f ON f.cliente_sk = o.cliente_sk
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    JOIN dim.dim_cliente AS v ON v.cliente_id = k.customer_id AND d.data >= v.valido_de AND d.data < v.valido_ate
    WHERE (f.cliente_sk, f.regiao_sk) IS DISTINCT FROM (v.cliente_sk, v.regiao_sk);

    UPDATE fact.fact_vendas AS f
       SET cliente_sk = r.cliente_sk, regiao_sk = r.regiao_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_cliente AS r
     WHERE f.item_pedido_id = r.item_pedido_id;
    GET DIAGNOSTICS v_revinculados = ROW_COUNT;
    UPDATE fact.fact_descontos AS f
       SET cliente_sk = r.cliente_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_cliente AS r
     WHERE f.item_pedido_id = r.item_pedido_id AND f.cliente_sk IS DISTINCT FROM r.cliente_sk;
    -- the days of the lines whose region changed are refreshed whole (the region is in the day x region
    -- tables); a line only re-bound to another version of its customer, same region, moves no
    -- aggregate (a customer's lines of a day share one version: distinct customers are unchanged)
    INSERT INTO ctl.agg_refresh_pending (data, reason, run_id)
    SELECT DISTINCT d.data, 'vendas re-vinculadas a outra região de cliente', p_run_id
    FROM pg_temp.etl_revinculo_cliente AS r
    JOIN dim.dim_data AS d ON d.data_sk = r.data_sk
    WHERE NOT r.eh_cancelado AND r.regiao_sk IS DISTINCT FROM r.antes_regiao_sk
    ON CONFLICT (data) DO NOTHING;

    CALL etl.finish_entity(p_run_id, 'dim_cliente', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
    IF v_revinculados > 0 THEN
        PERFORM audit.fn_somar_entidade(p_run_id, 'dim_cliente', v_started, p_rows_rebound => v_revinculados);
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.load_dim_cliente(bigint, timestamptz, date, date) IS
    'Carga tipo 2 de dim.dim_cliente a partir de stg.customers (cidade, UF, região e segmento rastreados; '
    'nome tipo 1), re-vinculando as vendas à versão do dia do pedido; não faz COMMIT.';
