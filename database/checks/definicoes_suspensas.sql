-- check: definicoes_suspensas
-- severity: block
-- description: Nenhuma chave estrangeira ou índice de fato fica retirado depois de uma carga em massa (ctl.suspended_definition vazia); a próxima carga do fato os recria.
SELECT table_name::text AS tabela, object_name AS objeto, kind AS tipo, run_id, suspended_at
FROM ctl.suspended_definition
