-- etl.load_dim_vendedor: team resolution (known, inferred, NULL -> -1), screens, inferred seller
-- completed, audit counts, watermark, rerun no-op, update, backdated change, two changes in one
-- window (change log), late-arriving changes split in the middle of history, bad input.
BEGIN;
SELECT plan(31);

SELECT is_procedure('etl', 'load_dim_vendedor', ARRAY['bigint', 'timestamp with time zone', 'date', 'date'],
                    'etl.load_dim_vendedor has the load contract signature');

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (930001, 'test', 'test'), (930002, 'test', 'test'), (930003, 'test', 'test');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T1', 'Equipe Um');
INSERT INTO dim.dim_vendedor (vendedor_id, nome, inferido) VALUES ('V9', 'Não informado (inferido)', true);
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at) VALUES
    ('V1', 'Ana',   'T1', 'Porto Alegre', 'RS', '2020-01-02', '2024-03-01 10:00-03'),
    ('V2', 'Bruno', 'TX', 'Recife',       'PE', '2021-05-03', '2024-03-01 10:00-03'),  -- team inferred
    ('V3', 'Caio',  NULL, NULL,           NULL, NULL,         '2024-03-01 10:00-03'),  -- team -1
    ('V9', 'Vera',  'T1', 'Curitiba',     'PR', '2019-07-01', '2024-03-01 10:00-03'),  -- completes V9
    (NULL, 'Nulo',  'TZ', NULL,           NULL, NULL,         '2024-03-01 10:00-03'),  -- null_key
    ('V4', 'Duda',  'T1', 'Natal',        'RN', 'infinity',   '2024-03-01 10:00-03'),  -- date_out_of_range
    ('V5', 'Eva',   repeat('T', 201), NULL, NULL, NULL,       '2024-03-01 10:00-03');  -- key_too_long: no team inferred

CALL etl.load_dim_vendedor(930001, '2024-03-01 12:00-03');

SELECT set_eq($$SELECT v.vendedor_id, v.nome, v.equipe_id, e.equipe_id AS sk_equipe, v.cidade, v.uf, v.contratado_em, v.inferido
                FROM dim.dim_vendedor v JOIN dim.dim_equipe e ON e.equipe_sk = v.equipe_sk$$,
              $$VALUES ('-1', 'Não informado', NULL, '-1', NULL, NULL, NULL::date, false),
                       ('V1', 'Ana', 'T1', 'T1', 'Porto Alegre', 'RS', '2020-01-02'::date, false),
                       ('V2', 'Bruno', 'TX', 'TX', 'Recife', 'PE', '2021-05-03'::date, false),
                       ('V3', 'Caio', NULL, '-1', NULL, NULL, NULL::date, false),
                       ('V9', 'Vera', 'T1', 'T1', 'Curitiba', 'PR', '2019-07-01'::date, false)$$,
              'sellers loaded with their team resolved; V9 completed');
SELECT is((SELECT (e.inferido, e.regiao_sk)::text FROM dim.dim_equipe e WHERE e.equipe_id = 'TX'), '(t,-1)',
          'an unknown team becomes an inferred member in the unknown region');
SELECT is((SELECT count(*)::integer FROM dim.dim_equipe WHERE equipe_id = 'TZ' OR length(equipe_id) > 200), 0,
          'a rejected row infers nothing');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 930001 AND entity = 'dim_vendedor'$$,
                  $$VALUES (7::bigint, 3::bigint, 1::bigint, 0::bigint, 3::bigint)$$,
                  'audit: 7 read = 3 inserted + 1 updated + 3 rejected');
SELECT set_eq($$SELECT natural_key, rule FROM audit.rejected_rows WHERE run_id = 930001 AND entity = 'dim_vendedor'$$,
              $$VALUES (NULL, 'null_key'), ('V4', 'date_out_of_range'), ('V5', 'key_too_long')$$,
              'the null key, an infinite hiring date and an over-long team id are rejected');
SELECT is((SELECT watermark FROM ctl.etl_control WHERE entity = 'dim_vendedor'), '2024-03-01 12:00-03'::timestamptz,
          'watermark advanced');

CREATE TEMP TABLE before_rerun AS SELECT * FROM dim.dim_vendedor;
CALL etl.load_dim_vendedor(930002, '2024-03-01 12:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rejected
                    FROM audit.etl_run_entity WHERE run_id = 930002 AND entity = 'dim_vendedor'$$,
                  $$VALUES (0::bigint, 0::bigint, 7::bigint, 0::bigint)$$,
                  'rerun: nothing inserted, updated or rejected anew');
SELECT is((SELECT count(*)::integer FROM audit.rejected_rows WHERE entity = 'dim_vendedor'), 3,
          'rerun: each reject is recorded once');
SELECT set_eq($$SELECT * FROM dim.dim_vendedor$$, $$SELECT * FROM before_rerun$$, 'rerun: the dimension is unchanged');

-- update: Caio joins T1 and moves; Ana unchanged; Duda's hiring date fixed at the source
TRUNCATE stg.sellers;
INSERT INTO stg.sellers VALUES ('V3', 'Caio', 'T1', 'Natal', 'RN', NULL, '2024-03-02 10:00-03'),
                               ('V1', 'Ana', 'T1', 'Porto Alegre', 'RS', '2020-01-02', '2024-03-02 10:00-03'),
                               ('V4', 'Duda', 'T1', 'Natal', 'RN', '2022-02-01', '2024-03-02 10:00-03');
CALL etl.load_dim_vendedor(930003, '2024-03-02 12:00-03');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged FROM audit.etl_run_entity
                    WHERE run_id = 930003 AND entity = 'dim_vendedor'$$,
                  $$VALUES (3::bigint, 2::bigint, 0::bigint, 1::bigint)$$,
                  'team change: one version inserted, the fixed seller inserted, the unchanged seller untouched');
SELECT results_eq($$SELECT r.natural_key, x.run_id FROM audit.rejeicoes_resolvidas x JOIN audit.rejected_rows r USING (rejected_id)$$,
                  $$VALUES ('V4', 930003::bigint)$$, 'the fixed seller''s reject is resolved, the others stay open');
SELECT results_eq($$SELECT v.versao, v.cidade, e.equipe_id, v.valido_de, v.valido_ate, v.eh_atual FROM dim.dim_vendedor v
                    JOIN dim.dim_equipe e ON e.equipe_sk = v.equipe_sk WHERE v.vendedor_id = 'V3' ORDER BY v.versao$$,
                  $$VALUES (1, 'Natal', '-1', '-infinity'::date, '2024-03-02'::date, false),
                           (2, 'Natal', 'T1', '2024-03-02'::date, 'infinity'::date, true)$$,
                  'team change (type 2): version 2 from the effective day; the new city (type 1) on both versions');
SELECT is((SELECT updated_run_id FROM dim.dim_vendedor WHERE vendedor_id = 'V1'), NULL::bigint,
          'update: the unchanged seller is not touched');

-- backdated team change re-binds sales and goals of the months/days after its effective day
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE VALUES (930004, 'test', 'test');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T2', 'Equipe Dois');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, -1, v.vendedor_sk, v.equipe_sk, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('G1', 20240405), ('G2', 20240520)) AS x(id, dia)
JOIN dim.dim_vendedor v ON v.vendedor_id = 'V1' AND v.eh_atual;
INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta)
SELECT v.vendedor_sk, x.sk, v.equipe_sk, 'V1', x.mes, 100
FROM (VALUES (20240401, '2024-04-01'::date), (20240501, '2024-05-01'::date)) AS x(sk, mes)
JOIN dim.dim_vendedor v ON v.vendedor_id = 'V1' AND v.eh_atual;
TRUNCATE stg.sellers;
INSERT INTO stg.sellers VALUES ('V1', 'Ana', 'T2', 'Porto Alegre', 'RS', '2020-01-02', '2024-04-15 10:00-03');
CALL etl.load_dim_vendedor(930004, '2024-06-01 12:00-03');
SELECT results_eq($$SELECT f.item_pedido_id, v.versao, e.equipe_id FROM fact.fact_vendas f
                    JOIN dim.dim_vendedor v USING (vendedor_sk) JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
                    WHERE f.item_pedido_id IN ('G1', 'G2') ORDER BY 1$$,
                  $$VALUES ('G1', 1, 'T1'), ('G2', 2, 'T2')$$,
                  'backdated team change: the sale after 2024-04-15 moves to version 2 and team T2, the earlier stays');
SELECT results_eq($$SELECT m.mes, v.versao, e.equipe_id FROM fact.fact_metas m
                    JOIN dim.dim_vendedor v USING (vendedor_sk) JOIN dim.dim_equipe e ON e.equipe_sk = m.equipe_sk
                    WHERE m.vendedor_id = 'V1' ORDER BY 1$$,
                  $$VALUES ('2024-04-01'::date, 1, 'T1'), ('2024-05-01'::date, 2, 'T2')$$,
                  'goals bind to the version of the month''s first day: April stays in T1, May moves to T2');
SELECT is((SELECT rows_rebound FROM audit.etl_run_entity WHERE run_id = 930004 AND entity = 'dim_vendedor'), 2::bigint,
          'audit: one sale and one goal re-bound');

-- two changes in one window from the shop's change log (history_id): every state is applied in
-- write order (not only the last), a state already applied (the window's overlap) is skipped,
-- a second change on the same day corrects that day's version, and facts follow their version
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (930005, 'test', 'test'), (930006, 'test', 'test'), (930007, 'test', 'test');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T3', 'Equipe Três');
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V5', 'Eva', 'T1', 'Natal', 'RN', '2022-01-01', '2024-01-10 10:00-03', 50);
CALL etl.load_dim_vendedor(930005, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, -1, v.vendedor_sk, v.equipe_sk, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('K51', 20240201), ('K52', 20240305), ('K53', 20240320)) AS x(id, dia)
JOIN dim.dim_vendedor v ON v.vendedor_id = 'V5' AND v.eh_atual;
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V5', 'Eva',       'T1', 'Natal', 'RN', '2022-01-01', '2024-01-10 10:00-03', 50),  -- applied already
       ('V5', 'Eva',       'T2', 'Natal', 'RN', '2022-01-01', '2024-03-01 09:00-03', 51),
       ('V5', 'Eva',       'T1', 'Natal', 'RN', '2022-01-01', '2024-03-10 09:00-03', 52),
       ('V5', 'Eva Lima',  'T3', 'Natal', 'RN', '2022-01-01', '2024-03-10 15:00-03', 53);  -- same day
CALL etl.load_dim_vendedor(930006, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT v.versao, v.nome, e.equipe_id, v.valido_de, v.valido_ate, v.eh_atual, v.origem_historico_id
                    FROM dim.dim_vendedor v JOIN dim.dim_equipe e ON e.equipe_sk = v.equipe_sk
                    WHERE v.vendedor_id = 'V5' ORDER BY v.versao$$,
                  $$VALUES (1, 'Eva Lima', 'T1', '-infinity'::date, '2024-03-01'::date, false, 50::bigint),
                           (2, 'Eva Lima', 'T2', '2024-03-01'::date, '2024-03-10'::date, false, 51::bigint),
                           (3, 'Eva Lima', 'T3', '2024-03-10'::date, 'infinity'::date, true, 53::bigint)$$,
                  'change log: one version per state and day, the same-day change corrects version 3, name (type 1) from the latest');
SELECT results_eq($$SELECT f.item_pedido_id, v.versao, e.equipe_id FROM fact.fact_vendas f
                    JOIN dim.dim_vendedor v USING (vendedor_sk) JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
                    WHERE f.item_pedido_id LIKE 'K5_' ORDER BY 1$$,
                  $$VALUES ('K51', 1, 'T1'), ('K52', 2, 'T2'), ('K53', 3, 'T3')$$,
                  'change log: each sale is bound to the version (and team) of its day');
SELECT results_eq($$SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 930006 AND entity = 'dim_vendedor'$$,
                  $$VALUES (4::bigint, 2::bigint, 1::bigint, 1::bigint, 2::bigint)$$,
                  'audit: 2 versions opened, 1 corrected, the state already applied unchanged, 2 sales re-bound');
CREATE TEMP TABLE before_overlap AS SELECT * FROM dim.dim_vendedor;
CALL etl.load_dim_vendedor(930007, '2024-03-10 18:00-03');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_unchanged, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 930007 AND entity = 'dim_vendedor'$$,
                  $$VALUES (0::bigint, 0::bigint, 4::bigint, 0::bigint)$$,
                  'the same change-log rows again (overlap, reprocess): every state is skipped');
SELECT set_eq($$SELECT * FROM dim.dim_vendedor$$, $$SELECT * FROM before_overlap$$,
              'the same change-log rows again: the dimension is unchanged');

-- late-arriving team changes: V8 moves T1 -> T2 on 2024-05-01; then a move to T3 recorded later but
-- effective 2024-03-01 splits version 1 in the middle of history (the later version takes T3 too: the
-- latest state of the team holds from its effective day on); then a correction effective on the
-- first day of the middle version corrects it in place, and the later version with it
INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (930008, 'test', 'test'), (930009, 'test', 'test'), (930010, 'test', 'test'), (930011, 'test', 'test'),
       (930012, 'test', 'test');
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V8', 'Ivo', 'T1', 'Natal', 'RN', '2022-01-01', '2024-01-10 10:00-03', 80);
CALL etl.load_dim_vendedor(930008, '2024-01-10 12:00-03');
INSERT INTO fact.fact_vendas (item_pedido_id, pedido_id, linha, data_sk, cliente_sk, produto_sk, vendedor_sk,
                              equipe_sk, regiao_sk, desconto_sk, status, eh_cancelado, quantidade_vendida,
                              preco_unitario, valor_bruto, valor_desconto, valor_total_liquido, custo_total)
SELECT x.id, x.id, 1, x.dia, -1, -1, v.vendedor_sk, v.equipe_sk, -1, -1, 'delivered', false, 1, 10, 10, 0, 10, 5
FROM (VALUES ('M81', 20240215), ('M82', 20240315), ('M83', 20240601)) AS x(id, dia)
JOIN dim.dim_vendedor v ON v.vendedor_id = 'V8' AND v.eh_atual;
INSERT INTO fact.fact_metas (vendedor_sk, mes_sk, equipe_sk, vendedor_id, mes, valor_meta)
SELECT v.vendedor_sk, x.sk, v.equipe_sk, 'V8', x.mes, 100
FROM (VALUES (20240201, '2024-02-01'::date), (20240301, '2024-03-01'::date), (20240601, '2024-06-01'::date)) AS x(sk, mes)
JOIN dim.dim_vendedor v ON v.vendedor_id = 'V8' AND v.eh_atual;
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V8', 'Ivo', 'T2', 'Natal', 'RN', '2022-01-01', '2024-05-01 10:00-03', 81);
CALL etl.load_dim_vendedor(930009, '2024-06-02 12:00-03');
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V8', 'Ivo', 'T3', 'Natal', 'RN', '2022-01-01', '2024-03-01 10:00-03', 82);
DELETE FROM ctl.agg_grupos_pendentes;
DELETE FROM ctl.agg_refresh_pending;
CALL etl.load_dim_vendedor(930010, '2024-06-03 12:00-03');
SELECT results_eq($$SELECT v.versao, e.equipe_id, v.valido_de, v.valido_ate, v.eh_atual FROM dim.dim_vendedor v
                    JOIN dim.dim_equipe e ON e.equipe_sk = v.equipe_sk WHERE v.vendedor_id = 'V8' ORDER BY v.versao$$,
                  $$VALUES (1, 'T1', '-infinity'::date, '2024-03-01'::date, false),
                           (2, 'T3', '2024-03-01'::date, '2024-05-01'::date, false),
                           (3, 'T3', '2024-05-01'::date, 'infinity'::date, true)$$,
                  'late team change between two versions: version 1 split at its day, the later version renumbered and in T3');
SELECT results_eq($$SELECT x.k, v.versao, e.equipe_id FROM (
                        SELECT f.item_pedido_id AS k, f.vendedor_sk, f.equipe_sk FROM fact.fact_vendas f
                        WHERE f.item_pedido_id LIKE 'M8_'
                        UNION ALL
                        SELECT m.mes::text, m.vendedor_sk, m.equipe_sk FROM fact.fact_metas m WHERE m.vendedor_id = 'V8') x
                    JOIN dim.dim_vendedor v USING (vendedor_sk) JOIN dim.dim_equipe e ON e.equipe_sk = x.equipe_sk
                    ORDER BY 1$$,
                  $$VALUES ('2024-02-01', 1, 'T1'), ('2024-03-01', 2, 'T3'), ('2024-06-01', 3, 'T3'),
                           ('M81', 1, 'T1'), ('M82', 2, 'T3'), ('M83', 3, 'T3')$$,
                  'sales by their day and goals by their month''s first day on the right version and team');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_rebound FROM audit.etl_run_entity
                    WHERE run_id = 930010 AND entity = 'dim_vendedor'$$,
                  $$VALUES (1::bigint, 0::bigint, 4::bigint)$$,
                  'audit: the split is one insert; two sales and two goals re-bound');
SELECT set_eq($$SELECT p.data_sk, e.equipe_id, v.versao FROM ctl.agg_grupos_pendentes p
                JOIN dim.dim_equipe e USING (equipe_sk) JOIN dim.dim_vendedor v USING (vendedor_sk)
                UNION ALL SELECT to_char(data, 'YYYYMMDD')::integer, 'dia inteiro', 0 FROM ctl.agg_refresh_pending$$,
              $$VALUES (20240315, 'T1', 1), (20240315, 'T3', 2), (20240601, 'T2', 3), (20240601, 'T3', 3)$$,
              'the aggregate groups each re-bound sale leaves and joins are pending, no whole day');
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V8', 'Ivo', 'T1', 'Natal', 'RN', '2022-01-01', '2024-03-01 16:00-03', 83);
CALL etl.load_dim_vendedor(930011, '2024-06-04 12:00-03');
SELECT results_eq($$SELECT v.versao, e.equipe_id, v.valido_de, v.valido_ate, v.origem_historico_id FROM dim.dim_vendedor v
                    JOIN dim.dim_equipe e ON e.equipe_sk = v.equipe_sk WHERE v.vendedor_id = 'V8' ORDER BY v.versao$$,
                  $$VALUES (1, 'T1', '-infinity'::date, '2024-03-01'::date, 80::bigint),
                           (2, 'T1', '2024-03-01'::date, '2024-05-01'::date, 83::bigint),
                           (3, 'T1', '2024-05-01'::date, 'infinity'::date, 83::bigint)$$,
                  'a late change on the first day of a middle version corrects it in place, and the later version');
SELECT results_eq($$SELECT rows_inserted, rows_updated, rows_rebound,
                           (SELECT count(*) FROM fact.fact_vendas f JOIN dim.dim_equipe e ON e.equipe_sk = f.equipe_sk
                            WHERE f.item_pedido_id LIKE 'M8_' AND e.equipe_id = 'T1')
                    FROM audit.etl_run_entity WHERE run_id = 930011 AND entity = 'dim_vendedor'$$,
                  $$VALUES (0::bigint, 1::bigint, 4::bigint, 3::bigint)$$,
                  'audit: one correction; two sales and two goals back in T1');
CREATE TEMP TABLE before_late_rerun AS SELECT * FROM dim.dim_vendedor;
TRUNCATE stg.sellers;
INSERT INTO stg.sellers (seller_id, name, team_id, city, state, hired_on, updated_at, history_id)
VALUES ('V8', 'Ivo', 'T1', 'Natal', 'RN', '2022-01-01', '2024-01-10 10:00-03', 80),
       ('V8', 'Ivo', 'T2', 'Natal', 'RN', '2022-01-01', '2024-05-01 10:00-03', 81),
       ('V8', 'Ivo', 'T3', 'Natal', 'RN', '2022-01-01', '2024-03-01 10:00-03', 82),
       ('V8', 'Ivo', 'T1', 'Natal', 'RN', '2022-01-01', '2024-03-01 16:00-03', 83);
CALL etl.load_dim_vendedor(930012, '2024-06-04 12:00-03');
SELECT set_eq($$SELECT * FROM dim.dim_vendedor$$, $$SELECT * FROM before_late_rerun$$,
              'the late states again (overlap, reprocess): the dimension is unchanged');

SELECT throws_ok($$CALL etl.load_dim_vendedor(NULL, now())$$, '22023', NULL, 'NULL run id: invalid_parameter_value');
SELECT throws_ok($$CALL etl.load_dim_vendedor(-42, now())$$, '23503', NULL, 'unknown run id: foreign_key_violation');

SELECT * FROM finish();
ROLLBACK;
