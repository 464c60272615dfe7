-- The geographies the report can show (marts.market_share_top, weekly rows) and the data's latest day:
-- one row per (geo_level, geo), global first, then regions, then countries.
SELECT
    geo_level,
    geo,
    max(period_start)                                         AS last_week,
    (SELECT max(snapshot_date) FROM marts.download_trends)    AS last_day
FROM marts.market_share_top
WHERE grain = 'week'
GROUP BY geo_level, geo
ORDER BY CASE geo_level WHEN 'global' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, geo;
