-- Report chart 3: rank heat map of the short-drama apps: the best rank of each app on each day of the last
-- $weeks weeks in any captured chart of the selected store(s) and geography, from marts.download_trends.
-- Apps: the $heat_apps with the best median of their daily best ranks (ranked days only), then most days ranked.
-- Parameters: $store, $geo_level, $geo, $weeks, $heat_apps.
WITH sel AS (
    SELECT snapshot_date, store, country, app_key, app_name, best_rank, best_rank_chart
    FROM marts.download_trends
    WHERE ($store = 'both' OR store = $store)
      AND CASE $geo_level WHEN 'global' THEN true
                          WHEN 'region' THEN region = $geo
                          ELSE country = $geo END
),
days AS (
    SELECT DISTINCT snapshot_date
    FROM sel
    WHERE snapshot_date > (SELECT max(snapshot_date) FROM sel) - 7 * CAST($weeks AS INTEGER)
),
best AS (
    SELECT s.snapshot_date, s.app_key,
           min(s.best_rank) AS best_rank,
           arg_min(s.store || ' ' || s.country || ' ' || s.best_rank_chart, s.best_rank) AS best_in,
           count(*) FILTER (WHERE s.best_rank IS NOT NULL) AS listings_ranked
    FROM sel s JOIN days d USING (snapshot_date)
    WHERE s.best_rank IS NOT NULL
    GROUP BY s.snapshot_date, s.app_key
),
apps AS (
    SELECT b.app_key, median(b.best_rank) AS median_rank, count(*) AS days_ranked
    FROM best b
    GROUP BY b.app_key
    ORDER BY median_rank, days_ranked DESC, app_key
    LIMIT CAST($heat_apps AS INTEGER)
),
names AS (
    SELECT a.app_key, a.median_rank, a.days_ranked,
           row_number() OVER (ORDER BY a.median_rank, a.days_ranked DESC, a.app_key) AS app_order,
           (SELECT arg_max(s.app_name, s.snapshot_date) FROM sel s WHERE s.app_key = a.app_key) AS app_name
    FROM apps a
),
labelled AS (
    SELECT *, CASE WHEN count(*) OVER (PARTITION BY app_name) > 1 THEN app_name || ' (' || app_key || ')'
                   ELSE app_name END AS label
    FROM names
)
SELECT
    d.snapshot_date::VARCHAR AS snapshot_date,
    n.app_key,
    n.label                  AS app_name,
    n.app_order,
    n.median_rank,
    b.best_rank,
    b.best_in
FROM labelled n
CROSS JOIN days d
LEFT JOIN best b ON b.app_key = n.app_key AND b.snapshot_date = d.snapshot_date
ORDER BY n.app_order, d.snapshot_date;
