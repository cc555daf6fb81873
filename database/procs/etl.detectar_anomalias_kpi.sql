-- etl.detectar_anomalias_kpi: flag KPI values of a day far from the same weekday of the previous weeks.
-- Purpose: catch numbers that pass every quality gate but surprise (a region's revenue down 70 % on
--          a Tuesday). Method, thresholds and their meaning: docs/metricas.md ("Detecção de anomalias").
-- Source: mart.agg_pedidos_diarios (day x customer region), dim.dim_data (weekday, seasonal peaks,
--          holidays); the days: p_dias, or else every day of ctl.anomalia_dia_pendente (consumed).
-- Grain: day x scope (the whole shop: regiao_sk NULL, or a region) x KPI of p_config.kpis.
-- Target: dq.anomalia_kpi (MERGE: new anomalies inserted, anomalies found again refreshed, those of
--          the evaluated days no longer found marked desfeita_run_id); audit.etl_run_entity through
--          audit.fn_somar_entidade, entity 'anomalias_kpi' (read = day x scope x KPI evaluated),
--          only when a day was evaluated.
-- p_config: the anomalies section of metrics/catalog.yaml as harness.anomalies passes it (jsonb).
-- OUT: days evaluated, anomalies new in this call, anomalies undone.
-- Who calls it: harness.anomalies after a load-daily whose quality gate passed; `harness anomalies --detect`.
-- Rerun: idempotent: the same days and data give the same rows (only avaliada_run_id moves).
-- Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.detectar_anomalias_kpi(
    p_run_id bigint, p_config jsonb, p_dias date[],
    OUT p_dias_avaliados integer, OUT p_novas integer, OUT p_desfeitas integer)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started      timestamptz := clock_timestamp();
    v_weeks        integer;
    v_search       integer;
    v_min_history  integer;
    v_min_orders   numeric;
    v_kpi          record;
    v_read         bigint;
    v_updated      bigint;
BEGIN
    IF p_run_id IS NULL OR NOT EXISTS (SELECT 1 FROM audit.etl_run r WHERE r.run_id = p_run_id) THEN
        RAISE EXCEPTION 'etl.detectar_anomalias_kpi: run % is not in audit.etl_run', p_run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    BEGIN
        v_weeks       := (p_config ->> 'baseline_weeks')::integer;
        v_search      := (p_config ->> 'search_weeks')::integer;
        v_min_history := (p_config ->> 'min_history')::integer;
        v_min_orders  := (p_config ->> 'min_orders')::numeric;
    EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
        v_weeks := NULL;
    END;
    IF v_weeks IS NULL OR v_search IS NULL OR v_min_history IS NULL OR v_min_orders IS NULL
       OR v_weeks < 1 OR v_search < v_weeks OR v_min_history < 1 OR v_min_history > v_weeks OR v_min_orders < 0
       OR jsonb_typeof(p_config -> 'kpis') IS DISTINCT FROM 'object' OR p_config -> 'kpis' = '{}'::jsonb THEN
        RAISE EXCEPTION 'etl.detectar_anomalias_kpi: invalid configuration %', p_config
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'baseline_weeks >= 1, search_weeks >= baseline_weeks, 1 <= min_history <= baseline_weeks, '
                         'min_orders >= 0 and a non-empty kpis object (metrics/catalog.yaml, anomalies)';
    END IF;
    FOR v_kpi IN SELECT k.key, k.value FROM jsonb_each(p_config -> 'kpis') AS k LOOP
        IF v_kpi.key NOT IN ('receita_liquida', 'pedidos', 'ticket_medio', 'margem_percentual')
           OR jsonb_typeof(v_kpi.value -> 'z_threshold') IS DISTINCT FROM 'number'
           OR (v_kpi.value ->> 'z_threshold')::numeric <= 0
           OR jsonb_typeof(v_kpi.value -> 'label') IS DISTINCT FROM 'string'
           OR ((v_kpi.value ? 'min_change_pct') = (v_kpi.value ? 'min_difference'))
           OR coalesce((v_kpi.value ->> 'min_change_pct')::numeric, (v_kpi.value ->> 'min_difference')::numeric) < 0
           OR coalesce((v_kpi.value ->> 'min_orders')::numeric, 0) < 0 THEN
            RAISE EXCEPTION 'etl.detectar_anomalias_kpi: invalid configuration of KPI %: %', v_kpi.key, v_kpi.value
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'KPIs: receita_liquida, pedidos, ticket_medio, margem_percentual; each with label, '
                             'z_threshold > 0, one of min_change_pct or min_difference >= 0, optionally min_orders >= 0';
        END IF;
    END LOOP;

    IF to_regclass('pg_temp.etl_anom_dias') IS NOT NULL THEN   -- a second call in the same transaction
        DROP TABLE IF EXISTS pg_temp.etl_anom_dias, pg_temp.etl_anom_base, pg_temp.etl_anom_valores,
                             pg_temp.etl_anom_achadas;
    END IF;
    CREATE TEMP TABLE etl_anom_dias (data date PRIMARY KEY) ON COMMIT DROP;
    WITH tomados AS (
        DELETE FROM ctl.anomalia_dia_pendente AS p
        WHERE p_dias IS NULL OR p.data = ANY (p_dias)
        RETURNING p.data
    )
    INSERT INTO etl_anom_dias
    SELECT t.data FROM tomados AS t WHERE p_dias IS NULL
    UNION
    SELECT d FROM unnest(p_dias) AS d WHERE d IS NOT NULL;
    -- only days inside the sales history: a day after the last sale is not a day without sales
    DELETE FROM etl_anom_dias AS d
    WHERE d.data NOT BETWEEN (SELECT min(a.data) FROM mart.agg_pedidos_diarios AS a WHERE a.data_sk > 0)
                         AND (SELECT max(a.data) FROM mart.agg_pedidos_diarios AS a WHERE a.data_sk > 0);
    SELECT count(*) INTO p_dias_avaliados FROM etl_anom_dias;
    p_novas := 0;
    p_desfeitas := 0;
    IF p_dias_avaliados = 0 THEN
        RETURN;
    END IF;

    -- baseline of each day: the v_weeks most recent same weekdays with sales, within v_search weeks,
    -- that are neither a seasonal peak nor a holiday
    CREATE TEMP TABLE etl_anom_base ON COMMIT DROP AS
    SELECT d.data AS dia, b.data AS base
    FROM etl_anom_dias AS d
    CROSS JOIN LATERAL (
        SELECT c.data
        FROM generate_series(1, v_search) AS k
        JOIN dim.dim_data AS c ON c.data = d.data - 7 * k
        WHERE NOT c.eh_pico_sazonal AND NOT c.eh_feriado
          AND EXISTS (SELECT 1 FROM mart.agg_pedidos_diarios AS a WHERE a.data = c.data)
        ORDER BY c.data DESC
        LIMIT v_weeks
    ) AS b;

    -- orders, revenue and cost of every day involved, for the whole shop and every region; joins on
    -- scopes use coalesce(regiao_sk, 0), 0 standing for the whole shop (no region has it), so they hash
    CREATE TEMP TABLE etl_anom_valores ON COMMIT DROP AS
    WITH datas AS (
        SELECT d.data FROM etl_anom_dias AS d UNION SELECT b.base FROM etl_anom_base AS b
    ), soma AS (
        SELECT a.data, a.regiao_sk, sum(a.pedidos) AS pedidos,
               sum(a.valor_total_liquido) AS receita, sum(a.custo_total) AS custo
        FROM mart.agg_pedidos_diarios AS a
        WHERE a.data IN (SELECT x.data FROM datas AS x)
        GROUP BY GROUPING SETS ((a.data, a.regiao_sk), (a.data))
    ), escopos AS (
        SELECT DISTINCT s.regiao_sk FROM soma AS s
    )
    SELECT x.data, e.regiao_sk, coalesce(s.pedidos, 0) AS pedidos, coalesce(s.receita, 0) AS receita,
           coalesce(s.custo, 0) AS custo
    FROM datas AS x
    CROSS JOIN escopos AS e
    LEFT JOIN soma AS s ON s.data = x.data AND coalesce(s.regiao_sk, 0) = coalesce(e.regiao_sk, 0);

    CREATE TEMP TABLE etl_anom_achadas ON COMMIT DROP AS
    WITH kpis AS (   -- the catalog's definitions over the day x region aggregate
        SELECT v.data, v.regiao_sk, k.key AS kpi, v.pedidos,
               CASE k.key
                   WHEN 'receita_liquida'   THEN v.receita
                   WHEN 'pedidos'           THEN v.pedidos
                   WHEN 'ticket_medio'      THEN v.receita / NULLIF(v.pedidos, 0)
                   WHEN 'margem_percentual' THEN (v.receita - v.custo) * 100.0 / NULLIF(v.receita, 0)
               END AS valor
        FROM etl_anom_valores AS v
        CROSS JOIN jsonb_each(p_config -> 'kpis') AS k
    ), base AS (
        SELECT b.dia, k.regiao_sk, k.kpi,
               array_agg(k.valor ORDER BY k.valor) FILTER (WHERE k.valor IS NOT NULL) AS valores,
               array_agg(k.pedidos ORDER BY k.pedidos) AS pedidos
        FROM etl_anom_base AS b
        JOIN kpis AS k ON k.data = b.base
        GROUP BY 1, 2, 3
    ), mediana AS (   -- exact medians (numeric): the mean of the two middle values when even
        SELECT b.dia, b.regiao_sk, b.kpi, cardinality(b.valores) AS n,
               (b.valores[(cardinality(b.valores) + 1) / 2] + b.valores[cardinality(b.valores) / 2 + 1]) / 2 AS esperado,
               (b.pedidos[(cardinality(b.pedidos) + 1) / 2] + b.pedidos[cardinality(b.pedidos) / 2 + 1]) / 2.0 AS pedidos_base
        FROM base AS b
        WHERE cardinality(b.valores) > 0
    ), dispersao AS (
        SELECT m.*, o.valor AS observado,
               (SELECT (x.d[(cardinality(x.d) + 1) / 2] + x.d[cardinality(x.d) / 2 + 1]) / 2
                FROM (SELECT array_agg(abs(v - m.esperado) ORDER BY abs(v - m.esperado)) AS d
                      FROM unnest(b.valores) AS v) AS x) AS mad
        FROM mediana AS m
        JOIN base AS b ON b.dia = m.dia AND coalesce(b.regiao_sk, 0) = coalesce(m.regiao_sk, 0) AND b.kpi = m.kpi
        JOIN kpis AS o ON o.data = m.dia AND coalesce(o.regiao_sk, 0) = coalesce(m.regiao_sk, 0) AND o.kpi = m.kpi
    ), avaliadas AS (
        SELECT s.*, p_config -> 'kpis' -> s.kpi AS cfg
        FROM dispersao AS s
        WHERE s.n >= v_min_history AND s.observado IS NOT NULL
          AND s.pedidos_base >= coalesce((p_config -> 'kpis' -> s.kpi ->> 'min_orders')::numeric, v_min_orders)
    )
    SELECT a.dia AS data, a.regiao_sk, a.kpi, a.cfg ->> 'label' AS kpi_rotulo, a.observado, a.esperado, a.mad,
           (a.observado - a.esperado) / NULLIF(1.4826 * a.mad, 0) AS desvio_robusto,
           (a.observado - a.esperado) * 100.0 / NULLIF(abs(a.esperado), 0) AS variacao_pct,
           a.n AS dias_base, a.pedidos_base,
           (c.eh_pico_sazonal OR c.eh_feriado) AS esperada,
           CASE WHEN c.eh_pico_sazonal OR c.eh_feriado
                THEN concat_ws(' / ', c.nome_pico_sazonal, c.nome_feriado) END AS motivo_esperado
    FROM avaliadas AS a
    JOIN dim.dim_data AS c ON c.data = a.dia
    WHERE a.observado <> a.esperado
      AND (a.mad = 0 OR abs(a.observado - a.esperado) >= (a.cfg ->> 'z_threshold')::numeric * 1.4826 * a.mad)
      AND abs(a.observado - a.esperado) >= CASE WHEN a.cfg ? 'min_change_pct'
                                                THEN (a.cfg ->> 'min_change_pct')::numeric / 100 * abs(a.esperado)
                                                ELSE (a.cfg ->> 'min_difference')::numeric END;

    -- read: every day x scope x KPI looked at (those under the minimum volume or history included)
    SELECT count(*) INTO v_read
    FROM etl_anom_dias AS d
    JOIN etl_anom_valores AS v ON v.data = d.data
    CROSS JOIN jsonb_object_keys(p_config -> 'kpis') AS k;

    WITH feito AS (
        MERGE INTO dq.anomalia_kpi AS t
        USING etl_anom_achadas AS s
        ON t.data = s.data AND coalesce(t.regiao_sk, 0) = coalesce(s.regiao_sk, 0) AND t.kpi = s.kpi
        WHEN MATCHED THEN
            UPDATE SET kpi_rotulo = s.kpi_rotulo, observado = s.observado, esperado = s.esperado, mad = s.mad,
                       desvio_robusto = s.desvio_robusto, variacao_pct = s.variacao_pct, dias_base = s.dias_base,
                       pedidos_base = s.pedidos_base, esperada = s.esperada, motivo_esperado = s.motivo_esperado,
                       avaliada_run_id = p_run_id, desfeita_run_id = NULL
        WHEN NOT MATCHED THEN
            INSERT (data, regiao_sk, kpi, kpi_rotulo, observado, esperado, mad, desvio_robusto, variacao_pct, dias_base,
                    pedidos_base, esperada, motivo_esperado, detectada_run_id, avaliada_run_id)
            VALUES (s.data, s.regiao_sk, s.kpi, s.kpi_rotulo, s.observado, s.esperado, s.mad, s.desvio_robusto,
                    s.variacao_pct, s.dias_base, s.pedidos_base, s.esperada, s.motivo_esperado, p_run_id, p_run_id)
        WHEN NOT MATCHED BY SOURCE AND t.desfeita_run_id IS NULL
                                   AND t.data IN (SELECT d.data FROM etl_anom_dias AS d) THEN
            UPDATE SET desfeita_run_id = p_run_id
        RETURNING merge_action() AS acao, (s.data IS NULL) AS desfeita
    )
    SELECT count(*) FILTER (WHERE f.acao = 'INSERT'),
           count(*) FILTER (WHERE f.acao = 'UPDATE' AND NOT f.desfeita),
           count(*) FILTER (WHERE f.acao = 'UPDATE' AND f.desfeita)
      INTO p_novas, v_updated, p_desfeitas
    FROM feito AS f;

    PERFORM audit.fn_somar_entidade(p_run_id, 'anomalias_kpi', v_started, v_read, p_novas, v_updated,
                                    p_desfeitas, v_read - p_novas - v_updated);
END
$$;

COMMENT ON PROCEDURE etl.detectar_anomalias_kpi(bigint, jsonb, date[]) IS
    'Detecta anomalias de KPI (receita líquida, pedidos, ticket médio, margem %) por dia x loja/região contra a '
    'mediana do mesmo dia da semana nas semanas anteriores; grava dq.anomalia_kpi.';
