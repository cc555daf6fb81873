-- etl.load_dim_equipe: region resolution (known, inferred, NULL -> -1), screens, inferred team
-- completed, audit counts, watermark, rerun no-op, update, bad input.
BEGIN;
SELECT plan(17);

SELECT is_procedure('etl', 'load_dim_equipe', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_equipe has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (920001, 'test', 'test'), (920002, 'test', 'test'), (920003, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('SE', 'Sudeste');
INSERT INTO dim.dim_equipe (equipe_id, nome, inferido) VALUES ('T9', 'Não informado (inferido)', true);
TRUNCATE stg.teams;
INSERT INTO stg.teams (team_id, name, region_id, updated_at) VALUES
    ('T1', 'Equipe Sudeste', 'SE', '2024-03-01 10:00-03'),
    ('T2', 'Equipe Norte',   'XX', '2024-03-01 10:00-03'),  -- region not loaded yet: inferred
    ('T3', 'Sem região',     NULL, '2024-03-01 10:00-03'),  -- NULL region: unknown member
    ('T9', 'Equipe Nove',    'SE', '2024-03-01 10:00-03'),  -- completes the inferred team
    (NULL, 'Sem chave',      'ZZ', '2024-03-01 10:00-03'),  -- null_key; its region is not inferred
    ('T5', 'Região longa',   repeat('R', 201), '2024-03-01 10:00-03');  -- key_too_long: no inferred region either

CALL etl.load_dim_equipe(920001, '2024-03-01 12:00-03');

SELECT set_eq($$SELECT e.equipe_id, e.nome, e.regiao_id, r.regiao_id AS sk_regiao, e.inferido
                FROM dim.dim_equipe e JOIN dim.dim_regiao r ON r.regiao_sk = e.regiao_sk$$,
              $$VALUES ('-1', 'Não informado', NULL, '-1', false), ('T1', 'Equipe Sudeste', 'SE', 'SE', false),
                       ('T2', 'Equipe Norte', 'XX', 'XX', false), ('T3', 'Sem região', NULL, '-1', false),
                       ('T9', 'Equipe Nove', 'SE', 'SE', false)$$,
              'teams loaded with their region resolved (known, inferred, NULL -> -1); T9 completed');
SELECT is((SELECT (nome, inferido, inserted_run_id)::text FROM dim.dim_regiao WHERE regiao_id = 'XX'),
          '("Não informado (inferido)",t,920001)', 'an unknown region becomes an inferred member');
SELECT is((SELECT count(*)::integer FROM dim.dim_regiao WHERE regiao_id = 'ZZ' OR length(regiao_id) > 200), 0,
          'a rejected row infers nothing');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 920001 AND entity = 'dim_equipe'$$,
                  $$VALUES (6::bigint, 3::bigint, 1::bigint, 0::bigint, 2::bigint)$$,
                  'audit: 6 read = 3 inserted + 1 updated (inferred completed) + 2 rejected');
SELECT set_eq($$SELECT natural_key, rule, raw ->> 'name' FROM audit.rejected_rows WHERE run_id = 920001 AND entity = 'dim_equipe'$$,
              $$VALUES (NULL, 'null_key', 'Sem chave'), ('T5', 'key_too_long', 'Região longa')$$,
              'the null key and the over-long region are rejected with their raw row');
SELECT is((SELECT (watermark, last_run_id)::text FROM ctl.etl_control WHERE entity = 'dim_equipe'),
          ('2024-03-01 12:00-03'::timestamptz, 920001)::text, 'watermark and last run advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_equipe;
CALL etl.load_dim_equipe(920002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 920002 AND entity = 'dim_equipe'$$,
                  $$VALUES (6::bigint, 0::bigint, 0::bigint, 6::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_equipe'), 2,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_equipe$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');
SELECT is((SELECT count(*)::integer FROM dim.dim_regiao WHERE inferido), 1, 'rerun: no second inferred region');

-- update: T3 moves to SE; T5 fixed at the source (region SE)
TRUNCATE stg.teams;
INSERT INTO stg.teams VALUES ('T3', 'Sem região', 'SE', '2024-03-02 10:00-03'),
                             ('T5', 'Região longa', 'SE', '2024-03-02 10:00-03');
CALL etl.load_dim_equipe(920003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated FROM audit.etl_run_entity
                    WHERE run_id = 920003 AND entity = 'dim_equipe'$$,
                  $$VALUES (2::bigint, 1::bigint, 1::bigint)$$, 'update: the moved team is updated, the fixed one inserted');
SELECT results_eq($$SELECT r.natural_key, x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('T5', 920003::bigint)$$, 'the fixed team''s reject is resolved, the null key''s stays open');
SELECT is((SELECT e.regiao_sk FROM dim.dim_equipe e WHERE e.equipe_id = 'T3'),
          (SELECT r.regiao_sk FROM dim.dim_regiao r WHERE r.regiao_id = 'SE'), 'update: T3 points at SE');
SELECT is((SELECT updated_run_id FROM dim.dim_equipe WHERE equipe_id = 'T3'), 920003::bigint, 'update: stamped');

SELECT throws_ok($$CALL etl.load_dim_equipe(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_equipe(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
