-- Report chart 2: estimated downloads of the top short-drama apps as 7-day sums with their bands, for one
-- store (or both summed) and geography (a country, a region, or global), from marts.download_trends.
-- The daily estimates and band ends of the selection are summed per app and day, then over the 7 calendar
-- days ending on each day (bands add as if fully correlated, as in marts.market_share_top); for one store and
-- country the sum equals marts.download_trends.downloads_7d. Days before the data's 7th day (incomplete
-- windows) are left out when later days exist. Top apps: the $top_apps largest 7-day sums on the latest day.
-- Parameters: $store, $geo_level, $geo, $weeks, $top_apps.
WITH sel AS (
    SELECT snapshot_date, app_key, app_name, est_downloads, downloads_low, downloads_high
    FROM marts.download_trends
    WHERE est_downloads IS NOT NULL
      AND ($store = 'both' OR store = $store)
      AND CASE $geo_level WHEN 'global' THEN true
                          WHEN 'region' THEN region = $geo
                          ELSE country = $geo END
),
daily AS (
    SELECT snapshot_date, app_key, arg_max(app_name, snapshot_date) AS app_name,
           sum(est_downloads) AS downloads, sum(downloads_low) AS low, sum(downloads_high) AS high
    FROM sel
    GROUP BY snapshot_date, app_key
),
rolling AS (
    SELECT *,
           sum(downloads) OVER w AS downloads_7d,
           sum(low) OVER w       AS low_7d,
           sum(high) OVER w      AS high_7d,
           count(*) OVER w       AS days_7d
    FROM daily
    WINDOW w AS (PARTITION BY app_key ORDER BY snapshot_date
                 RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW)
),
bounds AS (
    SELECT min(snapshot_date) AS first_day, max(snapshot_date) AS last_day FROM daily
),
shown_from AS (
    SELECT greatest(
               last_day - (7 * CAST($weeks AS INTEGER) - 1),
               CASE WHEN last_day >= first_day + 6 THEN first_day + 6 ELSE first_day END
           ) AS day
    FROM bounds
),
top AS (
    SELECT app_key, downloads_7d
    FROM rolling
    WHERE snapshot_date = (SELECT last_day FROM bounds)
    ORDER BY downloads_7d DESC, app_key
    LIMIT CAST($top_apps AS INTEGER)
),
names AS (
    SELECT t.app_key, row_number() OVER (ORDER BY t.downloads_7d DESC, t.app_key) AS app_order,
           arg_max(d.app_name, d.snapshot_date) AS app_name
    FROM top t JOIN daily d USING (app_key)
    GROUP BY t.app_key, t.downloads_7d
)
SELECT
    r.snapshot_date::VARCHAR AS snapshot_date,
    r.app_key,
    CASE WHEN count(*) OVER (PARTITION BY r.snapshot_date, n.app_name) > 1
         THEN n.app_name || ' (' || r.app_key || ')' ELSE n.app_name END AS app_name,
    n.app_order,
    r.downloads,
    r.downloads_7d,
    r.low_7d,
    r.high_7d,
    r.days_7d
FROM rolling r
JOIN names n USING (app_key)
WHERE r.snapshot_date >= (SELECT day FROM shown_from)
ORDER BY n.app_order, r.snapshot_date;
