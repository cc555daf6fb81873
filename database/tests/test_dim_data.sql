-- dim.dim_data (V005): calendar 2015-2035, Portuguese names, ISO weekday/week, Brazilian national
-- holidays (fixed, Consciência Negra from 2024, movable from Easter), working days; dim.fn_pascoa.
BEGIN;
SELECT plan(22);

SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE data BETWEEN '2015-01-01' AND '2035-12-31'),
          (date '2035-12-31' - date '2015-01-01') + 1, 'one row per day from 2015-01-01 to 2035-12-31');
SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE data_sk = -1), 1, 'the unknown member -1 is still there');
SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE data_sk > 0 AND data_sk <> to_char(data, 'YYYYMMDD')::integer), 0,
          'data_sk is the date as yyyymmdd');
SELECT results_eq($$SELECT dim.fn_pascoa(y) FROM unnest(ARRAY[2000, 2019, 2024, 2025, 2035]) AS y$$,
                  $$VALUES ('2000-04-23'::date), ('2019-04-21'::date), ('2024-03-31'::date), ('2025-04-20'::date), ('2035-03-25'::date)$$,
                  'fn_pascoa gives the known Easter Sundays');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'dim.fn_pascoa(integer)'::regprocedure), 'i', 'fn_pascoa is immutable');
SELECT results_eq($$SELECT eh_feriado, nome_feriado, eh_dia_util FROM dim.dim_data WHERE data = '2024-02-13'$$,
                  $$VALUES (true, 'Carnaval (terça-feira)', false)$$, 'Carnaval Tuesday 2024-02-13 is a holiday');
SELECT is((SELECT eh_feriado FROM dim.dim_data WHERE data = '2024-02-12'), true, 'Carnaval Monday 2024-02-12 is a holiday');
SELECT is((SELECT nome_feriado FROM dim.dim_data WHERE data = '2024-03-29'), 'Sexta-feira Santa', 'Good Friday 2024-03-29');
SELECT is((SELECT nome_feriado FROM dim.dim_data WHERE data = '2025-04-21'), 'Tiradentes', 'Tiradentes 2025-04-21');
SELECT results_eq($$SELECT eh_feriado, nome_feriado, dia_semana::integer FROM dim.dim_data WHERE data = '2025-06-19'$$,
                  $$VALUES (true, 'Corpus Christi', 4)$$, 'Corpus Christi 2025-06-19, a Thursday');
SELECT results_eq($$SELECT eh_fim_de_semana, eh_feriado, eh_dia_util, nome_dia_semana, dia_semana::integer
                    FROM dim.dim_data WHERE data = '2024-03-02'$$,
                  $$VALUES (true, false, false, 'sábado', 6)$$, 'a Saturday is not a working day');
SELECT results_eq($$SELECT eh_feriado, eh_dia_util FROM dim.dim_data WHERE data = '2024-11-20'$$,
                  $$VALUES (true, false)$$, 'Consciência Negra 2024-11-20 is a national holiday');
SELECT results_eq($$SELECT eh_feriado, eh_dia_util FROM dim.dim_data WHERE data = '2023-11-20'$$,
                  $$VALUES (false, true)$$, '2023-11-20 (a Monday before the 2023 law) is a working day');
SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE ano = 2023 AND eh_feriado), 12, '2023: 8 fixed + 4 movable holidays');
SELECT is((SELECT count(*)::integer FROM dim.dim_data WHERE ano = 2024 AND eh_feriado), 13, '2024: plus Consciência Negra');
SELECT is((SELECT count(*)::integer FROM dim.dim_data
           WHERE data_sk > 0 AND eh_dia_util <> (NOT eh_fim_de_semana AND NOT eh_feriado)), 0,
          'a working day is exactly a weekday that is not a holiday');
SELECT results_eq($$SELECT nome_mes, ano_mes, nome_dia_semana, dia_semana::integer, trimestre::integer
                    FROM dim.dim_data WHERE data = '2024-01-01'$$,
                  $$VALUES ('janeiro', '2024-01', 'segunda-feira', 1, 1)$$, 'Portuguese names, ISO weekday, year-month');
SELECT is((SELECT nome_mes || '/' || trimestre FROM dim.dim_data WHERE data = '2024-08-15'), 'agosto/3', 'August is in Q3');
SELECT is((SELECT semana_iso::integer FROM dim.dim_data WHERE data = '2024-12-30'), 1, 'ISO week: 2024-12-30 is week 1 (of 2025)');
SELECT is((SELECT nome_dia_semana FROM dim.dim_data WHERE data = '2024-03-03'), 'domingo', 'Sunday is domingo');
SELECT is((SELECT count(DISTINCT nome_mes)::integer FROM dim.dim_data WHERE data_sk > 0), 12, 'twelve month names');
SELECT is((SELECT count(DISTINCT nome_dia_semana)::integer FROM dim.dim_data WHERE data_sk > 0), 7, 'seven weekday names');

SELECT * FROM finish();
ROLLBACK;
