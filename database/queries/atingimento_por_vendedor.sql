-- Meta, realizado, % de atingimento e posição na equipe por vendedor e mês (PRD 2: "taxa de
-- atingimento de metas por vendedor"). Meses que cruzam o período. Lê mart.vw_metas_atingimento.
-- A ordenação é feita na subconsulta, com as chaves de ordenação nas primeiras colunas: o sort do
-- PostgreSQL lê as chaves seguintes à primeira dentro de cada linha, e depois de colunas de texto
-- essa leitura percorre a linha inteira (10.800 linhas em três anos: ~2/3 do tempo do sort).
-- params: data_inicio date, data_fim date (obrigatórios); regiao (da equipe), equipe, vendedor (opcionais)
SELECT ano_mes, vendedor_id, vendedor_nome, equipe_id, equipe_nome, regiao_nome,
       valor_meta, valor_realizado, atingimento_pct, meta_atingida, ranking_equipe
FROM (
    SELECT mes, ranking_equipe, equipe_nome, vendedor_id, ano_mes, vendedor_nome, equipe_id, regiao_nome,
           valor_meta, valor_realizado, atingimento_pct, meta_atingida
    FROM mart.vw_metas_atingimento
    WHERE mes BETWEEN date_trunc('month', %(data_inicio)s::date::timestamp)::date AND %(data_fim)s::date
      AND (%(regiao)s::text IS NULL OR regiao_id = %(regiao)s::text)
      AND (%(equipe)s::text IS NULL OR equipe_id = %(equipe)s::text)
      AND (%(vendedor)s::text IS NULL OR vendedor_id = %(vendedor)s::text)
    ORDER BY mes, equipe_nome, ranking_equipe, vendedor_id   -- = ano_mes, ...: ano_mes is mes as 'YYYY-MM'
) m
ORDER BY mes, equipe_nome, ranking_equipe, vendedor_id;
