-- V020 (dw): dim_cliente, dim_produto and dim_vendedor become slowly changing type 2 (issue 10).
-- Each row is now a VERSION of its natural key, valid on the half-open interval of business
-- days [valido_de, valido_ate) (dates in America/Sao_Paulo, the shop's business day, the same
-- day fact_vendas.data_sk uses):
--   valido_de   first day of the version; '-infinity' for a key's first version (the shop holds
--               no history: the first state seen is the best knowledge of every earlier day);
--   valido_ate  first day the version no longer holds; 'infinity' for the current version
--               (an open end that needs no coalesce in range predicates);
--   eh_atual    true for exactly one version per key (the open one);
--   versao      1, 2, ... per key.
-- Tracked (type 2) attributes: cliente (cidade, uf, regiao_id/regiao_sk, segmento),
-- produto (categoria, subcategoria, custo_unitario), vendedor (equipe_id/equipe_sk, and through
-- the team its region). The other attributes are type 1: overwritten on every version.
-- Rules and the loading algorithm: docs/scd2.md and the etl.load_dim_* headers.
-- Existing rows (unknown members, inferred members, loaded keys) become first versions
-- (-infinity, infinity) through the column defaults; ensure_inferred_* rely on those defaults.

ALTER TABLE dim.dim_cliente
    ADD COLUMN valido_de  date    NOT NULL DEFAULT '-infinity',
    ADD COLUMN valido_ate date    NOT NULL DEFAULT 'infinity',
    ADD COLUMN eh_atual   boolean NOT NULL DEFAULT true,
    ADD COLUMN versao     integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT dim_cliente_intervalo_valido CHECK (valido_de < valido_ate),
    ADD CONSTRAINT dim_cliente_atual_e_aberta CHECK (eh_atual = (valido_ate = 'infinity'::date)),
    DROP CONSTRAINT dim_cliente_cliente_id_key,
    ADD CONSTRAINT dim_cliente_versao_unica UNIQUE (cliente_id, valido_de),
    ADD CONSTRAINT dim_cliente_numero_versao_unico UNIQUE (cliente_id, versao);
CREATE UNIQUE INDEX dim_cliente_atual_unica ON dim.dim_cliente (cliente_id) WHERE eh_atual;

ALTER TABLE dim.dim_produto
    ADD COLUMN valido_de  date    NOT NULL DEFAULT '-infinity',
    ADD COLUMN valido_ate date    NOT NULL DEFAULT 'infinity',
    ADD COLUMN eh_atual   boolean NOT NULL DEFAULT true,
    ADD COLUMN versao     integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT dim_produto_intervalo_valido CHECK (valido_de < valido_ate),
    ADD CONSTRAINT dim_produto_atual_e_aberta CHECK (eh_atual = (valido_ate = 'infinity'::date)),
    DROP CONSTRAINT dim_produto_produto_id_key,
    ADD CONSTRAINT dim_produto_versao_unica UNIQUE (produto_id, valido_de),
    ADD CONSTRAINT dim_produto_numero_versao_unico UNIQUE (produto_id, versao);
CREATE UNIQUE INDEX dim_produto_atual_unica ON dim.dim_produto (produto_id) WHERE eh_atual;

ALTER TABLE dim.dim_vendedor
    ADD COLUMN valido_de  date    NOT NULL DEFAULT '-infinity',
    ADD COLUMN valido_ate date    NOT NULL DEFAULT 'infinity',
    ADD COLUMN eh_atual   boolean NOT NULL DEFAULT true,
    ADD COLUMN versao     integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT dim_vendedor_intervalo_valido CHECK (valido_de < valido_ate),
    ADD CONSTRAINT dim_vendedor_atual_e_aberta CHECK (eh_atual = (valido_ate = 'infinity'::date)),
    DROP CONSTRAINT dim_vendedor_vendedor_id_key,
    ADD CONSTRAINT dim_vendedor_versao_unica UNIQUE (vendedor_id, valido_de),
    ADD CONSTRAINT dim_vendedor_numero_versao_unico UNIQUE (vendedor_id, versao);
CREATE UNIQUE INDEX dim_vendedor_atual_unica ON dim.dim_vendedor (vendedor_id) WHERE eh_atual;

-- a version change re-binds the facts of the key: find them by surrogate key without a scan
CREATE INDEX fact_vendas_cliente ON fact.fact_vendas (cliente_sk);
CREATE INDEX fact_vendas_produto ON fact.fact_vendas (produto_sk);
CREATE INDEX fact_vendas_vendedor ON fact.fact_vendas (vendedor_sk);
CREATE INDEX fact_metas_vendedor ON fact.fact_metas (vendedor_sk);

COMMENT ON TABLE dim.dim_vendedor IS
    'Vendedores e sua equipe; grão: versão do vendedor (tipo 2: equipe rastreada, [valido_de, valido_ate)).';
COMMENT ON TABLE dim.dim_cliente IS
    'Clientes; grão: versão do cliente (tipo 2: cidade, UF, região e segmento rastreados, [valido_de, valido_ate)).';
COMMENT ON TABLE dim.dim_produto IS
    'Produtos; grão: versão do produto (tipo 2: categoria, subcategoria e custo rastreados, [valido_de, valido_ate)).';
COMMENT ON COLUMN dim.dim_cliente.valido_de IS 'Primeiro dia (America/Sao_Paulo) da versão; -infinity na primeira versão.';
COMMENT ON COLUMN dim.dim_cliente.valido_ate IS 'Primeiro dia em que a versão deixa de valer (intervalo semiaberto); infinity na versão atual.';
COMMENT ON COLUMN dim.dim_produto.valido_de IS 'Primeiro dia (America/Sao_Paulo) da versão; -infinity na primeira versão.';
COMMENT ON COLUMN dim.dim_produto.valido_ate IS 'Primeiro dia em que a versão deixa de valer (intervalo semiaberto); infinity na versão atual.';
COMMENT ON COLUMN dim.dim_vendedor.valido_de IS 'Primeiro dia (America/Sao_Paulo) da versão; -infinity na primeira versão.';
COMMENT ON COLUMN dim.dim_vendedor.valido_ate IS 'Primeiro dia em que a versão deixa de valer (intervalo semiaberto); infinity na versão atual.';
