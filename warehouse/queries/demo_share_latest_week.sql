-- One market-share group of marts.market_share_top in the latest ISO week: its top N short-drama apps and
-- one Others row (the apps ranked N+1 and below), so share_pct sums to 100 (± rounding) over the rows.
-- A group is (basis, store, geography, chart, genre); the week is the latest one with all 7 days captured in
-- the group, else the latest week. Every row repeats the group's keys, the week and its days captured, so the
-- caller titles the table from what the query returned (dramatrack_cli/demo_tables.py).
-- Parameters: $basis (estimated_revenue | estimated_downloads | chart_presence), $store (app_store |
-- google_play | both), $geo_level (global | region | country), $geo, $chart, $genre (all for the estimates).
WITH grp AS (
    SELECT *
    FROM marts.market_share_top
    WHERE basis = $basis AND store = $store AND geo_level = $geo_level AND geo = $geo
      AND chart = $chart AND genre = $genre
),
weeks AS (
    SELECT w.period_start, count(DISTINCT d.period_start) AS days
    FROM (SELECT DISTINCT period_start FROM grp WHERE grain = 'week') AS w
    LEFT JOIN grp AS d ON d.grain = 'day' AND d.period_start BETWEEN w.period_start AND w.period_start + 6
    GROUP BY w.period_start
),
pick AS (
    SELECT * FROM weeks ORDER BY days = 7 DESC, period_start DESC LIMIT 1
)
SELECT
    g.basis,
    g.store,
    g.geo_level,
    g.geo,
    g.chart,
    g.genre,
    g.period_label                    AS iso_week,
    p.period_start                    AS week_start,
    CAST(p.days AS INTEGER)           AS days,
    g.countries_in_group              AS countries,
    g.apps_in_group,
    g.position,
    g.app_name,
    g.apps_in_row,
    g.share,
    g.value,
    g.value_low,
    g.value_high
FROM grp AS g
JOIN pick AS p ON g.grain = 'week' AND g.period_start = p.period_start
ORDER BY g.position;
