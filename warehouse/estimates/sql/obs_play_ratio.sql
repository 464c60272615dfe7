-- Google Play: per listing and refresh week, the ratings and exact installs gained (global counts: the
-- same on every country's page, so the per-day maximum over countries is the listing's series). Only
-- growth pairs at most max_gap_days apart, with installs not falling, count. Feeds the iOS ratio.
WITH gap AS (SELECT value AS days FROM core.estimate_settings WHERE name = 'max_gap_days'),
series AS (
    SELECT store_app_id, snapshot_date, max(real_installs) AS installs, max(user_rating_count) AS ratings
    FROM core.app_metrics
    WHERE store = 'google_play' AND real_installs IS NOT NULL
      AND snapshot_date >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 8 DAY
    GROUP BY ALL
),
pairs AS (
    SELECT
        store_app_id, snapshot_date,
        snapshot_date - lag(snapshot_date) OVER w AS gap_days,
        installs - lag(installs) OVER w AS d_installs,
        ratings - lag(ratings) OVER w AS d_ratings
    FROM series
    WINDOW w AS (PARTITION BY store_app_id ORDER BY snapshot_date)
)
SELECT
    CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start,
    store_app_id,
    sum(d_installs) AS installs_gained,
    sum(d_ratings) AS ratings_gained
FROM pairs
WHERE gap_days <= (SELECT days FROM gap) AND d_installs >= 0 AND d_ratings >= 0
  AND snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
GROUP BY ALL
ORDER BY window_start, store_app_id;
