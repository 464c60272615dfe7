-- How much the market-share mart covers: countries, short-drama apps, days.
SELECT
    count(DISTINCT country)      AS countries,
    count(DISTINCT app_key)      AS short_drama_apps,
    min(period_start)            AS first_day,
    max(period_start)            AS last_day
FROM marts.market_share
WHERE grain = 'day';
