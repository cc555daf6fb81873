-- check: agregado_confere_com_fato
-- severity: block
-- scope: days
-- description: Os agregados dos painéis têm as mesmas linhas, quantidades e valores que fact_vendas (linhas não canceladas): mart.agg_vendas_diarias e mart.agg_pedidos_diarios por dia, mart.agg_vendas_mensais_categoria e mart.agg_vendas_mensais_vendedor por mês e mart.agg_descontos_diarios (linhas com desconto) por dia.
-- Scope: a full run compares every day and every month; load-daily compares the days it owes (the
-- days of the orders it changed and the days it refreshed, %(datas)s) and the months of those days.
-- Days: agg_vendas_diarias, agg_pedidos_diarios and agg_descontos_diarios against the fact's lines
-- of the day (fact_vendas_data index). Months: both monthly roll-ups against the month's sum of
-- agg_pedidos_diarios (about 150 rows a month), not against the fact: that daily table is itself
-- compared with the fact here, day by day, so the months are tied to the fact through it, and the
-- daily gate reads the fact lines of the owed days only (at scale 1, 37 owed days of a daily load
-- spread over 3 months: 156 ms when whole months of the fact were read).
WITH escopo AS MATERIALIZED (
    SELECT coalesce(array_agg(d), '{}') AS datas,
           coalesce(array_agg(to_char(d, 'YYYYMMDD')::integer), '{}') AS sks
    FROM (SELECT DISTINCT d FROM unnest(%(datas)s::date[]) AS d) AS u
), meses AS MATERIALIZED (
    SELECT DISTINCT date_trunc('month', d::timestamp)::date AS mes FROM unnest(%(datas)s::date[]) AS d
), fato AS (
    SELECT data_sk, count(*) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo,
           count(*) FILTER (WHERE valor_desconto > 0) AS linhas_desc,
           coalesce(sum(valor_total_liquido) FILTER (WHERE valor_desconto > 0), 0) AS receita_desc,
           coalesce(sum(custo_total) FILTER (WHERE valor_desconto > 0), 0) AS custo_desc
    FROM fact.fact_vendas
    WHERE NOT eh_cancelado AND (%(datas)s::date[] IS NULL OR data_sk = ANY ((SELECT sks FROM escopo)::integer[]))
    GROUP BY data_sk
), agregado AS (
    SELECT data_sk, sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_vendas_diarias
    WHERE %(datas)s::date[] IS NULL OR data = ANY ((SELECT datas FROM escopo)::date[])
    GROUP BY data_sk
), pedidos AS (
    SELECT data_sk, sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_pedidos_diarios
    WHERE %(datas)s::date[] IS NULL OR data = ANY ((SELECT datas FROM escopo)::date[])
    GROUP BY data_sk
), descontos AS (
    SELECT data_sk, sum(linhas) AS linhas, sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_descontos_diarios
    WHERE %(datas)s::date[] IS NULL OR data = ANY ((SELECT datas FROM escopo)::date[])
    GROUP BY data_sk
), pedidos_mensal AS (   -- agg_pedidos_diarios summed per month (-1: the unknown day)
    SELECT CASE WHEN data_sk = -1 THEN -1 ELSE data_sk / 100 * 100 + 1 END AS data_sk,
           sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_pedidos_diarios
    WHERE %(datas)s::date[] IS NULL   -- the unknown day's data is 0001-01-01, its own month
       OR date_trunc('month', data::timestamp)::date IN (SELECT mes FROM meses)
    GROUP BY 1
), mensal_categoria AS (
    SELECT CASE WHEN mes = DATE '0001-01-01' THEN -1 ELSE to_char(mes, 'YYYYMMDD')::integer END AS data_sk,
           sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_vendas_mensais_categoria
    WHERE %(datas)s::date[] IS NULL OR mes IN (SELECT mes FROM meses)
    GROUP BY 1
), mensal_vendedor AS (
    SELECT CASE WHEN mes = DATE '0001-01-01' THEN -1 ELSE to_char(mes, 'YYYYMMDD')::integer END AS data_sk,
           sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_vendas_mensais_vendedor
    WHERE %(datas)s::date[] IS NULL OR mes IN (SELECT mes FROM meses)
    GROUP BY 1
)
SELECT 'agg_vendas_diarias' AS agregado, coalesce(f.data_sk, a.data_sk) AS data_sk, f.linhas AS linhas_fato,
       a.linhas AS linhas_agregado, f.receita AS receita_fato, a.receita AS receita_agregado
FROM fato AS f FULL JOIN agregado AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_pedidos_diarios', coalesce(f.data_sk, a.data_sk), f.linhas, a.linhas, f.receita, a.receita
FROM fato AS f FULL JOIN pedidos AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_vendas_mensais_categoria (vs agg_pedidos_diarios)', coalesce(f.data_sk, a.data_sk), f.linhas, a.linhas, f.receita, a.receita
FROM pedidos_mensal AS f FULL JOIN mensal_categoria AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_vendas_mensais_vendedor (vs agg_pedidos_diarios)', coalesce(f.data_sk, a.data_sk), f.linhas, a.linhas, f.receita, a.receita
FROM pedidos_mensal AS f FULL JOIN mensal_vendedor AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_descontos_diarios', coalesce(f.data_sk, a.data_sk), f.linhas_desc, a.linhas, f.receita_desc, a.receita
FROM (SELECT * FROM fato WHERE linhas_desc > 0) AS f FULL JOIN descontos AS a USING (data_sk)
WHERE (f.linhas_desc, f.receita_desc, f.custo_desc) IS DISTINCT FROM (a.linhas, a.receita, a.custo)
