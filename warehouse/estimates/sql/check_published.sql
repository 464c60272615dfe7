-- The published check of the refresh weeks: fill estimated_value of the check_published rows run.py staged
-- with the estimates' daily short-drama total (primary rows of core.app_estimates), per store (all |
-- app_store | google_play) and geography: tracked (every tracked country) | us. run.py staged
-- reference_value = the published daily figure times the weight of the same countries and stores
-- (core.country_weights): like with like.
UPDATE core.estimate_params AS p
SET estimated_value = x.per_day, n_obs = x.app_days
FROM (
    WITH primary_rows AS (
        SELECT CAST(date_trunc('week', e.snapshot_date) AS DATE) AS window_start, e.snapshot_date, e.country,
               e.store, e.measure, CAST(coalesce(e.est_downloads, e.est_revenue) AS DECIMAL(38, 9)) AS v
        FROM core.app_estimates AS e
        JOIN core.apps AS a ON a.app_key = e.app_key AND a.is_short_drama
        WHERE e.is_primary AND e.window_start IN (SELECT week_start FROM refresh_weeks)
    ),
    scoped AS (
        SELECT window_start, snapshot_date, measure, s.store, g.geo, v
        FROM primary_rows
        CROSS JOIN LATERAL (VALUES ('all'), (primary_rows.store)) AS s(store)
        CROSS JOIN LATERAL (VALUES ('tracked'), (CASE WHEN primary_rows.country = 'us' THEN 'us' END)) AS g(geo)
        WHERE g.geo IS NOT NULL
    ),
    days AS (
        SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start, count(DISTINCT snapshot_date) AS n
        FROM core.chart_entries
        WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
        GROUP BY ALL
    )
    SELECT s.window_start, s.measure, s.store, s.geo, CAST(sum(s.v) AS DOUBLE) / any_value(d.n) AS per_day,
           count(*) AS app_days
    FROM scoped AS s
    JOIN days AS d USING (window_start)
    GROUP BY ALL
) AS x
WHERE p.method = 'check_published' AND p.window_start = x.window_start AND p.measure = x.measure
  AND p.store = x.store AND p.country = x.geo;
