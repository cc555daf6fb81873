-- check: agregado_confere_com_fato
-- severity: block
-- scope: days
-- description: O agregado mart.agg_vendas_diarias (usado pelos painéis) tem, por dia, as mesmas linhas, quantidades e valores que fact_vendas (linhas não canceladas).
WITH fato AS (
    SELECT data_sk, count(*) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM fact.fact_vendas WHERE NOT eh_cancelado AND (%(dias)s::integer[] IS NULL OR data_sk = ANY (%(dias)s::integer[])) GROUP BY data_sk
), agregado AS (
    SELECT data_sk, sum(linhas) AS linhas, sum(quantidade_vendida) AS quantidade,
           sum(valor_total_liquido) AS receita, sum(custo_total) AS custo
    FROM mart.agg_vendas_diarias WHERE (%(datas)s::date[] IS NULL OR data = ANY (%(datas)s::date[])) GROUP BY data_sk
)
SELECT coalesce(f.data_sk, a.data_sk) AS data_sk, f.linhas AS linhas_fato, a.linhas AS linhas_agregado,
       f.receita AS receita_fato, a.receita AS receita_agregado
FROM fato AS f FULL JOIN agregado AS a USING (data_sk)
WHERE (f.linhas, f.quantidade, f.receita, f.custo) IS DISTINCT FROM (a.linhas, a.quantidade, a.receita, a.custo)
