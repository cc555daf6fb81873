-- V052 (dw): etl_writer may ANALYZE (MAINTAIN, PostgreSQL 17+) the tables it loads.
-- A load that changes a large part of a table (the first load, a catch-up, a rebuild) analyzes
-- it before the quality gate and the dashboards query it (harness.load._analyze_changed_tables):
-- autovacuum would do it too, but up to a minute later, and queries planned on empty
-- statistics in that minute took seconds instead of milliseconds (seen in the benchmark).
GRANT MAINTAIN ON ALL TABLES IN SCHEMA dim, fact, mart TO etl_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE dw_owner IN SCHEMA dim, fact, mart GRANT MAINTAIN ON TABLES TO etl_writer;
