-- V120 (dw): a rejected row is recorded once, and its resolution is recorded when the source
-- row is fixed; the audit of an entity's run carries the value it read and rejected.
-- audit.rejected_rows.conteudo_md5  md5 of (natural key, raw row): with entity and rule, the
--   identity of a reject. A row re-read by the extraction overlap, a retry or a reprocess is the
--   same staged row (same values, same updated_at) and inserts nothing (ON CONFLICT DO NOTHING
--   on rejected_rows_uma_vez); a row that changed and still fails is a new reject.
--   Existing duplicates are removed here, the first occurrence (smallest rejected_id) kept.
-- audit.rejeicoes_resolvidas  one row per resolved reject, inserted by the load that accepted
--   the row's key later ('carregada') or saw it deleted at the source ('excluida_na_origem').
--   Inserts only: nothing in audit is updated to resolve a reject.
-- audit.etl_run_entity.rows_rejected_first: of the rejects this run recorded, those of a row with no
--   reject still open from an earlier run (a new problem, not a quarantined row re-rejected because
--   its order moved on); valor_lido / valor_rejeitado: for the facts, the value of the rows read and
--   of those first rejects (fact_vendas: sum of |quantity x unit_price|; fact_metas: targets). The
--   reject-share gate (database/checks/rejeicoes_acima_do_limite.sql) reads these.
-- rejected_rows_chave: hash index on natural_key (keys of any length: a btree entry is limited to
--   about 2.7 kB and a rejected key may be longer), for the resolution probes by key.
-- Rerun: plain DDL, applied once by the migration runner.

ALTER TABLE audit.rejected_rows
    ADD COLUMN conteudo_md5 text GENERATED ALWAYS AS (md5(coalesce(natural_key, '') || '|' || raw::text)) STORED;

DELETE FROM audit.rejected_rows AS r
USING audit.rejected_rows AS k
WHERE k.entity = r.entity AND k.rule = r.rule AND k.conteudo_md5 = r.conteudo_md5
  AND k.rejected_id < r.rejected_id;

CREATE UNIQUE INDEX rejected_rows_uma_vez ON audit.rejected_rows (entity, rule, conteudo_md5);
CREATE INDEX rejected_rows_chave ON audit.rejected_rows USING hash (natural_key);
COMMENT ON COLUMN audit.rejected_rows.conteudo_md5 IS
    'md5 da chave natural e da linha bruta: com entidade e regra, identifica a rejeição (registrada uma vez).';

CREATE TABLE audit.rejeicoes_resolvidas (
    rejected_id  bigint      PRIMARY KEY REFERENCES audit.rejected_rows (rejected_id),
    run_id       bigint      NOT NULL REFERENCES audit.etl_run (run_id),
    motivo       text        NOT NULL CHECK (motivo IN ('carregada', 'excluida_na_origem')),
    resolvida_em timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE audit.rejeicoes_resolvidas IS
    'Rejeições resolvidas: a linha de origem foi corrigida e carregada (carregada) ou excluída na origem, pela execução run_id.';

ALTER TABLE audit.etl_run_entity
    ADD COLUMN rows_rejected_first bigint NOT NULL DEFAULT 0 CHECK (rows_rejected_first BETWEEN 0 AND rows_rejected),
    ADD COLUMN valor_lido numeric,
    ADD COLUMN valor_rejeitado numeric;
COMMENT ON COLUMN audit.etl_run_entity.rows_rejected_first IS
    'Rejeições desta execução de linhas sem rejeição aberta de execução anterior (problemas novos).';
COMMENT ON COLUMN audit.etl_run_entity.valor_lido IS
    'Fatos: valor das linhas lidas (vendas: soma de |quantidade x preço|; metas: soma das metas); NULL nas dimensões.';
COMMENT ON COLUMN audit.etl_run_entity.valor_rejeitado IS
    'Fatos: valor das rejeições de problemas novos desta execução (rows_rejected_first; mesma medida de valor_lido).';
