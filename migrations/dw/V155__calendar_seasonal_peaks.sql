-- V155 (dw): the retail calendar's seasonal peaks on dim.dim_data, for KPI anomaly detection.
-- dim.fn_picos_sazonais(ano)  the peak days of a year, from the Brazilian retail calendar:
--   Black Friday (the Friday after the fourth Thursday of November), its week (7 days before, the
--   weekend after) and Cyber Monday (3 days after); Natal (December 1 to 24, the Black Friday names
--   win where they overlap) and Fim de ano (December 25 to 31, the lull after Christmas); Dia das
--   Mães (the second Sunday of May and the 10 days before it).
-- dim.dim_data.eh_pico_sazonal / nome_pico_sazonal  the same days on the calendar dimension.
-- Why: a day of a known peak is compared with ordinary days like any other, but a deviation there
--   is expected (docs/metricas.md, "Detecção de anomalias"): it is recorded, not alerted, and the
--   peak days are left out of the other days' baselines. The shop generator (harness/oltp/reference.py
--   day_weight) uses the same calendar; tests/test_anomalies.py checks that the two agree.
-- Rerun: applied once (versioned). Rows inserted into dim_data later (tests) default to no peak.

CREATE FUNCTION dim.fn_picos_sazonais(p_ano integer) RETURNS TABLE (data date, nome text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH ref AS (
        SELECT make_date(p_ano, 11, 1) + ((4 - extract(isodow FROM make_date(p_ano, 11, 1))::integer + 7) % 7 + 21) + 1
                   AS black_friday,
               make_date(p_ano, 5, 1) + ((7 - extract(isodow FROM make_date(p_ano, 5, 1))::integer) % 7 + 7)
                   AS dia_das_maes
    ), dias AS (
        SELECT r.black_friday + k AS data,
               CASE k WHEN 0 THEN 'Black Friday' WHEN 3 THEN 'Cyber Monday' ELSE 'Semana da Black Friday' END AS nome,
               1 AS prioridade
        FROM ref AS r, generate_series(-7, 3) AS k
        UNION ALL
        SELECT g::date, CASE WHEN extract(day FROM g) <= 24 THEN 'Natal' ELSE 'Fim de ano' END, 2
        FROM generate_series(make_date(p_ano, 12, 1), make_date(p_ano, 12, 31), interval '1 day') AS g
        UNION ALL
        SELECT r.dia_das_maes - k, 'Dia das Mães', 3
        FROM ref AS r, generate_series(0, 10) AS k
    )
    SELECT DISTINCT ON (d.data) d.data, d.nome FROM dias AS d ORDER BY d.data, d.prioridade
$$;
COMMENT ON FUNCTION dim.fn_picos_sazonais(integer) IS
    'Picos sazonais do varejo no ano: semana da Black Friday e Cyber Monday, Natal (1 a 24/12), '
    'Fim de ano (25 a 31/12) e os 10 dias antes do Dia das Mães.';

ALTER TABLE dim.dim_data
    ADD COLUMN eh_pico_sazonal   boolean NOT NULL DEFAULT false,
    ADD COLUMN nome_pico_sazonal text;

UPDATE dim.dim_data AS d
SET eh_pico_sazonal = true, nome_pico_sazonal = p.nome
FROM (SELECT f.data, f.nome
      FROM generate_series(2015, 2035) AS y, dim.fn_picos_sazonais(y) AS f) AS p
WHERE p.data = d.data;

COMMENT ON COLUMN dim.dim_data.eh_pico_sazonal IS
    'Dia de pico sazonal do varejo (Black Friday, Natal, Fim de ano, Dia das Mães): desvios de KPI esperados.';
COMMENT ON COLUMN dim.dim_data.nome_pico_sazonal IS 'Nome do pico sazonal do dia (NULL fora de picos).';
