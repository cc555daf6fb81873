-- ROI e impacto na margem por campanha no período (PRD 2: "ROI de campanhas e impacto real de
-- descontos na margem"). Meses que cruzam o período; sem linhas canceladas.
-- impacto_margem_pp = margem % das linhas da campanha - margem % de TODAS as linhas sem desconto
-- dos mesmos meses (pontos percentuais; negativo = o desconto reduz a margem).
-- Lê mart.vw_descontos_campanhas e mart.vw_pedidos_diarios (dia x região: todas as linhas do mês).
-- params: data_inicio date, data_fim date (obrigatórios); campanha (opcional)
WITH camp AS (
    SELECT campanha,
           SUM(linhas_com_desconto)        AS usos,
           SUM(valor_bruto)                AS valor_bruto,
           SUM(valor_desconto_aplicado)    AS desconto_aplicado,
           SUM(valor_com_desconto)         AS receita_com_desconto,
           SUM(margem_com_desconto)        AS margem_com_desconto
    FROM mart.vw_descontos_campanhas
    WHERE mes BETWEEN date_trunc('month', %(data_inicio)s::date)::date AND %(data_fim)s::date
      AND (%(campanha)s::text IS NULL OR campanha = %(campanha)s::text)
    GROUP BY campanha
), sem AS (
    SELECT SUM(valor_total_liquido - receita_com_desconto) AS receita,
           SUM((valor_total_liquido - receita_com_desconto) - (custo_total - custo_com_desconto)) AS margem
    FROM mart.vw_pedidos_diarios
    WHERE data BETWEEN date_trunc('month', %(data_inicio)s::date)::date
                   AND (date_trunc('month', %(data_fim)s::date) + interval '1 month - 1 day')::date
)
SELECT c.campanha, c.usos, c.valor_bruto, c.desconto_aplicado, c.receita_com_desconto,
       round(c.receita_com_desconto / NULLIF(c.desconto_aplicado, 0), 4)                    AS roi_desconto,
       round(c.margem_com_desconto * 100.0 / NULLIF(c.receita_com_desconto, 0), 2)           AS margem_com_desconto_pct,
       round(s.margem * 100.0 / NULLIF(s.receita, 0), 2)                                     AS margem_sem_desconto_pct,
       round(c.margem_com_desconto * 100.0 / NULLIF(c.receita_com_desconto, 0)
             - s.margem * 100.0 / NULLIF(s.receita, 0), 2)                                   AS impacto_margem_pp
FROM camp c CROSS JOIN sem s
ORDER BY roi_desconto DESC NULLS LAST, c.campanha;
