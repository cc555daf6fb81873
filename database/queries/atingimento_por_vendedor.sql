-- Meta, realizado, % de atingimento e posição na equipe por vendedor e mês (PRD 2: "taxa de
-- atingimento de metas por vendedor"). Meses que cruzam o período. Lê mart.vw_metas_atingimento.
-- params: data_inicio date, data_fim date (obrigatórios); regiao (da equipe), equipe, vendedor (opcionais)
SELECT ano_mes, vendedor_id, vendedor_nome, equipe_id, equipe_nome, regiao_nome,
       valor_meta, valor_realizado, atingimento_pct, meta_atingida, ranking_equipe
FROM mart.vw_metas_atingimento
WHERE mes BETWEEN date_trunc('month', %(data_inicio)s::date)::date AND %(data_fim)s::date
  AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
  AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
  AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
ORDER BY ano_mes, equipe_nome, ranking_equipe, vendedor_id;
