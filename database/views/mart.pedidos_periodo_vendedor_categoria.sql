-- mart.pedidos_periodo_vendedor_categoria(p_de, p_ate, p_categoria, p_regiao, p_equipe): distinct orders per
--          seller and team in a period, counting only the lines of one product category.
-- Purpose: the order count of the standard query receita_por_vendedor when a category is given.
--          No aggregate holds it exactly (an order can span categories; pedidos_vendedor attributes
--          each order to one category), so it is counted on the line view. It lives in this
--          function, and not in the query, because PostgreSQL plans every subquery of a statement
--          even when a NULL parameter switches it off: planning mart.vw_vendas (13 joins) cost
--          30-60 ms of every call of receita_por_vendedor, category or not (issue 9). A PL/pgSQL
--          function is planned only when it runs.
-- Source: mart.vw_vendas (non-cancelled lines), restricted to the period by data_sk (yyyymmdd).
-- Grain: seller id x team id (the line's); pedidos = count(DISTINCT pedido_id).
-- Filters: p_categoria (required; NULL returns no row), p_regiao (customer region id) and
--          p_equipe (team id), NULL = any.
-- RETURN QUERY EXECUTE ... USING: planned at each call with its values (a cached generic plan
-- could not drop the NULL filters). STABLE, SECURITY INVOKER; EXECUTE granted to bi_reader.
-- Rerun: DROP + CREATE, re-applied by harness migrate when this file changes; no commit.
DROP FUNCTION IF EXISTS mart.pedidos_periodo_vendedor_categoria(date, date, text, text, text);
CREATE FUNCTION mart.pedidos_periodo_vendedor_categoria(p_de date, p_ate date, p_categoria text,
                                                         p_regiao text DEFAULT NULL, p_equipe text DEFAULT NULL)
RETURNS TABLE (vendedor_id text, equipe_id text, pedidos bigint)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF p_categoria IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
        SELECT l.vendedor_id, l.equipe_id, count(DISTINCT l.pedido_id)
        FROM mart.vw_vendas l
        WHERE NOT l.eh_cancelado
          AND l.data_sk BETWEEN pg_catalog.to_char($1, 'YYYYMMDD')::integer
                            AND pg_catalog.to_char($2, 'YYYYMMDD')::integer
          AND l.categoria = $3
          AND ($4::text IS NULL OR l.regiao_id = $4::text)
          AND ($5::text IS NULL OR l.equipe_id = $5::text)
        GROUP BY l.vendedor_id, l.equipe_id$q$
        USING p_de, p_ate, p_categoria, p_regiao, p_equipe;
END
$$;

COMMENT ON FUNCTION mart.pedidos_periodo_vendedor_categoria(date, date, text, text, text) IS
    'Pedidos distintos (linhas não canceladas de uma categoria) por vendedor e equipe no período, contados em '
    'mart.vw_vendas; região do cliente e equipe opcionais.';

GRANT EXECUTE ON FUNCTION mart.pedidos_periodo_vendedor_categoria(date, date, text, text, text) TO bi_reader;
