-- V010 (dw): pre-aggregated tables of the consumption layer (issue 6 "Speed": dashboard
-- queries under 100 ms at 1M order lines, where a GROUP BY over fact_vendas takes ~0.65 s).
-- Both tables hold NON-CANCELLED lines only (fact_vendas.eh_cancelado = false): they feed
-- revenue KPIs, which exclude cancelled orders by rule (metrics/catalog.yaml).
-- They are kept current by etl.refresh_agg_vendas_diarias(p_run_id, p_from, p_to), which the
-- load orchestrator calls after the fact loads with the range of order days it touched:
-- it deletes those days and re-inserts them from fact_vendas (set-based, no commit).
--
-- mart.agg_vendas_diarias   grain: day x customer region x product category x team x seller.
--   Every measure is additive over every key EXCEPT `pedidos` (distinct orders of the group):
--   an order has one day and one customer (hence one region), so `pedidos` adds up over
--   data and regiao_sk, but NOT over categoria, equipe_sk or vendedor_sk (one order may hold
--   lines of several categories and sellers). Order totals across those keys come from
--   mart.agg_pedidos_diarias (day x region) or from mart.vw_vendas.
-- mart.agg_pedidos_diarias  grain: day x customer region; distinct orders and customers.
--   `pedidos` adds up over days and regions; `clientes` does not add up over days.
-- Lines with an unknown order date (data_sk = -1) are kept under data '0001-01-01' and
-- recomputed by every refresh.
-- Names (region, team, seller) are NOT stored: mart.vw_vendas_diarias joins the small
-- dimensions, so a type-1 rename shows at once. `categoria` IS stored (it is the grouping
-- key): a product whose category changes needs a refresh of the days it sold on.

-- A provisional VIEW of this name (dashboards branch, before this migration existed) may be
-- in a developer's warehouse: the table replaces it.
DROP VIEW IF EXISTS mart.agg_vendas_diarias;

CREATE TABLE mart.agg_vendas_diarias (
    data                  date     NOT NULL,
    data_sk               integer  NOT NULL,
    regiao_sk             integer  NOT NULL,
    categoria             text     NOT NULL,           -- 'Não informado' when the product has none
    equipe_sk             integer  NOT NULL,
    vendedor_sk           integer  NOT NULL,
    linhas                bigint   NOT NULL,
    pedidos               bigint   NOT NULL,           -- distinct orders in the group (see header)
    quantidade_vendida    bigint   NOT NULL,
    quantidade_devolvida  bigint   NOT NULL,
    valor_bruto           numeric(16,2) NOT NULL,
    valor_desconto        numeric(16,2) NOT NULL,
    valor_total_liquido   numeric(16,2) NOT NULL,
    custo_total           numeric(16,2) NOT NULL,
    valor_frete           numeric(16,2) NOT NULL,
    linhas_com_desconto   bigint   NOT NULL,
    receita_com_desconto  numeric(16,2) NOT NULL,      -- valor_total_liquido of lines with valor_desconto > 0
    custo_com_desconto    numeric(16,2) NOT NULL,      -- custo_total of those lines
    refreshed_run_id      bigint   NOT NULL,
    PRIMARY KEY (data, regiao_sk, categoria, equipe_sk, vendedor_sk)
);
CREATE INDEX agg_vendas_diarias_vendedor ON mart.agg_vendas_diarias (vendedor_sk, data);
CREATE INDEX agg_vendas_diarias_categoria ON mart.agg_vendas_diarias (categoria, data);
COMMENT ON TABLE mart.agg_vendas_diarias IS
    'Vendas não canceladas por dia x região do cliente x categoria x equipe x vendedor. '
    '"pedidos" soma entre dias e regiões, não entre categorias, equipes ou vendedores. '
    'Atualizada por etl.refresh_agg_vendas_diarias.';

CREATE TABLE mart.agg_pedidos_diarios (
    data                  date     NOT NULL,
    data_sk               integer  NOT NULL,
    regiao_sk             integer  NOT NULL,
    pedidos               bigint   NOT NULL,
    clientes              bigint   NOT NULL,           -- distinct known customers (cliente_sk <> -1) of the day
    valor_total_liquido   numeric(16,2) NOT NULL,
    refreshed_run_id      bigint   NOT NULL,
    PRIMARY KEY (data, regiao_sk)
);
COMMENT ON TABLE mart.agg_pedidos_diarios IS
    'Pedidos não cancelados por dia x região do cliente (contagem distinta exata). '
    '"pedidos" soma entre dias e regiões; "clientes" não soma entre dias. '
    'Atualizada por etl.refresh_agg_vendas_diarias.';

-- bi_reader and etl_writer get SELECT through the default privileges of V001 (schema mart);
-- the refresh procedure runs as its caller (etl_writer), who must also rewrite the days.
GRANT INSERT, DELETE ON mart.agg_vendas_diarias, mart.agg_pedidos_diarios TO etl_writer;
