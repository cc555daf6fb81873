-- etl.json_linha: the same text for the same row whatever the session's TimeZone (a reject re-read
-- by another session is recognised), timestamps in UTC, dates and numbers as to_jsonb writes them.
BEGIN;
SELECT plan(3);

CREATE TEMP TABLE linha AS
SELECT 'I1'::text AS id, '2024-03-02 12:00-03'::timestamptz AS em, '2024-03-02'::date AS dia, 10.50::numeric(12,2) AS valor;

SET LOCAL TimeZone = 'Asia/Tokyo';
CREATE TEMP TABLE em_toquio AS SELECT etl.json_linha(l) AS j FROM linha AS l;
SET LOCAL TimeZone = 'America/Sao_Paulo';
SELECT is((SELECT etl.json_linha(l)::text FROM linha AS l), (SELECT j::text FROM em_toquio),
          'the same text in Tokyo and in São Paulo');
SELECT is((SELECT etl.json_linha(l) ->> 'em' FROM linha AS l), '2024-03-02T15:00:00+00:00', 'timestamps in UTC');
SELECT is((SELECT etl.json_linha(l) - 'em' FROM linha AS l), '{"id": "I1", "dia": "2024-03-02", "valor": 10.50}'::jsonb,
          'the other columns as to_jsonb writes them');

SELECT * FROM finish();
ROLLBACK;
