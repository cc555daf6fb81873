-- mart.vw_pedidos_diarios: exact distinct order counts per day and customer region.
-- Purpose: order totals (pedidos, ticket médio) for dashboards, which cannot be summed from
--          mart.vw_vendas_diarias across categories, teams or sellers.
-- Source: mart.agg_pedidos_diarios + dim_data, dim_regiao.
-- Grain: day x customer region; NON-CANCELLED orders only. `pedidos` adds up over days and
--        regions; `clientes` does not add up over days (use mart.vw_vendas for a period).
-- Rerun: DROP + CREATE (columns may change; grants come back from the default privileges), re-applied by harness migrate when this file changes; no commit.
DROP VIEW IF EXISTS mart.vw_pedidos_diarios;
CREATE VIEW mart.vw_pedidos_diarios AS
SELECT a.data,
       d.ano,
       d.mes,
       d.ano_mes,
       r.regiao_id,
       r.nome                 AS regiao_nome,
       a.pedidos,
       a.clientes,
       a.valor_total_liquido
FROM mart.agg_pedidos_diarios a
JOIN dim.dim_data d   ON d.data_sk = a.data_sk
JOIN dim.dim_regiao r ON r.regiao_sk = a.regiao_sk;

COMMENT ON VIEW mart.vw_pedidos_diarios IS
    'Pedidos não cancelados (contagem distinta exata) e clientes por dia x região do cliente.';
