-- The denominator of the published-totals scale: per refresh week and measure, the tracked short-drama
-- apps' rank weights r^(-a_prior) per day, split US / non-US. Each (day, store, country, app) counts once,
-- with its best-ranked entry among the measure's charts.
WITH best AS (
    SELECT
        ce.snapshot_date, ce.store, ce.country, ce.app_key, chart_measure(ce.chart) AS measure,
        max(CAST(pow(ce.rank, -p.a_prior) AS DECIMAL(38, 18))) AS w
    FROM core.chart_entries AS ce
    JOIN core.apps AS a ON a.app_key = ce.app_key AND a.is_short_drama
    JOIN core.estimate_priors AS p ON p.store = ce.store AND p.measure = chart_measure(ce.chart)
    LEFT JOIN core.app_store_ids AS x ON x.store = ce.store AND x.store_app_id = ce.store_app_id
    WHERE ce.snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
      AND NOT coalesce(x.excluded, false)  -- a suspect catalog id, until confirmed
    GROUP BY ALL
),
days AS (
    SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start, count(DISTINCT snapshot_date) AS n_days
    FROM core.chart_entries
    WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
)
SELECT
    CAST(date_trunc('week', b.snapshot_date) AS DATE) AS window_start,
    b.measure,
    b.country = 'us' AS is_us,
    CAST(sum(b.w) AS DOUBLE) / any_value(d.n_days) AS weight_per_day
FROM best AS b
JOIN days AS d ON d.window_start = CAST(date_trunc('week', b.snapshot_date) AS DATE)
GROUP BY ALL
ORDER BY ALL;
