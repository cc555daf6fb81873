-- etl.load_dim_vendedor: loads dim.dim_vendedor (SCD type 2) from stg.sellers.
-- Source: stg.sellers (the extraction window, filled by the harness in the same transaction).
-- Target: dim.dim_vendedor; grain: one row per VERSION of a seller (vendedor_id, valido_de),
--   versions valid on half-open business-day intervals [valido_de, valido_ate).
-- Called by: harness load-daily / reprocess, CALL etl.load_dim_vendedor(run_id, watermark_to), after
--   etl.load_dim_equipe, one transaction per entity. p_reprocess_from/to are checked but ignored.
-- Tracked (type 2): equipe_id (equipe_sk), and through the team its region (dim_equipe itself is
--   type 1: a team moved to another region moves all its history).  Type 1 (overwritten on every
--   version of the key): nome, cidade, uf, contratado_em.
-- Effective date of a change: the staged row's updated_at as a date in America/Sao_Paulo. The
--   extraction reads the shop's change log (shop.sellers_history, oltp V002): every state recorded
--   in the window (recorded_at), numbered by history_id, so several changes between two loads give
--   several versions (docs/scd2.md).
-- Screens (audit.rejected_rows, entity 'dim_vendedor', each (key, rule, content) once), first wins:
--   null_key (seller_id NULL), reserved_key (seller_id = '-1'), key_too_long (seller_id or team_id
--   longer than 200 characters), date_out_of_range (hired_on infinite or outside 0001..9999).
--   Blank/NULL name is kept as 'Não informado' (not a rejection). Open rejects of keys whose latest
--   staged state is accepted are resolved (etl.resolver_rejeicoes).
-- References: equipe_sk from dim.dim_equipe by team_id; a team not loaded yet becomes an inferred
--   team (etl.ensure_inferred_equipes, region -1); NULL team_id -> unknown member -1.
-- Load: the staged states of a key are applied one at a time in write order (history_id), in
--   rounds (round n = the n-th state of every key), skipping states the key already applied
--   (history_id <= origem_historico_id of its current version) and repeats of the previous state;
--   of staged rows without a history_id only the latest (updated_at) counts, the others are
--   unchanged. A state whose team differs from the key's current version changes the team from its
--   effective day on (docs/scd2.md, late-arriving changes): new key -> first version [-infinity,
--   infinity) (inserted); inferred current version -> completed in place (updated); team change
--   after the first day of the version holding its effective day -> that version split there, later
--   versions renumbered (inserted); on that first day -> corrected in place (updated); either way
--   every later version takes the new team; type-1 change -> every version overwritten (updated);
--   else nothing (unchanged).
-- Re-binding, for keys whose team changed: fact.fact_vendas lines get the version valid on their
--   order day (vendedor_sk, equipe_sk; fact_descontos.vendedor_sk follows; the aggregate groups
--   they leave and join go to ctl.agg_grupos_pendentes); fact.fact_metas rows get the version valid
--   on the first day of their month (vendedor_sk, equipe_sk). A backdated change thus moves facts
--   already loaded.
-- Audit: read = inserted + updated + unchanged + rejected (new rejects); rows_rebound = fact rows re-bound
--   (fact_vendas lines and fact_metas goals).  Rerun: no change (states already
--   applied are skipped).  Does not commit.
-- Bulk path: while the dimension holds only its unknown member (the first load), its foreign keys
--   and secondary indexes come off for the rounds and go back validated once (etl.bulk_load_begin /
--   etl.bulk_load_end). The no-overlap rule stays on: since V080-V083 it is a statement-level check
--   (etl.scd2_sem_sobreposicao) over the keys each statement writes, not a GiST exclusion constraint
--   (a GiST probe per row cost ~60 s at scale 1, building the index once 16-18 s).
CREATE OR REPLACE PROCEDURE etl.load_dim_vendedor(p_run_id bigint, p_watermark_to timestamptz,
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
    CALL etl.bulk_load_end('dim.dim_vendedor');  -- heals a suspension left committed

    -- screens: every staged state with its rule (NULL = accepted) and whether it is its key's latest
    IF to_regclass('pg_temp.etl_triagem_vendedor') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_triagem_vendedor;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_triagem_vendedor ON COMMIT DROP AS
    SELECT s.*,
           CASE WHEN s.seller_id IS NULL THEN 'null_key'
                WHEN s.seller_id = '-1' THEN 'reserved_key'
                WHEN length(s.seller_id) > 200 OR length(s.team_id) > 200 THEN 'key_too_long'
                WHEN s.hired_on NOT BETWEEN '0001-01-01' AND '9999-12-31' THEN 'date_out_of_range' END AS rule,
           row_number() OVER (PARTITION BY s.seller_id
                              ORDER BY s.history_id DESC NULLS FIRST, s.updated_at DESC NULLS LAST) = 1 AS ultima
    FROM stg.sellers AS s;

    PERFORM etl.ensure_inferred_equipes(p_run_id, ARRAY(
        SELECT DISTINCT s.team_id FROM pg_temp.etl_triagem_vendedor AS s
        WHERE s.rule IS NULL AND s.team_id IS NOT NULL));

    SELECT count(*) INTO v_read FROM pg_temp.etl_triagem_vendedor;
    INSERT INTO audit.rejected_rows (run_id, entity, natural_key, rule, raw)
    SELECT p_run_id, 'dim_vendedor', s.seller_id, s.rule, etl.json_linha(s) - 'rule' - 'ultima'
    FROM pg_temp.etl_triagem_vendedor AS s
    WHERE s.rule IS NOT NULL
    ORDER BY s.history_id, s.updated_at
    ON CONFLICT (entity, rule, conteudo_md5) DO NOTHING;
    GET DIAGNOSTICS v_rejected = ROW_COUNT;
    PERFORM etl.resolver_rejeicoes(p_run_id, 'dim_vendedor', ARRAY(
        SELECT s.seller_id FROM pg_temp.etl_triagem_vendedor AS s WHERE s.ultima AND s.rule IS NULL));

    -- the states to apply: per key in write order (history_id), without those the key already
    -- applied (history_id <= the current version's origem_historico_id: the window's overlap, a
    -- reprocess) and without a repeat of the state before it (an update that changed nothing the
    -- warehouse keeps); of staged rows without a history_id only the latest (updated_at) counts,
    -- after the change-log states; rodada = position of the state in its key's sequence
    IF to_regclass('pg_temp.etl_fila_vendedor') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_fila_vendedor;  -- a second call in the same transaction
    END IF;
    CREATE TEMPORARY TABLE etl_fila_vendedor ON COMMIT DROP AS
    SELECT q.*, row_number() OVER (PARTITION BY q.seller_id ORDER BY q.seq) AS rodada
    FROM (SELECT p.*,
                 (p.nome, p.team_id, p.city, p.state, p.hired_on) IS NOT DISTINCT FROM
                 (lag(p.nome) OVER w, lag(p.team_id) OVER w, lag(p.city) OVER w, lag(p.state) OVER w,
                  lag(p.hired_on) OVER w) AND lag(p.seq) OVER w IS NOT NULL AS repetido
          FROM (SELECT x.seller_id, coalesce(nullif(btrim(x.name), ''), 'Não informado') AS nome,
                       x.team_id, x.city, x.state, x.hired_on, coalesce(e.equipe_sk, -1) AS equipe_sk, x.history_id,
                       (coalesce(x.updated_at, p_watermark_to, now()) AT TIME ZONE 'America/Sao_Paulo')::date AS efetivo,
                       row_number() OVER (PARTITION BY x.seller_id ORDER BY x.history_id, x.updated_at) AS seq
                FROM (SELECT y.*, row_number() OVER (PARTITION BY y.seller_id, y.history_id IS NULL
                                                     ORDER BY y.updated_at DESC NULLS LAST) AS ultimo
                      FROM pg_temp.etl_triagem_vendedor AS y
                      WHERE y.rule IS NULL) AS x
                LEFT JOIN dim.dim_equipe AS e ON e.equipe_id = x.team_id
                LEFT JOIN dim.dim_vendedor AS c ON c.vendedor_id = x.seller_id AND c.eh_atual
                WHERE (x.history_id IS NOT NULL OR x.ultimo = 1)
                  AND (x.history_id IS NULL OR c.origem_historico_id IS NULL OR x.history_id > c.origem_historico_id)) AS p
          WINDOW w AS (PARTITION BY p.seller_id ORDER BY p.seq)) AS q
    WHERE NOT q.repetido;
    SELECT max(f.rodada) INTO v_rodadas FROM pg_temp.etl_fila_vendedor AS f;

    -- keys whose team changed (their sales and goals are re-bound below)
    IF to_regclass('pg_temp.etl_mudou_vendedor') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_mudou_vendedor;
    END IF;
    CREATE TEMPORARY TABLE etl_mudou_vendedor (seller_id text PRIMARY KEY) ON COMMIT DROP;

    -- round n applies the n-th state of every key. A team change (the state's team differs from the
    -- key's current version, the state written before it) takes effect from the state's effective
    -- day in the version holding that day (alvo), and in every later version (docs/scd2.md,
    -- "Late-arriving changes")
    v_bulk := NOT EXISTS (SELECT 1 FROM dim.dim_vendedor AS b WHERE b.vendedor_sk <> -1);
    IF v_bulk THEN
        CALL etl.bulk_load_begin('dim.dim_vendedor', p_run_id);
    END IF;
    FOR v_rodada IN 1 .. coalesce(v_rodadas, 0) LOOP
        IF to_regclass('pg_temp.etl_scd_vendedor') IS NOT NULL THEN
            DROP TABLE pg_temp.etl_scd_vendedor;
        END IF;
        CREATE TEMPORARY TABLE etl_scd_vendedor ON COMMIT DROP AS
        SELECT a.*,
               CASE WHEN a.acao IN ('nova_versao', 'versao_corrigida') THEN a.dia_sk ELSE a.atual_sk END AS alvo_sk
        FROM (SELECT s.*, c.vendedor_sk AS atual_sk,
                     v.vendedor_sk AS dia_sk, v.versao AS dia_versao, v.valido_ate AS dia_ate,
                     CASE WHEN c.vendedor_sk IS NULL THEN 'nova_chave'
                          WHEN c.inferido THEN 'inferido_completado'
                          WHEN (c.equipe_id, c.equipe_sk) IS DISTINCT FROM (s.team_id, s.equipe_sk)
                              THEN CASE WHEN s.efetivo > v.valido_de THEN 'nova_versao' ELSE 'versao_corrigida' END
                          WHEN (c.nome, c.cidade, c.uf, c.contratado_em) IS DISTINCT FROM (s.nome, s.city, s.state, s.hired_on)
                              THEN 'tipo1'
                          ELSE 'igual' END AS acao
              FROM pg_temp.etl_fila_vendedor AS s
              LEFT JOIN dim.dim_vendedor AS c ON c.vendedor_id = s.seller_id AND c.eh_atual
              LEFT JOIN dim.dim_vendedor AS v   -- the version holding the effective day
                     ON v.vendedor_id = s.seller_id AND v.valido_de <= s.efetivo AND v.valido_ate > s.efetivo
              WHERE s.rodada = v_rodada) AS a;

        WITH merged AS (
            MERGE INTO dim.dim_vendedor AS t
            USING (SELECT * FROM pg_temp.etl_scd_vendedor AS k WHERE k.acao <> 'igual') AS s
            ON t.vendedor_sk = s.alvo_sk
            WHEN MATCHED AND s.acao = 'nova_versao' THEN
                UPDATE SET valido_ate = s.efetivo, eh_atual = false, nome = s.nome, cidade = s.city, uf = s.state,
                           contratado_em = s.hired_on, updated_run_id = p_run_id
            WHEN MATCHED THEN
                UPDATE SET nome = s.nome, equipe_id = s.team_id, equipe_sk = s.equipe_sk, cidade = s.city,
                           uf = s.state, contratado_em = s.hired_on, inferido = false,
                           origem_historico_id = coalesce(s.history_id, t.origem_historico_id),
                           updated_run_id = p_run_id
            WHEN NOT MATCHED THEN
                INSERT (vendedor_id, nome, equipe_id, equipe_sk, cidade, uf, contratado_em, inferido,
                        origem_historico_id, inserted_run_id)
                VALUES (s.seller_id, s.nome, s.team_id, s.equipe_sk, s.city, s.state, s.hired_on, false,
                        s.history_id, p_run_id)
            RETURNING merge_action() AS action, s.acao
        )
        SELECT v_inserted + count(*) FILTER (WHERE m.action = 'INSERT'),
               v_updated + count(*) FILTER (WHERE m.action = 'UPDATE' AND m.acao <> 'nova_versao')
          INTO v_inserted, v_updated
          FROM merged AS m;

        IF EXISTS (SELECT 1 FROM pg_temp.etl_scd_vendedor AS k
                   WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity') THEN
            -- a split in the middle of history: the later versions move up one number (through negative
            -- numbers: (vendedor_id, versao) is unique at every row)
            UPDATE dim.dim_vendedor AS t
               SET versao = -(t.versao + 1), updated_run_id = p_run_id
              FROM pg_temp.etl_scd_vendedor AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.vendedor_id = k.seller_id AND t.valido_de > k.efetivo;
            UPDATE dim.dim_vendedor AS t
               SET versao = -t.versao
              FROM pg_temp.etl_scd_vendedor AS k
             WHERE k.acao = 'nova_versao' AND k.dia_ate <> 'infinity'
               AND t.vendedor_id = k.seller_id AND t.versao < 0;
            -- the later versions take the new team too (the current one among them)
            UPDATE dim.dim_vendedor AS t
               SET equipe_id = k.team_id, equipe_sk = k.equipe_sk,
                   origem_historico_id = CASE WHEN t.eh_atual THEN coalesce(k.history_id, t.origem_historico_id)
                                              ELSE t.origem_historico_id END,
                   updated_run_id = p_run_id
              FROM pg_temp.etl_scd_vendedor AS k
             WHERE k.acao IN ('nova_versao', 'versao_corrigida') AND k.dia_ate <> 'infinity'
               AND t.vendedor_id = k.seller_id AND t.valido_de > k.efetivo;
        END IF;

        -- the new versions of team changes, up to where the split version ended (current if it was)
        INSERT INTO dim.dim_vendedor (vendedor_id, nome, equipe_id, equipe_sk, cidade, uf, contratado_em, inferido,
                                      valido_de, valido_ate, eh_atual, versao, origem_historico_id, inserted_run_id)
        SELECT k.seller_id, k.nome, k.team_id, k.equipe_sk, k.city, k.state, k.hired_on, false,
               k.efetivo, k.dia_ate, k.dia_ate = 'infinity', k.dia_versao + 1, k.history_id, p_run_id
        FROM pg_temp.etl_scd_vendedor AS k
        WHERE k.acao = 'nova_versao';
        GET DIAGNOSTICS v_count = ROW_COUNT;
        v_inserted := v_inserted + v_count;

        -- type 1: every other version takes the untracked attributes too
        UPDATE dim.dim_vendedor AS t
           SET nome = k.nome, cidade = k.city, uf = k.state, contratado_em = k.hired_on, updated_run_id = p_run_id
          FROM pg_temp.etl_scd_vendedor AS k
         WHERE k.acao <> 'igual' AND t.vendedor_id = k.seller_id
           AND (t.nome, t.cidade, t.uf, t.contratado_em) IS DISTINCT FROM (k.nome, k.city, k.state, k.hired_on);

        INSERT INTO pg_temp.etl_mudou_vendedor (seller_id)
        SELECT k.seller_id FROM pg_temp.etl_scd_vendedor AS k
        WHERE k.acao IN ('nova_versao', 'versao_corrigida', 'inferido_completado')
        ON CONFLICT (seller_id) DO NOTHING;
    END LOOP;
    IF v_bulk THEN
        CALL etl.bulk_load_end('dim.dim_vendedor');
    END IF;

    -- the changed keys' statistics first (a temporary table has none: the planner guessed 1,360
    -- sellers and hashed the whole fact to re-bind the lines of two)
    ANALYZE pg_temp.etl_mudou_vendedor;
    IF to_regclass('pg_temp.etl_revinculo_vendedor') IS NOT NULL THEN
        DROP TABLE pg_temp.etl_revinculo_vendedor;
    END IF;
    CREATE TEMPORARY TABLE etl_revinculo_vendedor ON COMMIT DROP AS
    SELECT f.item_pedido_id, f.data_sk, f.regiao_sk, f.eh_cancelado, f.vendedor_sk AS antes_vendedor_sk,
           f.equipe_sk AS antes_equipe_sk, v.vendedor_sk, v.equipe_sk
    FROM pg_temp.etl_mudou_vendedor AS k
    JOIN dim.dim_vendedor AS o ON o.vendedor_id = k.seller_id
    JOIN fact.fact_vendas AS f ON f.vendedor_sk = o.vendedor_sk
    JOIN dim.dim_data AS d ON d.data_sk = f.data_sk
    JOIN dim.dim_vendedor AS v ON v.vendedor_id = k.seller_id AND d.data >= v.valido_de AND d.data < v.valido_ate
    WHERE (f.vendedor_sk, f.equipe_sk) IS DISTINCT FROM (v.vendedor_sk, v.equipe_sk);

    UPDATE fact.fact_vendas AS f
       SET vendedor_sk = r.vendedor_sk, equipe_sk = r.equipe_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_vendedor AS r
     WHERE f.item_pedido_id = r.item_pedido_id;
    GET DIAGNOSTICS v_revinculados = ROW_COUNT;
    UPDATE fact.fact_descontos AS f
       SET vendedor_sk = r.vendedor_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_revinculo_vendedor AS r
     WHERE f.item_pedido_id = r.item_pedido_id AND f.vendedor_sk IS DISTINCT FROM r.vendedor_sk;
    -- the aggregate groups (day x region x team x seller) the re-bound lines leave and join, recomputed
    -- by the group refresh of the fact_vendas step (a seller's version or team is in no day x region
    -- table: whole days would recompute every seller of the day)
    INSERT INTO ctl.agg_grupos_pendentes (data_sk, regiao_sk, equipe_sk, vendedor_sk, run_id)
    SELECT DISTINCT r.data_sk, r.regiao_sk, g.equipe_sk, g.vendedor_sk, p_run_id
    FROM pg_temp.etl_revinculo_vendedor AS r
    CROSS JOIN LATERAL (VALUES (r.antes_equipe_sk, r.antes_vendedor_sk), (r.equipe_sk, r.vendedor_sk))
        AS g (equipe_sk, vendedor_sk)
    WHERE NOT r.eh_cancelado
    ON CONFLICT DO NOTHING;

    UPDATE fact.fact_metas AS m
       SET vendedor_sk = v.vendedor_sk, equipe_sk = v.equipe_sk, updated_run_id = p_run_id
      FROM pg_temp.etl_mudou_vendedor AS k
      JOIN dim.dim_vendedor AS v ON v.vendedor_id = k.seller_id
     WHERE m.vendedor_id = k.seller_id AND m.mes >= v.valido_de AND m.mes < v.valido_ate
       AND (m.vendedor_sk, m.equipe_sk) IS DISTINCT FROM (v.vendedor_sk, v.equipe_sk);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_revinculados := v_revinculados + v_count;

    CALL etl.finish_entity(p_run_id, 'dim_vendedor', v_started, p_watermark_to,
                           v_read, v_inserted, v_updated, 0, v_rejected);
    IF v_revinculados > 0 THEN
        PERFORM audit.fn_somar_entidade(p_run_id, 'dim_vendedor', v_started, p_rows_rebound => v_revinculados);
    END IF;
END
$$;

COMMENT ON PROCEDURE etl.load_dim_vendedor(bigint, timestamptz, date, date) IS
    'Carga tipo 2 de dim.dim_vendedor a partir de stg.sellers (equipe rastreada; nome, cidade, UF e contratação '
    'tipo 1), re-vinculando vendas e metas à versão da data; não faz COMMIT.';
