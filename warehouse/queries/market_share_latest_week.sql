-- Top short-drama apps of the latest ISO week: chart-presence share of the App Store Entertainment
-- top-grossing chart, averaged over every country in the mart (an absent app counts as 0 share).
WITH latest AS (
    SELECT max(period_start) AS week FROM marts.market_share WHERE grain = 'week' AND chart = 'top-grossing'
),
countries AS (
    SELECT count(DISTINCT country) AS n
    FROM marts.market_share, latest
    WHERE grain = 'week' AND period_start = latest.week AND chart = 'top-grossing'
)
SELECT
    any_value(iso_week)                         AS iso_week,
    app_name,
    count(DISTINCT country)                     AS countries,
    round(100 * sum(share) / any_value(countries.n), 1) AS share_pct,
    min(best_rank)                              AS best_rank
FROM marts.market_share, latest, countries
WHERE grain = 'week' AND period_start = latest.week AND chart = 'top-grossing'
GROUP BY app_name
ORDER BY share_pct DESC, app_name
LIMIT 15;
