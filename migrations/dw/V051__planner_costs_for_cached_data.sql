-- V051 (dw): planner cost of a random page read for this database: 1.1 instead of 4.
-- The warehouse's working set (dimensions, fact indexes, aggregates) sits in memory or on SSD,
-- where a random read costs about what a sequential one does. With the default 4 the daily
-- load planned its few thousand staged lines as hash joins over the whole 1M-line fact
-- (MERGE of 5.5k lines: 605 ms with a scan of fact_vendas, 202 ms with primary-key probes;
-- the duplicate-line screen 365 ms -> under 150 ms; measured at scale 1).
-- Every session on this database gets it (loads, checks, dashboards); a session may still SET it.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
END
$$;
