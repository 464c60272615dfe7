-- Report chart 1: weekly market share of the short-drama apps (top N + others) for one store and geography,
-- over the last $weeks ISO weeks, from marts.market_share_top. Every (week, app) of the window is present
-- (share 0 where the app was not in the week's top N) so the areas stack without gaps.
-- Basis: estimated_downloads when the mart has it for the selection, else chart_presence of one chart group
-- (top-free first, the entertainment chart family first, then the group with the most rows).
-- Parameters: $store (app_store | google_play | both), $geo_level (country | region | global), $geo, $weeks.
WITH sel AS (
    SELECT *
    FROM marts.market_share_top
    WHERE grain = 'week' AND store = $store AND geo_level = $geo_level AND geo = $geo
      AND basis IN ('estimated_downloads', 'chart_presence')
),
pick AS (
    SELECT basis, chart, genre
    FROM sel
    GROUP BY basis, chart, genre
    ORDER BY basis = 'estimated_downloads' DESC, chart = 'top-free' DESC,
             lower(genre) IN ('entertainment', '6016') DESC, count(*) DESC, chart, genre
    LIMIT 1
),
picked AS (
    SELECT s.* FROM sel s JOIN pick p USING (basis, chart, genre)
),
weeks AS (
    SELECT DISTINCT period_start, period_label
    FROM picked
    WHERE period_start > (SELECT max(period_start) FROM picked) - 7 * CAST($weeks AS INTEGER)
),
in_window AS (
    SELECT p.* FROM picked p JOIN weeks w USING (period_start)
),
apps AS (  -- every app of the window; others last, the rest by their summed share
    SELECT app_key,
           arg_max(app_name, period_start) AS app_name,
           sum(share)                       AS share_sum
    FROM in_window
    GROUP BY app_key
),
labelled AS (
    SELECT *,
           CASE WHEN count(*) OVER (PARTITION BY app_name) > 1 THEN app_name || ' (' || app_key || ')'
                ELSE app_name END AS label,
           row_number() OVER (ORDER BY app_key = 'others', share_sum DESC, app_key) AS stack_order
    FROM apps
)
SELECT
    (SELECT basis FROM pick)               AS basis,
    (SELECT chart FROM pick)               AS chart,
    (SELECT genre FROM pick)               AS genre,
    w.period_start::VARCHAR                AS period_start,
    w.period_label,
    a.app_key,
    a.label                                AS app_name,
    a.stack_order,
    coalesce(r.share, 0)                   AS share,
    coalesce(r.value, 0)                   AS value,
    r.value_low,
    r.value_high,
    r.position,
    coalesce(r.apps_in_row, 0)             AS apps_in_row,
    r.countries_in_group
FROM weeks w
CROSS JOIN labelled a
LEFT JOIN in_window r ON r.period_start = w.period_start AND r.app_key = a.app_key
ORDER BY w.period_start, a.stack_order;
