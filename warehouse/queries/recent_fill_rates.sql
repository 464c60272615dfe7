-- Fill rate of each field the marts and estimates read, per validation suite and storefront, over the loaded
-- days before a day (validation compares a batch's fill rate with it: a field collapsing against recent days
-- is a layout change). Fields are named as in the parsed records. Parameters: $snapshot_date, $days.
WITH recent AS (
    SELECT *
    FROM core.app_metrics
    WHERE snapshot_date < $snapshot_date
      AND snapshot_date >= CAST($snapshot_date AS DATE) - CAST($days AS INTEGER)
)
SELECT 'app_lookups' AS suite, country, field, fill, n_rows
FROM (
    SELECT country, count(*) AS n_rows,
           avg(CAST(user_rating_count IS NOT NULL AS DOUBLE)) AS user_rating_count,
           avg(CAST(average_user_rating IS NOT NULL AS DOUBLE)) AS average_user_rating
    FROM recent WHERE store = 'app_store' GROUP BY country
) UNPIVOT (fill FOR field IN (user_rating_count, average_user_rating))
UNION ALL
SELECT 'play_app_details' AS suite, country, field, fill, n_rows
FROM (
    SELECT country, count(*) AS n_rows,
           avg(CAST(real_installs IS NOT NULL AS DOUBLE)) AS real_installs,
           avg(CAST(min_installs IS NOT NULL AS DOUBLE)) AS min_installs,
           avg(CAST(user_rating_count IS NOT NULL AS DOUBLE)) AS ratings,
           avg(CAST(average_user_rating IS NOT NULL AS DOUBLE)) AS score
    FROM recent WHERE store = 'google_play' GROUP BY country
) UNPIVOT (fill FOR field IN (real_installs, min_installs, ratings, score))
ORDER BY suite, country, field;
