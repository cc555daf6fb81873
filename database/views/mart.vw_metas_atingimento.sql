-- mart.vw_metas_atingimento: goal versus actual per seller and month, ranked within the team.
-- Purpose: dashboard "metas e atingimento" and PRD question "taxa de atingimento de metas por
--          vendedor e equipe" (journey 1).
-- Source: mart.agg_metas_mensais (V070: goal, actual, attainment and rank per seller and month,
--         kept current by etl.refresh_agg_metas_mensais in the same transactions as the goals and
--         the seller roll-up it is computed from; actual = non-cancelled net revenue of the seller
--         in the month, summed over every region/category/team of mart.agg_vendas_mensais_vendedor),
--         dim_vendedor, dim_equipe (the goal's team), dim_regiao (the team's region). Names are
--         joined here, not stored: renames show at once. Until V070 the view computed the actual
--         and the rank itself (~150 ms for three years at scale 1).
-- SCD2 (V020): equipe_* / regiao_* = the team (and its region) of the seller's version valid on
-- the first day of the month, as fact_metas was bound ("as it was": the dashboards' goals page
-- uses these); equipe_atual(_nome) / regiao_atual(_nome) = the seller's current team and region.
-- valor_realizado counts every version of the seller in the month (by vendedor_id).
-- Grain: seller x month (one row per goal; a seller with sales but no goal is not here).
-- atingimento_pct = valor_realizado / valor_meta * 100 (NULL when the goal is 0), rounded to
-- 2 decimals; ranking_equipe = rank() within team and month by atingimento, highest first.
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_metas_atingimento;
CREATE VIEW mart.vw_metas_atingimento AS
SELECT b.mes,
       to_char(b.mes, 'YYYY-MM')                 AS ano_mes,
       v.vendedor_id,
       v.nome                                    AS vendedor_nome,
       e.equipe_id,
       e.nome                                    AS equipe_nome,
       r.regiao_id,
       r.nome                                    AS regiao_nome,
       b.valor_meta,
       b.valor_realizado,
       round(b.atingimento, 2)::numeric(14,2)   AS atingimento_pct,
       (b.valor_realizado >= b.valor_meta)       AS meta_atingida,
       b.ranking_equipe,
       ea.equipe_id                              AS equipe_atual,
       ea.nome                                   AS equipe_atual_nome,
       ra.regiao_id                              AS regiao_atual,
       ra.nome                                   AS regiao_atual_nome
FROM mart.agg_metas_mensais b
JOIN dim.dim_vendedor v ON v.vendedor_sk = b.vendedor_sk
JOIN dim.dim_equipe e   ON e.equipe_sk = b.equipe_sk
JOIN dim.dim_regiao r   ON r.regiao_sk = e.regiao_sk
JOIN dim.dim_vendedor va ON va.vendedor_id = b.vendedor_id AND va.eh_atual
JOIN dim.dim_equipe ea   ON ea.equipe_sk = va.equipe_sk
JOIN dim.dim_regiao ra   ON ra.regiao_sk = ea.regiao_sk;

COMMENT ON VIEW mart.vw_metas_atingimento IS
    'Meta x realizado (receita líquida sem cancelados) por vendedor e mês, com % de atingimento e '
    'posição no ranking da equipe; equipe/região = as do vendedor no 1º dia do mês; '
    'equipe_atual/regiao_atual = como são hoje.';
