-- check: agregado_confere_com_fato
-- severity: block
-- scope: days
-- description: Os agregados dos painéis têm as mesmas linhas, quantidades e valores que fact_vendas (linhas não canceladas): mart.agg_vendas_diarias e mart.agg_pedidos_diarios por dia, mart.agg_vendas_mensais_categoria e mart.agg_vendas_mensais_vendedor por mês e mart.agg_descontos_diarios (linhas com desconto) por dia.
-- Scope: a full run compares every day and month; load-daily compares the months of the days it
-- changed (every day of those months, so the monthly tables are compared whole), each table read
-- through its key (fact: data_sk index; daily tables: data; monthly tables: mes).
WITH meses AS MATERIALIZED (
    SELECT DISTINCT date_trunc('month', d::timestamp)::date AS mes FROM unnest(%(datas)s::date[]) AS d
), escopo AS MATERIALIZED (
    SELECT coalesce(array_agg(g::date), '{}') AS datas,
           coalesce(array_agg(to_char(g, 'YYYYMMDD')::integer), '{}') AS sks
    FROM meses, generate_series(mes::timestamp, mes + interval '1 month' - interval '1 day', interval '1 day') AS g
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
), fato_mensal AS (   -- the fact's days rolled up to months (no second scan of the fact)
    SELECT CASE WHEN f.data_sk = -1 THEN -1 ELSE f.data_sk / 100 * 100 + 1 END AS data_sk,
           sum(f.linhas) AS linhas, sum(f.quantidade) AS quantidade, sum(f.receita) AS receita, sum(f.custo) AS custo
    FROM fato AS f GROUP BY 1
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
SELECT 'agg_vendas_mensais_categoria', coalesce(f.data_sk, a.data_sk), f.linhas, a.linhas, f.receita, a.receita
FROM fato_mensal AS f FULL JOIN mensal_categoria AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_vendas_mensais_vendedor', coalesce(f.data_sk, a.data_sk), f.linhas, a.linhas, f.receita, a.receita
FROM fato_mensal AS f FULL JOIN mensal_vendedor AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
UNION ALL
SELECT 'agg_descontos_diarios', coalesce(f.data_sk, a.data_sk), f.linhas_desc, a.linhas, f.receita_desc, a.receita
FROM (SELECT * FROM fato WHERE linhas_desc > 0) AS f FULL JOIN descontos AS a USING (data_sk)
WHERE (f.linhas_desc, f.receita_desc, f.custo_desc) IS DISTINCT FROM (a.linhas, a.receita, a.custo)
