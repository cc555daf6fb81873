-- V004 (dw): the three facts. Foreign keys to every dimension, checks on measures,
-- natural keys kept as degenerate dimensions, lineage columns.
-- fact_vendas    grain: order line (shop order_items row)
-- fact_metas     grain: seller x month
-- fact_descontos grain: discount applied to an order line

CREATE TABLE fact.fact_vendas (
    item_pedido_id       text    PRIMARY KEY,           -- shop order_items.order_item_id
    pedido_id            text    NOT NULL,
    linha                integer NOT NULL,
    data_sk              integer NOT NULL REFERENCES dim.dim_data (data_sk),
    cliente_sk           integer NOT NULL REFERENCES dim.dim_cliente (cliente_sk),
    produto_sk           integer NOT NULL REFERENCES dim.dim_produto (produto_sk),
    vendedor_sk          integer NOT NULL REFERENCES dim.dim_vendedor (vendedor_sk),
    equipe_sk            integer NOT NULL REFERENCES dim.dim_equipe (equipe_sk),
    regiao_sk            integer NOT NULL REFERENCES dim.dim_regiao (regiao_sk),  -- the customer's region
    desconto_sk          integer NOT NULL REFERENCES dim.dim_desconto (desconto_sk),
    status               text    NOT NULL,
    eh_cancelado         boolean NOT NULL,               -- status canceled/unavailable: out of revenue KPIs
    quantidade_vendida   integer NOT NULL CHECK (quantidade_vendida > 0),
    quantidade_devolvida integer NOT NULL DEFAULT 0
                         CHECK (quantidade_devolvida >= 0 AND quantidade_devolvida <= quantidade_vendida),
    data_devolucao       date,
    preco_unitario       numeric(12,2) NOT NULL CHECK (preco_unitario >= 0),
    valor_bruto          numeric(14,2) NOT NULL CHECK (valor_bruto >= 0),      -- quantidade * preço
    valor_desconto       numeric(14,2) NOT NULL CHECK (valor_desconto >= 0),
    valor_total_liquido  numeric(14,2) NOT NULL CHECK (valor_total_liquido >= 0), -- bruto - desconto
    custo_total          numeric(14,2) NOT NULL CHECK (custo_total >= 0),      -- quantidade * custo
    valor_frete          numeric(12,2) NOT NULL DEFAULT 0,
    inserted_run_id      bigint,
    updated_run_id       bigint,
    CONSTRAINT liquido_igual_bruto_menos_desconto CHECK (valor_total_liquido = valor_bruto - valor_desconto)
);
CREATE INDEX fact_vendas_data ON fact.fact_vendas (data_sk);
CREATE INDEX fact_vendas_pedido ON fact.fact_vendas (pedido_id);
COMMENT ON TABLE fact.fact_vendas IS 'Vendas; grão: linha de pedido. Pedidos cancelados ficam com eh_cancelado = true.';

CREATE TABLE fact.fact_metas (
    vendedor_sk     integer NOT NULL REFERENCES dim.dim_vendedor (vendedor_sk),
    mes_sk          integer NOT NULL REFERENCES dim.dim_data (data_sk),   -- first day of the month
    equipe_sk       integer NOT NULL REFERENCES dim.dim_equipe (equipe_sk),
    vendedor_id     text    NOT NULL,
    mes             date    NOT NULL,
    valor_meta      numeric(14,2) NOT NULL CHECK (valor_meta >= 0),
    inserted_run_id bigint,
    updated_run_id  bigint,
    PRIMARY KEY (vendedor_id, mes)
);
CREATE INDEX fact_metas_mes ON fact.fact_metas (mes_sk);
COMMENT ON TABLE fact.fact_metas IS 'Metas de vendas; grão: vendedor x mês.';

CREATE TABLE fact.fact_descontos (
    item_pedido_id          text    PRIMARY KEY REFERENCES fact.fact_vendas (item_pedido_id) ON DELETE CASCADE,
    pedido_id               text    NOT NULL,
    desconto_sk             integer NOT NULL REFERENCES dim.dim_desconto (desconto_sk),
    data_sk                 integer NOT NULL REFERENCES dim.dim_data (data_sk),
    cliente_sk              integer NOT NULL REFERENCES dim.dim_cliente (cliente_sk),
    produto_sk              integer NOT NULL REFERENCES dim.dim_produto (produto_sk),
    vendedor_sk             integer NOT NULL REFERENCES dim.dim_vendedor (vendedor_sk),
    eh_cancelado            boolean NOT NULL,
    valor_bruto             numeric(14,2) NOT NULL CHECK (valor_bruto >= 0),
    valor_desconto_aplicado numeric(14,2) NOT NULL CHECK (valor_desconto_aplicado > 0),
    valor_com_desconto      numeric(14,2) NOT NULL CHECK (valor_com_desconto >= 0),  -- revenue of the line after discount
    custo_total             numeric(14,2) NOT NULL CHECK (custo_total >= 0),
    inserted_run_id         bigint,
    updated_run_id          bigint,
    CONSTRAINT com_desconto_igual_bruto_menos_desconto CHECK (valor_com_desconto = valor_bruto - valor_desconto_aplicado)
);
CREATE INDEX fact_descontos_data ON fact.fact_descontos (data_sk);
COMMENT ON TABLE fact.fact_descontos IS 'Descontos aplicados; grão: desconto aplicado a uma linha de pedido.';
