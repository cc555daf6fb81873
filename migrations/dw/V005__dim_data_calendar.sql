-- V005 (dw): the calendar dimension (PRD 5.1 dim_data) and what the load procedures need.
-- dim.fn_pascoa(ano)             Easter Sunday (anonymous Gregorian algorithm), immutable.
-- dim.fn_feriados_nacionais(ano) Brazilian national holidays of a year (fixed + movable).
-- dim.dim_data                   one row per day 2015-01-01 .. 2035-12-31 (plus the -1 row of V003):
--                                Portuguese month/weekday names, ISO weekday and week, quarter,
--                                'YYYY-MM', holidays and working days (not weekend, not holiday).
-- ctl.etl_control                one row per loaded entity (watermark -infinity), so the harness
--                                can read every watermark before the first load.
-- stg                            etl_writer may ANALYZE staging tables (MAINTAIN, PostgreSQL 17+):
--                                the load procedures analyze their freshly filled staging table
--                                so that a small delta is planned as index probes, not scans.
-- Holidays: national only (Lei 662/1949, 6.802/1980, 14.759/2023), plus Carnaval (Monday and
-- Tuesday) and Corpus Christi, which are "pontos facultativos" nationally but days without
-- business in practice for commerce; Consciência Negra (11-20) is national from 2024 on.

CREATE FUNCTION dim.fn_pascoa(p_ano integer) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- anonymous Gregorian algorithm (Meeus/Jones/Butcher); / is integer division
    WITH a AS (SELECT p_ano % 19 AS a, p_ano / 100 AS b, p_ano % 100 AS c),
         b AS (SELECT a, b, c, b / 4 AS d, b % 4 AS e, (b + 8) / 25 AS f FROM a),
         c AS (SELECT a, b, c, d, e, (b - f + 1) / 3 AS g FROM b),
         d AS (SELECT a, c, e, (19 * a + b - d - g + 15) % 30 AS h FROM c),
         e AS (SELECT a, h, (32 + 2 * e + 2 * (c / 4) - h - (c % 4)) % 7 AS l FROM d),
         f AS (SELECT h, l, (a + 11 * h + 22 * l) / 451 AS m FROM e)
    SELECT make_date(p_ano, (h + l - 7 * m + 114) / 31, ((h + l - 7 * m + 114) % 31) + 1) FROM f
$$;
COMMENT ON FUNCTION dim.fn_pascoa(integer) IS
    'Domingo de Páscoa do ano (calendário gregoriano, algoritmo anônimo de Meeus/Jones/Butcher).';

CREATE FUNCTION dim.fn_feriados_nacionais(p_ano integer) RETURNS TABLE (data date, nome text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT make_date(p_ano, f.mes, f.dia), f.nome
    FROM (VALUES (1, 1, 'Confraternização Universal'), (4, 21, 'Tiradentes'), (5, 1, 'Dia do Trabalho'),
                 (9, 7, 'Independência do Brasil'), (10, 12, 'Nossa Senhora Aparecida'), (11, 2, 'Finados'),
                 (11, 15, 'Proclamação da República'), (12, 25, 'Natal')) AS f(mes, dia, nome)
    UNION ALL
    SELECT make_date(p_ano, 11, 20), 'Dia Nacional de Zumbi e da Consciência Negra' WHERE p_ano >= 2024
    UNION ALL
    SELECT dim.fn_pascoa(p_ano) + m.dias, m.nome
    FROM (VALUES (-48, 'Carnaval (segunda-feira)'), (-47, 'Carnaval (terça-feira)'),
                 (-2, 'Sexta-feira Santa'), (60, 'Corpus Christi')) AS m(dias, nome)
$$;
COMMENT ON FUNCTION dim.fn_feriados_nacionais(integer) IS
    'Feriados nacionais do ano: fixos, Consciência Negra (desde 2024) e móveis pela Páscoa (Carnaval, Sexta-feira Santa, Corpus Christi).';

INSERT INTO dim.dim_data (data_sk, data, ano, trimestre, mes, nome_mes, ano_mes, dia, dia_semana,
                          nome_dia_semana, semana_iso, eh_fim_de_semana, eh_feriado, nome_feriado, eh_dia_util)
SELECT to_char(d, 'YYYYMMDD')::integer,
       d,
       extract(year FROM d)::smallint,
       extract(quarter FROM d)::smallint,
       extract(month FROM d)::smallint,
       (ARRAY['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto',
              'setembro', 'outubro', 'novembro', 'dezembro'])[extract(month FROM d)::integer],
       to_char(d, 'YYYY-MM'),
       extract(day FROM d)::smallint,
       extract(isodow FROM d)::smallint,
       (ARRAY['segunda-feira', 'terça-feira', 'quarta-feira', 'quinta-feira', 'sexta-feira',
              'sábado', 'domingo'])[extract(isodow FROM d)::integer],
       extract(week FROM d)::smallint,
       extract(isodow FROM d) IN (6, 7),
       h.nome IS NOT NULL,
       h.nome,
       extract(isodow FROM d) NOT IN (6, 7) AND h.nome IS NULL
FROM generate_series(date '2015-01-01', date '2035-12-31', interval '1 day') AS g(ts)
CROSS JOIN LATERAL (SELECT g.ts::date AS d) AS x
LEFT JOIN LATERAL (
    -- two holidays never share a day in 2015-2035, but string_agg keeps the grain safe anyway
    SELECT string_agg(f.nome, ' / ' ORDER BY f.nome) AS nome
    FROM dim.fn_feriados_nacionais(extract(year FROM x.d)::integer) AS f
    WHERE f.data = x.d
    HAVING count(*) > 0
) AS h ON true;

INSERT INTO ctl.etl_control (entity)
VALUES ('dim_regiao'), ('dim_equipe'), ('dim_vendedor'), ('dim_cliente'), ('dim_produto'),
       ('dim_desconto'), ('fact_vendas'), ('fact_descontos'), ('fact_metas')
ON CONFLICT (entity) DO NOTHING;

GRANT MAINTAIN ON ALL TABLES IN SCHEMA stg TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA stg GRANT MAINTAIN ON TABLES TO etl_writer;
