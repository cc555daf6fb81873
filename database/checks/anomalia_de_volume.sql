-- check: anomalia_de_volume
-- severity: warn
-- description: Linhas novas de fact_vendas nesta execução muito fora do intervalo recente (menos de 1/5 ou mais de 5x a mediana das últimas 14 cargas bem-sucedidas com dados).
WITH recentes AS (
    SELECT e.rows_inserted
    FROM audit.etl_run_entity e JOIN audit.etl_run r USING (run_id)
    WHERE e.entity = 'fact_vendas' AND r.status = 'succeeded' AND r.command = 'load-daily'
      AND e.run_id < %(run_id)s AND e.rows_inserted > 0
    ORDER BY e.run_id DESC LIMIT 14
), mediana AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY rows_inserted) AS m, count(*) AS n FROM recentes
)
SELECT e.rows_inserted AS linhas_novas, mediana.m AS mediana_recente
FROM audit.etl_run_entity e, mediana
WHERE e.run_id = %(run_id)s AND e.entity = 'fact_vendas' AND mediana.n >= 5
  AND (e.rows_inserted < mediana.m / 5 OR e.rows_inserted > mediana.m * 5)
