-- The published daily totals for each refresh week: per (metric, scope), the latest use_for_scale figure
-- of core.market_totals ending on or before the week's Sunday, else the earliest one.
WITH candidates AS (
    SELECT
        w.week_start AS window_start, t.metric, t.scope, t.figure_id, t.vendor,
        t.value / (t.period_end - t.period_start + 1) AS daily,
        row_number() OVER (
            PARTITION BY w.week_start, t.metric, t.scope
            ORDER BY (t.period_end <= w.week_start + 6) DESC,
                     CASE WHEN t.period_end <= w.week_start + 6 THEN t.period_end END DESC NULLS LAST,
                     t.period_end, t.period_start DESC, t.figure_id
        ) AS pick
    FROM refresh_weeks AS w
    CROSS JOIN core.market_totals AS t
    WHERE t.use_for_scale
)
SELECT window_start, metric, scope, figure_id, vendor, daily
FROM candidates
WHERE pick = 1
ORDER BY ALL;
