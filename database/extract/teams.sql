-- Extraction of shop.teams changed in (since, until] into stg.teams.
SELECT team_id, name, region_id, updated_at
FROM shop.teams
WHERE updated_at > %(since)s AND updated_at <= %(until)s
