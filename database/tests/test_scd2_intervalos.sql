-- SCD2 interval invariants of dim_cliente, dim_produto and dim_vendedor (V020), for EVERY key,
-- after loads that open, close and correct versions: versions of a key are half-open intervals
-- [valido_de, valido_ate) starting at -infinity, ending at infinity, each starting where the
-- previous ended (no gap, no overlap), numbered 1..n, exactly the last one current; the exclusion
-- constraints of V032 refuse an overlapping version whatever writes it.
BEGIN;
SELECT plan(7);

INSERT INTO audit.etl_run (run_id, command, trigger) OVERRIDING SYSTEM VALUE
VALUES (960001, 'test', 'test'), (960002, 'test', 'test'), (960003, 'test', 'test');
INSERT INTO dim.dim_regiao (regiao_id, nome) VALUES ('SE', 'Sudeste'), ('S', 'Sul');
INSERT INTO dim.dim_equipe (equipe_id, nome) VALUES ('T1', 'Um'), ('T2', 'Dois');
TRUNCATE stg.customers, stg.products, stg.sellers;
INSERT INTO stg.customers (customer_id, name, city, state, region_id, segment, updated_at) VALUES
    ('K1', 'A', 'Santos', 'SP', 'SE', 'varejo', '2024-01-01 10:00-03'), ('K2', 'B', 'Rio', 'RJ', 'SE', 'varejo', '2024-01-01 10:00-03');
INSERT INTO stg.products (product_id, name, category, unit_cost, updated_at) VALUES ('Q1', 'X', 'a', 1, '2024-01-01 10:00-03');
INSERT INTO stg.sellers (seller_id, name, team_id, updated_at) VALUES ('W1', 'S', 'T1', '2024-01-01 10:00-03');
CALL etl.load_dim_cliente(960001, now()); CALL etl.load_dim_produto(960001, now()); CALL etl.load_dim_vendedor(960001, now());
TRUNCATE stg.customers, stg.products, stg.sellers;
INSERT INTO stg.customers (customer_id, name, city, state, region_id, segment, updated_at) VALUES
    ('K1', 'A', 'Curitiba', 'PR', 'S', 'varejo', '2024-02-01 10:00-03');
INSERT INTO stg.products (product_id, name, category, unit_cost, updated_at) VALUES ('Q1', 'X', 'b', 1, '2024-02-01 10:00-03');
INSERT INTO stg.sellers (seller_id, name, team_id, updated_at) VALUES ('W1', 'S', 'T2', '2024-02-01 10:00-03');
CALL etl.load_dim_cliente(960002, now()); CALL etl.load_dim_produto(960002, now()); CALL etl.load_dim_vendedor(960002, now());
TRUNCATE stg.customers, stg.products, stg.sellers;
INSERT INTO stg.customers (customer_id, name, city, state, region_id, segment, updated_at) VALUES
    ('K1', 'A', 'Santos', 'SP', 'SE', 'atacado', '2024-03-01 10:00-03'), ('K2', 'B', 'Rio', 'RJ', 'SE', 'atacado', '2024-03-01 10:00-03');
INSERT INTO stg.products (product_id, name, category, unit_cost, updated_at) VALUES ('Q1', 'X', 'b', 2, '2024-03-01 10:00-03');
INSERT INTO stg.sellers (seller_id, name, team_id, updated_at) VALUES ('W1', 'S', 'T1', '2024-02-01 18:00-03');  -- same day: corrected
CALL etl.load_dim_cliente(960003, now()); CALL etl.load_dim_produto(960003, now()); CALL etl.load_dim_vendedor(960003, now());

CREATE TEMP TABLE versoes AS
SELECT 'dim_cliente' AS dim, cliente_id AS chave, versao, valido_de, valido_ate, eh_atual FROM dim.dim_cliente
UNION ALL SELECT 'dim_produto', produto_id, versao, valido_de, valido_ate, eh_atual FROM dim.dim_produto
UNION ALL SELECT 'dim_vendedor', vendedor_id, versao, valido_de, valido_ate, eh_atual FROM dim.dim_vendedor;

SELECT is((SELECT count(*)::integer FROM versoes WHERE chave IN ('K1', 'Q1', 'W1')), 3 + 3 + 2,
          'the fixture opened versions (K1: 3, Q1: 3, W1: 2 with a same-day correction)');
SELECT is_empty($$
    SELECT dim, chave, versao FROM (
        SELECT v.*, lag(v.valido_ate) OVER w AS ate_anterior, lead(v.valido_de) OVER w AS de_seguinte,
               row_number() OVER w AS n, count(*) OVER (PARTITION BY v.dim, v.chave) AS total
        FROM versoes v WINDOW w AS (PARTITION BY v.dim, v.chave ORDER BY v.valido_de)) x
    WHERE NOT (x.valido_de < x.valido_ate)
       OR (x.n = 1 AND x.valido_de <> '-infinity')
       OR (x.n > 1 AND x.valido_de <> x.ate_anterior)          -- a gap or an overlap with the previous
       OR (x.n = x.total AND x.valido_ate <> 'infinity')
       OR (x.n < x.total AND x.valido_ate <> x.de_seguinte)$$,
    'every key of the three dimensions: half-open versions from -infinity to infinity, no gap, no overlap');
SELECT is_empty($$SELECT dim, chave FROM versoes GROUP BY dim, chave
                  HAVING count(*) FILTER (WHERE eh_atual) <> 1
                      OR bool_or(eh_atual AND valido_ate <> 'infinity')
                      OR min(versao) <> 1 OR max(versao) <> count(*)
                      OR array_agg(versao ORDER BY valido_de) <> array_agg(versao ORDER BY versao)$$,
                'every key: exactly one current version, the open one, and versions numbered 1..n in time order');
SELECT is_empty($$SELECT d.data, v.dim, v.chave FROM dim.dim_data d CROSS JOIN (SELECT DISTINCT dim, chave FROM versoes) v
                  WHERE d.data_sk > 0 AND (SELECT count(*) FROM versoes x WHERE x.dim = v.dim AND x.chave = v.chave
                                           AND d.data >= x.valido_de AND d.data < x.valido_ate) <> 1
                    AND v.chave IN ('K1', 'Q1', 'W1') AND d.data BETWEEN '2023-12-25' AND '2024-03-10'$$,
                'each day of the changed keys falls in exactly one version');

-- the exclusion constraints (V032): a version overlapping another of its key is refused
SELECT throws_ok($$INSERT INTO dim.dim_cliente (cliente_id, nome, valido_de, valido_ate, eh_atual, versao)
                   VALUES ('K1', 'x', '2024-01-15', '2024-01-20', false, 9)$$, '23P01', NULL,
                 'dim_cliente: an overlapping version of the same key is an exclusion_violation');
SELECT throws_ok($$UPDATE dim.dim_produto SET valido_ate = (SELECT x.valido_ate FROM dim.dim_produto x
                                                             WHERE x.produto_id = 'Q1' AND x.versao = 2)
                   WHERE produto_id = 'Q1' AND versao = 1$$, '23P01', NULL,
                 'dim_produto: stretching a closed version over its successor is an exclusion_violation');
SELECT lives_ok($$INSERT INTO dim.dim_vendedor (vendedor_id, nome, valido_de, valido_ate, eh_atual, versao)
                  VALUES ('W9', 'x', '2024-01-15', '2024-01-20', false, 1)$$,
                'dim_vendedor: the same interval for another key is allowed');

SELECT * FROM finish();
ROLLBACK;
