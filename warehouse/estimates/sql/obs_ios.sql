-- App Store observations: ratings gained per day by ranked apps, per storefront (user_rating_count is
-- per country), from growth pairs at most max_gap_days apart with the count not falling, and only where
-- the app was ranked in the chart at both ends of the pair (an app entering the chart grew at an unranked
-- rate before). run.py divides them by the week's ratings-per-download ratio.
WITH gap AS (SELECT value AS days FROM core.estimate_settings WHERE name = 'max_gap_days'),
daily AS (
    SELECT country, store_app_id, snapshot_date, prev_date, d_ratings / gap_days AS ratings_per_day
    FROM (
        SELECT country, store_app_id, snapshot_date, lag(snapshot_date) OVER w AS prev_date,
               snapshot_date - lag(snapshot_date) OVER w AS gap_days,
               user_rating_count - lag(user_rating_count) OVER w AS d_ratings
        FROM core.app_metrics
        WHERE store = 'app_store' AND user_rating_count IS NOT NULL
          AND snapshot_date >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 8 DAY
        WINDOW w AS (PARTITION BY country, store_app_id ORDER BY snapshot_date)
    )
    WHERE gap_days <= (SELECT days FROM gap) AND d_ratings >= 0
      AND snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
),
entries AS (
    SELECT snapshot_date, country, chart, genre, store_app_id, min(rank) AS rank, arg_min(app_key, rank) AS app_key
    FROM core.chart_entries
    WHERE store = 'app_store' AND chart_measure(chart) = 'downloads'
      AND snapshot_date >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 8 DAY
    GROUP BY ALL
)
SELECT
    CAST(date_trunc('week', e.snapshot_date) AS DATE) AS window_start,
    'app_store' AS store, e.country, e.chart, e.genre,
    e.store_app_id, coalesce(e.app_key, e.store_app_id) AS obs_key, e.snapshot_date, e.rank,
    d.ratings_per_day
FROM entries AS e
JOIN daily AS d USING (country, store_app_id, snapshot_date)
JOIN entries AS s
    ON s.snapshot_date = d.prev_date AND s.country = e.country AND s.chart = e.chart AND s.genre = e.genre
   AND s.store_app_id = e.store_app_id
WHERE e.snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
ORDER BY window_start, store, e.country, e.chart, e.genre, e.store_app_id, e.snapshot_date;
