-- The published check of the refresh weeks: fill estimated_value of the check_published rows run.py staged
-- (reference_value = the published daily total) with the estimates' daily short-drama total over the
-- tracked countries (primary rows of core.app_estimates, both stores), per scope: global | us | non_us.
UPDATE core.estimate_params AS p
SET estimated_value = x.per_day, n_obs = x.app_days
FROM (
    WITH primary_rows AS (
        SELECT CAST(date_trunc('week', e.snapshot_date) AS DATE) AS window_start, e.snapshot_date, e.country,
               e.measure, CAST(coalesce(e.est_downloads, e.est_revenue) AS DECIMAL(38, 9)) AS v
        FROM core.app_estimates AS e
        JOIN core.apps AS a ON a.app_key = e.app_key AND a.is_short_drama
        WHERE e.is_primary AND e.window_start IN (SELECT week_start FROM refresh_weeks)
    ),
    scoped AS (
        SELECT window_start, snapshot_date, measure, 'global' AS scope, v FROM primary_rows
        UNION ALL
        SELECT window_start, snapshot_date, measure, CASE WHEN country = 'us' THEN 'us' ELSE 'non_us' END, v
        FROM primary_rows
    ),
    days AS (
        SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start, count(DISTINCT snapshot_date) AS n
        FROM core.chart_entries
        WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
        GROUP BY ALL
    )
    SELECT s.window_start, s.measure, s.scope, CAST(sum(s.v) AS DOUBLE) / any_value(d.n) AS per_day,
           count(*) AS app_days
    FROM scoped AS s
    JOIN days AS d USING (window_start)
    GROUP BY ALL
) AS x
WHERE p.method = 'check_published' AND p.window_start = x.window_start AND p.measure = x.measure
  AND p.country = x.scope;
