-- Top short-drama apps of the latest ISO week in the App Store Entertainment (genre 6016) top-grossing chart:
-- chart-presence share (rank weights) AVERAGED over the countries in the mart (an absent app counts as 0
-- share), so the shares of all apps sum to 100 % only if every country ranked some short-drama app; the top 15
-- only. For shares that sum to 100 % with an Others row, see demo_share_latest_week.sql (marts.market_share_top).
WITH grp AS (
    SELECT * FROM marts.market_share
    WHERE grain = 'week' AND store = 'app_store' AND chart = 'top-grossing' AND genre = '6016'
),
latest AS (
    SELECT max(period_start) AS week FROM grp
),
countries AS (
    SELECT count(DISTINCT country) AS n
    FROM grp, latest
    WHERE period_start = latest.week
)
SELECT
    any_value(iso_week)                         AS iso_week,
    app_name,
    count(DISTINCT country)                     AS countries,
    round(100 * sum(share) / any_value(countries.n), 1) AS avg_share_pct,
    min(best_rank)                              AS best_rank
FROM grp, latest, countries
WHERE period_start = latest.week
GROUP BY app_name
ORDER BY avg_share_pct DESC, app_name
LIMIT 15;
