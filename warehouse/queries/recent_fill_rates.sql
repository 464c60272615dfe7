-- The recent fill rates of the fields the marts and estimates read, per store and country: the median, over
-- the last $days loaded days before $snapshot_date with at least $min_rows rows, of the day's share of rows
-- carrying the field (validation compares a batch's fill rate with it: a collapse is a layout change).
-- Fields by their staged names (App Store lookups; Google Play app pages: ratings and score are stored as
-- user_rating_count and average_user_rating). Parameters: $snapshot_date, $days, $min_rows.
WITH daily AS (
    SELECT
        store, country, snapshot_date,
        avg(CAST(user_rating_count IS NOT NULL AS INTEGER)) AS user_rating_count,
        avg(CAST(average_user_rating IS NOT NULL AS INTEGER)) AS average_user_rating,
        avg(CAST(real_installs IS NOT NULL AS INTEGER)) AS real_installs,
        avg(CAST(min_installs IS NOT NULL AS INTEGER)) AS min_installs
    FROM core.app_metrics
    WHERE snapshot_date < $snapshot_date
    GROUP BY store, country, snapshot_date
    HAVING count(*) >= $min_rows
    QUALIFY row_number() OVER (PARTITION BY store, country ORDER BY snapshot_date DESC) <= $days
),
rates AS (
    SELECT store, country, 'user_rating_count' AS field, user_rating_count AS rate FROM daily
    UNION ALL
    SELECT store, country, 'average_user_rating', average_user_rating FROM daily
    UNION ALL
    SELECT store, country, 'real_installs', real_installs FROM daily WHERE store = 'google_play'
    UNION ALL
    SELECT store, country, 'min_installs', min_installs FROM daily WHERE store = 'google_play'
)
SELECT
    store, country,
    CASE WHEN store = 'google_play' AND field = 'user_rating_count' THEN 'ratings'
         WHEN store = 'google_play' AND field = 'average_user_rating' THEN 'score'
         ELSE field END AS field,
    median(rate) AS baseline,
    count(*) AS days
FROM rates
GROUP BY ALL
ORDER BY ALL;
