-- Report chart 2's reference line: per ISO week of the data, the published short-drama downloads figure as
-- warehouse/estimates/sql/scale_figures.sql picks it (core.market_totals, metric downloads, scope global: the
-- latest use_for_scale figure ending on or before the week's Sunday, else the earliest one), as a daily rate,
-- and the factors that scale it to what the chart shows:
--   tracked_share   : the tracked countries' share of the published figure, from inputs.tracked_share of the
--                     week's check_published downloads row of core.estimate_params (NULL when not recorded or
--                     not in (0, 1]: the line then shows the global figure, and says so);
--   selection_share : the selected store(s) and geography's share of the tracked countries' weight in the
--                     category (core.country_weights: like with like, independent of the estimates; 1 for both
--                     stores, global).
-- reference_7d = 7 x published daily x coalesce(tracked_share, 1) x selection_share, comparable with 7-day sums.
-- Parameters: $store, $geo_level, $geo.
WITH tracked AS (  -- per week, the countries and stores the estimates cover
    SELECT DISTINCT CAST(date_trunc('week', snapshot_date) AS DATE) AS week_start, store, country, region
    FROM marts.download_trends
    WHERE est_downloads IS NOT NULL
),
weeks AS (
    SELECT
        t.week_start,
        sum(coalesce(cw.weight, 0))                      AS all_downloads,
        sum(coalesce(cw.weight, 0)) FILTER (WHERE ($store = 'both' OR t.store = $store)
                                     AND CASE $geo_level WHEN 'global' THEN true
                                                         WHEN 'region' THEN t.region = $geo
                                                         ELSE t.country = $geo END) AS selected_downloads
    FROM tracked AS t
    LEFT JOIN core.country_weights AS cw
        ON cw.country = t.country AND cw.store = t.store AND cw.measure = 'downloads'
    GROUP BY 1
),
candidates AS (
    SELECT
        w.week_start, t.figure_id, t.vendor, t.basis,
        t.value / (t.period_end - t.period_start + 1) AS published_daily,
        row_number() OVER (
            PARTITION BY w.week_start
            ORDER BY (t.period_end <= w.week_start + 6) DESC,
                     CASE WHEN t.period_end <= w.week_start + 6 THEN t.period_end END DESC NULLS LAST,
                     t.period_end, t.period_start DESC, t.figure_id
        ) AS pick
    FROM weeks AS w
    CROSS JOIN core.market_totals AS t
    WHERE t.use_for_scale AND t.metric = 'downloads' AND t.scope = 'global'
),
checks AS (
    SELECT window_start AS week_start, max(TRY_CAST(inputs ->> '$.tracked_share' AS DOUBLE)) AS tracked_share
    FROM core.estimate_params
    WHERE method = 'check_published' AND measure = 'downloads' AND store = 'all' AND country = 'tracked'
    GROUP BY 1
)
SELECT
    c.week_start::VARCHAR                                       AS week_start,
    strftime(c.week_start, '%G-W%V')                            AS iso_week,
    c.figure_id,
    c.vendor,
    c.basis                                                     AS figure_basis,
    c.published_daily,
    CASE WHEN k.tracked_share > 0 AND k.tracked_share <= 1 THEN k.tracked_share END AS tracked_share,
    w.selected_downloads / w.all_downloads                      AS selection_share,
    7 * c.published_daily
      * coalesce(CASE WHEN k.tracked_share > 0 AND k.tracked_share <= 1 THEN k.tracked_share END, 1)
      * (w.selected_downloads / w.all_downloads)                AS reference_7d
FROM candidates AS c
JOIN weeks AS w USING (week_start)
LEFT JOIN checks AS k USING (week_start)
WHERE c.pick = 1 AND w.all_downloads > 0
ORDER BY c.week_start;
