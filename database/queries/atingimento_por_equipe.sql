-- Meta, realizado e % de atingimento por equipe no período (PRD 2: "taxa de atingimento de
-- metas por equipe"): soma metas e realizado dos vendedores antes de dividir (nunca média de
-- percentuais). Meses que cruzam o período. Lê mart.vw_metas_atingimento.
-- params: data_inicio date, data_fim date (obrigatórios); regiao (da equipe) (opcional)
SELECT equipe_id, equipe_nome, regiao_nome,
       SUM(valor_meta)                                                        AS valor_meta,
       SUM(valor_realizado)                                                   AS valor_realizado,
       round(SUM(valor_realizado) * 100.0 / NULLIF(SUM(valor_meta), 0), 2)    AS atingimento_pct,
       COUNT(*) FILTER (WHERE meta_atingida)                                  AS metas_atingidas,
       COUNT(*)                                                               AS metas
FROM mart.vw_metas_atingimento
WHERE mes BETWEEN date_trunc('month', %(data_inicio)s::date::timestamp)::date AND %(data_fim)s::date
  AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
GROUP BY equipe_id, equipe_nome, regiao_nome
ORDER BY atingimento_pct DESC NULLS LAST, equipe_id;
