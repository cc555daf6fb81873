-- etl.load_dim_regiao: contract, first load (dedup, blank name, screens, inferred member completed),
-- audit counts and watermark, rerun is a no-op, update of one row, bad input.
BEGIN;
SELECT plan(21);

SELECT is_procedure('etl', 'load_dim_regiao', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_regiao has the load contract signature');

-- arrange: three runs; NE already exists as an inferred member (a team referenced it first)
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (910001, 'test', 'test'), (910002, 'test', 'test'), (910003, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome, inferido, inserted_run_id)
VALUES ('NE', 'Não informado (inferido)', true, 1);
TRUNCATE stg.regions;
INSERT INTO stg.regions (region_id, name, updated_at) VALUES
    ('N',  'Norte',        '2024-03-01 10:00-03'),
    ('N',  'Norte antigo', '2024-02-01 10:00-03'),   -- older copy of N: loses the dedup
    ('NE', 'Nordeste',     '2024-03-01 10:00-03'),   -- completes the inferred member
    ('S',  '   ',          '2024-03-01 10:00-03'),   -- blank name: kept as 'Não informado'
    (NULL, 'Sem chave',    '2024-03-01 10:00-03'),   -- null_key
    ('-1', 'Intruso',      '2024-03-01 10:00-03'),   -- reserved_key
    (repeat('R', 201), 'Longa', '2024-03-01 10:00-03');   -- key_too_long (a btree entry holds ~2.7 kB)

-- act
CALL etl.load_dim_regiao(910001, '2024-03-01 12:00-03');

-- assert
SELECT set_eq($$SELECT regiao_id, nome, inferido FROM dim.dim_regiao$$,
              $$VALUES ('-1', 'Não informado', false), ('N', 'Norte', false),
                       ('NE', 'Nordeste', false), ('S', 'Não informado', false)$$,
              'first load: latest N wins, NE completed, blank name replaced, unknown member untouched');
SELECT is((SELECT (inserted_run_id, updated_run_id)::text FROM dim.dim_regiao WHERE regiao_id = 'NE'),
          '(1,910001)', 'the completed inferred member is stamped with the updating run');
SELECT is((SELECT (inserted_run_id, updated_run_id)::text FROM dim.dim_regiao WHERE regiao_id = 'N'),
          '(910001,)', 'a new member is stamped with the inserting run');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_deleted, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 910001 AND entity = 'dim_regiao'$$,
                  $$VALUES (7::bigint, 2::bigint, 1::bigint, 0::bigint, 1::bigint, 3::bigint)$$,
                  'audit: 7 read = 2 inserted + 1 updated (inferred completed) + 1 unchanged (older copy) + 3 rejected');
SELECT set_eq($$SELECT natural_key, rule, raw ->> 'name' FROM audit.rejected_rows WHERE run_id = 910001 AND entity = 'dim_regiao'$$,
              $$VALUES (NULL, 'null_key', 'Sem chave'), ('-1', 'reserved_key', 'Intruso'),
                       (repeat('R', 201), 'key_too_long', 'Longa')$$,
              'rejected rows carry their rule and the raw staging row');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_regiao'), '2024-03-01 12:00-03'::timestamptz,
          'the watermark advanced to p_watermark_to');
SELECT is((SELECT last_run_id FROM ctl.etl_control WHERE entity = 'dim_regiao'), 910001::bigint,
          'the control row names the last run');
SELECT results_eq($$SELECT watermark_from, watermark_to FROM audit.etl_run_entity WHERE run_id = 910001 AND entity = 'dim_regiao'$$,
                  $$VALUES ('-infinity'::timestamptz, '2024-03-01 12:00-03'::timestamptz)$$,
                  'the audit row records the watermark before and after');

-- rerun with the same staging rows and an older watermark: nothing changes
CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_regiao;
CALL etl.load_dim_regiao(910002, '2024-02-15 00:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 910002 AND entity = 'dim_regiao'$$,
                  $$VALUES (7::bigint, 0::bigint, 0::bigint, 7::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew (re-read rejects are unchanged)');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_regiao'), 3,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_regiao$$, $$SELECT * FROM before_rerun$$,
              'rerun: the dimension is unchanged (run stamps included)');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_regiao'), '2024-03-01 12:00-03'::timestamptz,
          'an older p_watermark_to never moves the watermark back');

-- update: N renamed, S unchanged
TRUNCATE stg.regions;
INSERT INTO stg.regions (region_id, name, updated_at) VALUES
    ('N', 'Norte (Amazônia)', '2024-03-02 10:00-03'), ('S', NULL, '2024-03-02 10:00-03');
CALL etl.load_dim_regiao(910003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 910003 AND entity = 'dim_regiao'$$,
                  $$VALUES (2::bigint, 0::bigint, 1::bigint, 1::bigint, 0::bigint)$$,
                  'update: one changed row updated, the same-value row unchanged');
SELECT is((SELECT (nome, updated_run_id)::text FROM dim.dim_regiao WHERE regiao_id = 'N'),
          '("Norte (Amazônia)",910003)', 'update: new name stamped with the run');
SELECT is((SELECT count(*)::integer FROM dim.dim_regiao), 4, 'update: no row added');

-- bad input
SELECT throws_ok($$CALL etl.load_dim_regiao(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_regiao(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');
SELECT throws_ok($$CALL etl.load_dim_regiao(910003, now(), '2024-02-01', NULL)$$, '22023', NULL,
                 'half a reprocess window: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_regiao(910003, now(), '2024-02-01', '2024-01-01')$$, '22023', NULL,
                 'reversed reprocess window: invalid_parameter_value');
SELECT is((SELECT count(*)::integer FROM audit.etl_run_entity WHERE entity = 'dim_regiao' AND run_id >= 910001), 3,
          'failed calls wrote no audit row');

SELECT * FROM finish();
ROLLBACK;
