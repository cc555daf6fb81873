-- V042 (dw): monthly roll-ups of mart.agg_vendas_diarias for long periods (a year, all history).
-- Why two narrow tables and not one month x region x category x team x seller table: measured at
--   scale 0.1, that full-grain monthly table kept 57 % of the daily table's rows (52k of 91k: in a
--   month nearly every line is a new seller x category x region group), so a breakdown over three
--   years still read ~52k rows (150 ms; ~10x that at scale 1). Dropping one of the two big keys
--   (category | seller) is what compresses: each table below holds a few thousand rows per year.
-- Dashboards and standard queries read whole months of a period here and the partial months at
--   its edges from the daily table (mart.vendas_periodo_categoria / mart.vendas_periodo_vendedor);
--   a filter on category AND on team/seller at once reads the daily table.
-- mart.agg_vendas_mensais_categoria  grain: month (mes = 1st day) x customer region x category.
-- mart.agg_vendas_mensais_vendedor   grain: month x customer region x team x seller;
--   `pedidos` = the seller's distinct orders = sum of the daily pedidos_vendedor (V041): exact and
--   additive over months and regions (an order has one day and one customer), not over sellers.
-- Both: NON-CANCELLED lines only; additive measures as in the daily table; unknown-date lines in
--   month 0001-01-01. Kept current by etl.refresh_agg_vendas_diarias in the same transaction as
--   the days it rewrites, by difference (old daily rows subtracted, new ones added, emptied groups
--   deleted), so the cost follows the days rewritten, not the size of their months.
-- Rerun: applied once (versioned); the backfill sums the existing daily rows.
CREATE TABLE mart.agg_vendas_mensais_categoria (
    mes                   date     NOT NULL,
    regiao_sk             integer  NOT NULL,
    categoria             text     NOT NULL,
    linhas                bigint   NOT NULL,
    quantidade_vendida    bigint   NOT NULL,
    quantidade_devolvida  bigint   NOT NULL,
    valor_bruto           numeric(16,2) NOT NULL,
    valor_desconto        numeric(16,2) NOT NULL,
    valor_total_liquido   numeric(16,2) NOT NULL,
    custo_total           numeric(16,2) NOT NULL,
    valor_frete           numeric(16,2) NOT NULL,
    linhas_com_desconto   bigint   NOT NULL,
    receita_com_desconto  numeric(16,2) NOT NULL,
    custo_com_desconto    numeric(16,2) NOT NULL,
    refreshed_run_id      bigint   NOT NULL,
    PRIMARY KEY (mes, regiao_sk, categoria),
    CHECK (mes = date_trunc('month', mes)::date)
);

CREATE TABLE mart.agg_vendas_mensais_vendedor (
    mes                   date     NOT NULL,
    regiao_sk             integer  NOT NULL,
    equipe_sk             integer  NOT NULL,
    vendedor_sk           integer  NOT NULL,
    linhas                bigint   NOT NULL,
    pedidos               bigint   NOT NULL,           -- the seller's distinct orders (exact, see header)
    quantidade_vendida    bigint   NOT NULL,
    quantidade_devolvida  bigint   NOT NULL,
    valor_bruto           numeric(16,2) NOT NULL,
    valor_desconto        numeric(16,2) NOT NULL,
    valor_total_liquido   numeric(16,2) NOT NULL,
    custo_total           numeric(16,2) NOT NULL,
    valor_frete           numeric(16,2) NOT NULL,
    linhas_com_desconto   bigint   NOT NULL,
    receita_com_desconto  numeric(16,2) NOT NULL,
    custo_com_desconto    numeric(16,2) NOT NULL,
    refreshed_run_id      bigint   NOT NULL,
    PRIMARY KEY (mes, regiao_sk, equipe_sk, vendedor_sk),
    CHECK (mes = date_trunc('month', mes)::date)
);

INSERT INTO mart.agg_vendas_mensais_categoria
SELECT date_trunc('month', a.data)::date, a.regiao_sk, a.categoria,
       sum(a.linhas), sum(a.quantidade_vendida), sum(a.quantidade_devolvida),
       sum(a.valor_bruto), sum(a.valor_desconto), sum(a.valor_total_liquido), sum(a.custo_total),
       sum(a.valor_frete), sum(a.linhas_com_desconto), sum(a.receita_com_desconto),
       sum(a.custo_com_desconto), max(a.refreshed_run_id)
FROM mart.agg_vendas_diarias a
GROUP BY 1, 2, 3;

INSERT INTO mart.agg_vendas_mensais_vendedor
SELECT date_trunc('month', a.data)::date, a.regiao_sk, a.equipe_sk, a.vendedor_sk,
       sum(a.linhas), sum(a.pedidos_vendedor), sum(a.quantidade_vendida), sum(a.quantidade_devolvida),
       sum(a.valor_bruto), sum(a.valor_desconto), sum(a.valor_total_liquido), sum(a.custo_total),
       sum(a.valor_frete), sum(a.linhas_com_desconto), sum(a.receita_com_desconto),
       sum(a.custo_com_desconto), max(a.refreshed_run_id)
FROM mart.agg_vendas_diarias a
GROUP BY 1, 2, 3, 4;

COMMENT ON TABLE mart.agg_vendas_mensais_categoria IS
    'Vendas não canceladas por mês x região do cliente x categoria (soma de mart.agg_vendas_diarias). '
    'Atualizada por etl.refresh_agg_vendas_diarias, na mesma transação dos dias.';
COMMENT ON TABLE mart.agg_vendas_mensais_vendedor IS
    'Vendas não canceladas por mês x região do cliente x equipe x vendedor (soma de mart.agg_vendas_diarias); '
    '"pedidos" = pedidos distintos do vendedor (exato; soma entre meses e regiões, não entre vendedores). '
    'Atualizada por etl.refresh_agg_vendas_diarias, na mesma transação dos dias.';

-- bi_reader gets SELECT through the default privileges of V001 (schema mart).
GRANT INSERT, UPDATE, DELETE ON mart.agg_vendas_mensais_categoria, mart.agg_vendas_mensais_vendedor TO etl_writer;
