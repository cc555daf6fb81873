-- mart.vw_rejeicoes_abertas: open rejects by entity and rule, for the ETL monitor (bi_reader).
-- Purpose: how many source rows the screens keep out of the warehouse now, by rule, since when;
--          readable by bi_reader, which has no access to the audit schema (the view runs with its
--          owner's rights). Counts and dates only: never the rejected rows' content.
-- Source: audit.vw_rejeicoes_abertas (the latest unresolved reject of each source row).
-- Grain: entity x rule. primeira_em / ultima_em: when the oldest / newest of them was first rejected.
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_rejeicoes_abertas;
CREATE VIEW mart.vw_rejeicoes_abertas AS
SELECT r.entity          AS entidade,
       r.rule            AS regra,
       count(*)          AS linhas,
       min(r.rejected_at) AS primeira_em,
       max(r.rejected_at) AS ultima_em
FROM audit.vw_rejeicoes_abertas AS r
GROUP BY r.entity, r.rule;

COMMENT ON VIEW mart.vw_rejeicoes_abertas IS
    'Rejeições abertas por entidade e regra: linhas da origem ainda fora do warehouse, desde quando. Sem o conteúdo das linhas.';
