-- The reported check (only run when core.reported_metrics exists with columns app, metric, value, currency,
-- period): every app-level downloads or USD revenue figure the news reported for a period (YYYY-MM,
-- YYYY-Qn, YYYY-Hn, YYYY) that the data overlaps, next to the estimates' daily rate over the covered days.
-- The estimates cover the tracked countries only, so they should come out below a global figure.
DELETE FROM core.estimate_params WHERE method = 'check_reported';

INSERT INTO core.estimate_params BY NAME
WITH reported AS (
    SELECT
        r.app_name AS app, r.metric AS measure, CAST(r.value AS DOUBLE) AS value, r.period,
        CASE
            WHEN regexp_full_match(r.period, '\d{4}-\d{2}')
                THEN make_date(CAST(left(r.period, 4) AS INTEGER), CAST(right(r.period, 2) AS INTEGER), 1)
            WHEN regexp_full_match(r.period, '\d{4}-Q[1-4]')
                THEN make_date(CAST(left(r.period, 4) AS INTEGER), 3 * CAST(right(r.period, 1) AS INTEGER) - 2, 1)
            WHEN regexp_full_match(r.period, '\d{4}-H[12]')
                THEN make_date(CAST(left(r.period, 4) AS INTEGER), 6 * CAST(right(r.period, 1) AS INTEGER) - 5, 1)
            WHEN regexp_full_match(r.period, '\d{4}') THEN make_date(CAST(r.period AS INTEGER), 1, 1)
        END AS period_start,
        CASE
            WHEN regexp_full_match(r.period, '\d{4}-\d{2}') THEN 1
            WHEN regexp_full_match(r.period, '\d{4}-Q[1-4]') THEN 3
            WHEN regexp_full_match(r.period, '\d{4}-H[12]') THEN 6
            WHEN regexp_full_match(r.period, '\d{4}') THEN 12
        END AS months
    FROM core.reported_metrics AS r
    WHERE r.metric IN ('downloads', 'revenue') AND r.app_name IS NOT NULL AND r.value IS NOT NULL
      AND (r.metric = 'downloads' OR coalesce(r.currency, 'USD') = 'USD')
),
matched AS (
    SELECT a.app_key, rp.measure, rp.value, rp.period, rp.period_start,
           CAST(rp.period_start + to_months(rp.months) - INTERVAL 1 DAY AS DATE) AS period_end
    FROM reported AS rp
    JOIN core.apps AS a ON lower(a.name) = lower(rp.app) OR a.app_key = lower(rp.app)
    WHERE rp.period_start IS NOT NULL
),
figures AS (
    SELECT app_key, measure, period_start, any_value(period_end) AS period_end,
           median(value) AS value, count(*) AS reports
    FROM matched
    GROUP BY ALL
),
estimated AS (
    SELECT f.app_key, f.measure, f.period_start,
           CAST(sum(CAST(coalesce(e.est_downloads, e.est_revenue) AS DECIMAL(38, 9))) AS DOUBLE) AS total,
           count(DISTINCT e.snapshot_date) AS days
    FROM figures AS f
    JOIN core.app_estimates AS e
        ON e.app_key = f.app_key AND e.measure = f.measure AND e.is_primary
       AND e.snapshot_date BETWEEN f.period_start AND f.period_end
    GROUP BY ALL
)
SELECT
    f.period_start AS window_start, f.period_end AS window_end, 'all' AS store, 'global' AS country,
    'reported_metrics' AS chart, f.app_key AS genre, f.measure, 'check_reported' AS method,
    f.value / (f.period_end - f.period_start + 1) AS reference_value,
    x.total / x.days AS estimated_value,
    CAST(x.days AS INTEGER) AS n_obs, 0 AS n_zero,
    CAST(json_object('source', 'core.reported_metrics', 'reports', f.reports, 'reported_value', f.value,
                     'covered_days', x.days, 'note', 'estimates cover the tracked countries only') AS JSON) AS inputs
FROM figures AS f
JOIN estimated AS x USING (app_key, measure, period_start);
