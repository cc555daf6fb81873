-- mart.vw_opcoes_filtro: the values the dashboards' global filters offer.
-- Purpose: list regions, categories, teams and sellers from the (small) dimensions, so a
--          page does not scan the sales aggregate to fill its dropdowns (4 s at scale 1).
-- Source: dim.dim_regiao, dim.dim_produto (distinct category), dim.dim_equipe,
--         dim.dim_vendedor (current versions); unknown members (-1) left out, except the region's:
--         sales whose customer has no known region are a real share of revenue and can be chosen.
-- Grain: one row per filter dimension x value.
-- Rerun: DROP + CREATE, re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_opcoes_filtro;
CREATE VIEW mart.vw_opcoes_filtro AS
SELECT 'regiao'::text AS dimensao, r.regiao_id AS valor, r.nome AS rotulo
FROM dim.dim_regiao AS r
UNION ALL
SELECT DISTINCT 'categoria', p.categoria, p.categoria
FROM dim.dim_produto AS p WHERE p.produto_sk <> -1 AND p.categoria IS NOT NULL AND p.eh_atual
UNION ALL
SELECT 'equipe', e.equipe_id, e.nome
FROM dim.dim_equipe AS e WHERE e.equipe_sk <> -1
UNION ALL
SELECT 'vendedor', v.vendedor_id, v.nome
FROM dim.dim_vendedor AS v WHERE v.vendedor_sk <> -1 AND v.eh_atual;

COMMENT ON VIEW mart.vw_opcoes_filtro IS
    'Valores dos filtros globais dos painéis (região, categoria, equipe, vendedor), das dimensões.';
