-- etl.rollup_agg_vendas_mensais: carry a change of mart.agg_vendas_diarias into its monthly roll-ups.
-- Purpose: keep mart.agg_vendas_mensais_categoria (month x region x category) and
--          mart.agg_vendas_mensais_vendedor (month x region x team x seller, V042) equal to the sum
--          of the daily table, at the cost of the daily rows that changed, not of their months.
-- Source: pg_temp.etl_agg_vendas_delta, filled by the caller in this transaction: one row per daily
--          row removed or rewritten, with the DIFFERENCE of each measure (a removed row negated, an
--          updated one as new minus old, an inserted one as it is): columns data, regiao_sk,
--          categoria, equipe_sk, vendedor_sk, linhas, quantidade_vendida, quantidade_devolvida,
--          valor_bruto, valor_desconto, valor_total_liquido, custo_total, valor_frete,
--          linhas_com_desconto, receita_com_desconto, custo_com_desconto, pedidos_vendedor. Dropped
--          at the end. Plus, when p_from/p_to are given (whole days just re-inserted), the daily rows
--          of [p_from, p_to] and of the unknown date as they are now: read back from the table rather
--          than RETURNed into the temporary table, which at a first load (850k rows) cost more.
-- Target: both roll-ups, one MERGE each, the same shape: the month group's values plus the summed
--          differences; a group whose lines drop to 0 is deleted (no line left, so every sum is 0);
--          a group new to the month is inserted; groups whose differences are all 0 are left alone.
--          The seller table's pedidos = sum of pedidos_vendedor (exact and additive, V041).
-- Who calls it: etl.refresh_agg_vendas_diarias and etl.refresh_agg_vendas_grupos. p_deleted
--          returns the number of monthly groups deleted (their audit row counts it).
-- Rerun: an empty delta changes nothing. Does not commit: the caller owns the transaction.
CREATE OR REPLACE PROCEDURE etl.rollup_agg_vendas_mensais(p_run_id bigint, p_from date, p_to date,
                                                          INOUT p_deleted bigint DEFAULT 0)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_count bigint;
BEGIN
    IF p_run_id IS NULL OR (p_from IS NULL) <> (p_to IS NULL) THEN
        RAISE EXCEPTION 'etl.rollup_agg_vendas_mensais: p_run_id is required, p_from and p_to go together'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass('pg_temp.etl_agg_vendas_delta') IS NULL THEN
        RAISE EXCEPTION 'etl.rollup_agg_vendas_mensais: pg_temp.etl_agg_vendas_delta is missing (filled by the caller)'
            USING ERRCODE = 'undefined_table';
    END IF;
    p_deleted := 0;

    WITH merged AS (
        MERGE INTO mart.agg_vendas_mensais_categoria AS m
        USING (
            SELECT date_trunc('month', d.data)::date AS mes, d.regiao_sk, d.categoria,
                   sum(d.linhas) AS linhas, sum(d.quantidade_vendida) AS quantidade_vendida,
                   sum(d.quantidade_devolvida) AS quantidade_devolvida, sum(d.valor_bruto) AS valor_bruto,
                   sum(d.valor_desconto) AS valor_desconto, sum(d.valor_total_liquido) AS valor_total_liquido,
                   sum(d.custo_total) AS custo_total, sum(d.valor_frete) AS valor_frete,
                   sum(d.linhas_com_desconto) AS linhas_com_desconto,
                   sum(d.receita_com_desconto) AS receita_com_desconto,
                   sum(d.custo_com_desconto) AS custo_com_desconto
            FROM (SELECT x.data, x.regiao_sk, x.categoria, x.equipe_sk, x.vendedor_sk, x.linhas, x.quantidade_vendida,
                         x.quantidade_devolvida, x.valor_bruto, x.valor_desconto, x.valor_total_liquido, x.custo_total,
                         x.valor_frete, x.linhas_com_desconto, x.receita_com_desconto, x.custo_com_desconto,
                         x.pedidos_vendedor
                  FROM pg_temp.etl_agg_vendas_delta AS x
                  UNION ALL
                  SELECT a.data, a.regiao_sk, a.categoria, a.equipe_sk, a.vendedor_sk, a.linhas, a.quantidade_vendida,
                         a.quantidade_devolvida, a.valor_bruto, a.valor_desconto, a.valor_total_liquido, a.custo_total,
                         a.valor_frete, a.linhas_com_desconto, a.receita_com_desconto, a.custo_com_desconto,
                         a.pedidos_vendedor
                  FROM mart.agg_vendas_diarias AS a
                  WHERE p_from IS NOT NULL
                    AND ((a.data BETWEEN p_from AND p_to) OR a.data = DATE '0001-01-01')) AS d
            GROUP BY 1, 2, 3
            HAVING (sum(d.linhas), sum(d.quantidade_vendida), sum(d.quantidade_devolvida), sum(d.valor_bruto),
                    sum(d.valor_desconto), sum(d.valor_total_liquido), sum(d.custo_total), sum(d.valor_frete),
                    sum(d.linhas_com_desconto), sum(d.receita_com_desconto), sum(d.custo_com_desconto))
                   IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        ) AS s
        ON m.mes = s.mes AND m.regiao_sk = s.regiao_sk AND m.categoria = s.categoria
        WHEN MATCHED AND m.linhas + s.linhas = 0 THEN
            DELETE
        WHEN MATCHED THEN UPDATE SET
            linhas = m.linhas + s.linhas,
            quantidade_vendida = m.quantidade_vendida + s.quantidade_vendida,
            quantidade_devolvida = m.quantidade_devolvida + s.quantidade_devolvida,
            valor_bruto = m.valor_bruto + s.valor_bruto,
            valor_desconto = m.valor_desconto + s.valor_desconto,
            valor_total_liquido = m.valor_total_liquido + s.valor_total_liquido,
            custo_total = m.custo_total + s.custo_total,
            valor_frete = m.valor_frete + s.valor_frete,
            linhas_com_desconto = m.linhas_com_desconto + s.linhas_com_desconto,
            receita_com_desconto = m.receita_com_desconto + s.receita_com_desconto,
            custo_com_desconto = m.custo_com_desconto + s.custo_com_desconto,
            refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (mes, regiao_sk, categoria, linhas, quantidade_vendida, quantidade_devolvida, valor_bruto,
                    valor_desconto, valor_total_liquido, custo_total, valor_frete, linhas_com_desconto,
                    receita_com_desconto, custo_com_desconto, refreshed_run_id)
            VALUES (s.mes, s.regiao_sk, s.categoria, s.linhas, s.quantidade_vendida, s.quantidade_devolvida,
                    s.valor_bruto, s.valor_desconto, s.valor_total_liquido, s.custo_total, s.valor_frete,
                    s.linhas_com_desconto, s.receita_com_desconto, s.custo_com_desconto, p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT count(*) FILTER (WHERE x.action = 'DELETE') INTO v_count FROM merged AS x;
    p_deleted := p_deleted + v_count;

    WITH merged AS (
        MERGE INTO mart.agg_vendas_mensais_vendedor AS m
        USING (
            SELECT date_trunc('month', d.data)::date AS mes, d.regiao_sk, d.equipe_sk, d.vendedor_sk,
                   sum(d.linhas) AS linhas, sum(d.quantidade_vendida) AS quantidade_vendida,
                   sum(d.quantidade_devolvida) AS quantidade_devolvida, sum(d.valor_bruto) AS valor_bruto,
                   sum(d.valor_desconto) AS valor_desconto, sum(d.valor_total_liquido) AS valor_total_liquido,
                   sum(d.custo_total) AS custo_total, sum(d.valor_frete) AS valor_frete,
                   sum(d.linhas_com_desconto) AS linhas_com_desconto,
                   sum(d.receita_com_desconto) AS receita_com_desconto,
                   sum(d.custo_com_desconto) AS custo_com_desconto,
                   sum(d.pedidos_vendedor) AS pedidos
            FROM (SELECT x.data, x.regiao_sk, x.categoria, x.equipe_sk, x.vendedor_sk, x.linhas, x.quantidade_vendida,
                         x.quantidade_devolvida, x.valor_bruto, x.valor_desconto, x.valor_total_liquido, x.custo_total,
                         x.valor_frete, x.linhas_com_desconto, x.receita_com_desconto, x.custo_com_desconto,
                         x.pedidos_vendedor
                  FROM pg_temp.etl_agg_vendas_delta AS x
                  UNION ALL
                  SELECT a.data, a.regiao_sk, a.categoria, a.equipe_sk, a.vendedor_sk, a.linhas, a.quantidade_vendida,
                         a.quantidade_devolvida, a.valor_bruto, a.valor_desconto, a.valor_total_liquido, a.custo_total,
                         a.valor_frete, a.linhas_com_desconto, a.receita_com_desconto, a.custo_com_desconto,
                         a.pedidos_vendedor
                  FROM mart.agg_vendas_diarias AS a
                  WHERE p_from IS NOT NULL
                    AND ((a.data BETWEEN p_from AND p_to) OR a.data = DATE '0001-01-01')) AS d
            GROUP BY 1, 2, 3, 4
            HAVING (sum(d.linhas), sum(d.quantidade_vendida), sum(d.quantidade_devolvida), sum(d.valor_bruto),
                    sum(d.valor_desconto), sum(d.valor_total_liquido), sum(d.custo_total), sum(d.valor_frete),
                    sum(d.linhas_com_desconto), sum(d.receita_com_desconto), sum(d.custo_com_desconto),
                    sum(d.pedidos_vendedor))
                   IS DISTINCT FROM (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        ) AS s
        ON m.mes = s.mes AND m.regiao_sk = s.regiao_sk AND m.equipe_sk = s.equipe_sk AND m.vendedor_sk = s.vendedor_sk
        WHEN MATCHED AND m.linhas + s.linhas = 0 THEN
            DELETE
        WHEN MATCHED THEN UPDATE SET
            linhas = m.linhas + s.linhas,
            quantidade_vendida = m.quantidade_vendida + s.quantidade_vendida,
            quantidade_devolvida = m.quantidade_devolvida + s.quantidade_devolvida,
            valor_bruto = m.valor_bruto + s.valor_bruto,
            valor_desconto = m.valor_desconto + s.valor_desconto,
            valor_total_liquido = m.valor_total_liquido + s.valor_total_liquido,
            custo_total = m.custo_total + s.custo_total,
            valor_frete = m.valor_frete + s.valor_frete,
            linhas_com_desconto = m.linhas_com_desconto + s.linhas_com_desconto,
            receita_com_desconto = m.receita_com_desconto + s.receita_com_desconto,
            custo_com_desconto = m.custo_com_desconto + s.custo_com_desconto,
            pedidos = m.pedidos + s.pedidos,
            refreshed_run_id = p_run_id
        WHEN NOT MATCHED THEN
            INSERT (mes, regiao_sk, equipe_sk, vendedor_sk, linhas, quantidade_vendida, quantidade_devolvida,
                    valor_bruto, valor_desconto, valor_total_liquido, custo_total, valor_frete,
                    linhas_com_desconto, receita_com_desconto, custo_com_desconto, pedidos, refreshed_run_id)
            VALUES (s.mes, s.regiao_sk, s.equipe_sk, s.vendedor_sk, s.linhas, s.quantidade_vendida,
                    s.quantidade_devolvida, s.valor_bruto, s.valor_desconto, s.valor_total_liquido, s.custo_total,
                    s.valor_frete, s.linhas_com_desconto, s.receita_com_desconto, s.custo_com_desconto, s.pedidos,
                    p_run_id)
        RETURNING merge_action() AS action
    )
    SELECT count(*) FILTER (WHERE x.action = 'DELETE') INTO v_count FROM merged AS x;
    p_deleted := p_deleted + v_count;

    DROP TABLE pg_temp.etl_agg_vendas_delta;
END
$$;

COMMENT ON PROCEDURE etl.rollup_agg_vendas_mensais(bigint, date, date, bigint) IS
    'Aplica a mart.agg_vendas_mensais_categoria e _vendedor as diferenças das linhas diárias alteradas '
    '(pg_temp.etl_agg_vendas_delta, preenchida por quem chama): soma, insere grupos novos e apaga os que ficam sem linhas; '
    'não faz COMMIT.';
