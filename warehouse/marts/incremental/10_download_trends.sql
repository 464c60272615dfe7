-- marts.download_trends: one row per tracked (short-drama) app, store (where it has a listing), country and
-- day the store's charts were captured there, from the day the app is known in the store (the earliest
-- first_seen_date of its listings there: the start of its tail rows in core.app_estimates). Estimates are the
-- primary rows of core.app_estimates (ranked, else the below-chart tail: unranked days are not zero
-- downloads). Sums are exact decimals, so a rebuild, full or incremental, gives the same bits.
--
-- Incremental: the rows of the refresh weeks and of the 27 days after each (their 7/28-day sums, the
-- week-over-week change and the milestones look back at most 27 days). Those days are selected with
-- `snapshot_date IN (the days)` and the inputs with ranges on snapshot_date, which DuckDB's zone maps prune
-- to the days concerned (a correlated `EXISTS (... BETWEEN ...)` is evaluated on every row of the history).
-- Rows are inserted in day order, so the zone maps of this table stay tight for the marts that read it.

DELETE FROM marts.download_trends
WHERE (SELECT full_rebuild FROM refresh_mode);

DELETE FROM marts.download_trends
WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(34) AS t(i));

INSERT INTO marts.download_trends
WITH settings AS (
    SELECT CAST(value AS INTEGER) AS max_gap FROM core.estimate_settings WHERE name = 'max_gap_days'
),
trend_days AS (
    SELECT DISTINCT ce.snapshot_date, ce.store, ce.country
    FROM core.chart_entries AS ce
    WHERE ce.snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE)
                               FROM refresh_weeks, range(34) AS t(i))
),
tracked AS (
    SELECT ids.store, a.app_key, a.name AS app_name, min(ids.first_seen_date) AS known_from
    FROM core.app_store_ids AS ids
    JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.first_seen_date IS NOT NULL AND NOT coalesce(ids.excluded, false)  -- suspect catalog id
    GROUP BY ALL
),
grid AS (
    SELECT d.snapshot_date, d.store, d.country, t.app_key, t.app_name
    FROM trend_days AS d
    JOIN tracked AS t ON t.store = d.store AND d.snapshot_date >= t.known_from
),
estimates AS (
    SELECT snapshot_date, store, country, app_key, measure, basis, chart || '/' || genre AS source_chart,
           coalesce(est_downloads, est_revenue) AS est, low, high,
           CAST(coalesce(est_downloads, est_revenue) AS DECIMAL(38, 12)) AS v
    FROM core.app_estimates
    WHERE is_primary AND snapshot_date >= (SELECT min(snapshot_date) FROM trend_days) - 27
),
rolling AS (
    SELECT
        g.snapshot_date, g.store, g.country, g.app_key,
        sum(e.v) FILTER (WHERE e.measure = 'downloads' AND e.snapshot_date > g.snapshot_date - 7) AS downloads_7d,
        count(*) FILTER (WHERE e.measure = 'downloads' AND e.snapshot_date > g.snapshot_date - 7) AS days_7d,
        sum(e.v) FILTER (WHERE e.measure = 'downloads') AS downloads_28d,
        count(*) FILTER (WHERE e.measure = 'downloads') AS days_28d,
        sum(e.v) FILTER (WHERE e.measure = 'downloads'
                           AND e.snapshot_date BETWEEN g.snapshot_date - 13 AND g.snapshot_date - 7) AS downloads_prev_7d,
        count(*) FILTER (WHERE e.measure = 'downloads'
                           AND e.snapshot_date BETWEEN g.snapshot_date - 13 AND g.snapshot_date - 7) AS days_prev_7d,
        sum(e.v) FILTER (WHERE e.measure = 'revenue' AND e.snapshot_date > g.snapshot_date - 7) AS revenue_7d,
        sum(e.v) FILTER (WHERE e.measure = 'revenue') AS revenue_28d
    FROM grid AS g
    JOIN estimates AS e
        ON e.store = g.store AND e.country = g.country AND e.app_key = g.app_key
       AND e.snapshot_date BETWEEN g.snapshot_date - 27 AND g.snapshot_date
    GROUP BY ALL
),
ranks AS (
    SELECT snapshot_date, store, country, app_key,
           min(rank) AS best_rank,
           arg_min(chart || '/' || genre, (rank, chart, genre)) AS best_rank_chart,
           count(DISTINCT (chart, genre)) AS charts_ranked
    FROM core.chart_entries
    WHERE app_key IS NOT NULL AND snapshot_date >= (SELECT min(snapshot_date) FROM trend_days)
    GROUP BY ALL
),
metrics AS (
    SELECT *,
           snapshot_date - lag(snapshot_date) OVER w AS gap_days,
           lag(min_installs) OVER w AS prev_min_installs,
           lag(real_installs) OVER w AS prev_real_installs
    FROM (
        SELECT snapshot_date, store, country, app_key,
               max(min_installs) AS min_installs, max(real_installs) AS real_installs,
               arg_max(installs_text, (min_installs, installs_text)) AS installs_text
        FROM core.app_metrics
        WHERE app_key IS NOT NULL AND (min_installs IS NOT NULL OR real_installs IS NOT NULL)
          AND snapshot_date >= (SELECT min(snapshot_date) FROM trend_days) - 27
        GROUP BY ALL
    )
    WINDOW w AS (PARTITION BY store, country, app_key ORDER BY snapshot_date)
),
thresholds (threshold, label) AS (
    VALUES (1000000, '1M'), (5000000, '5M'), (10000000, '10M'), (50000000, '50M'), (100000000, '100M'),
           (500000000, '500M'), (1000000000, '1B'), (5000000000, '5B'), (10000000000, '10B')
),
crossed AS (
    SELECT m.snapshot_date, m.store, m.country, m.app_key, list('installs:' || t.label ORDER BY t.threshold) AS labels
    FROM metrics AS m
    JOIN thresholds AS t ON m.prev_real_installs < t.threshold AND m.real_installs >= t.threshold
    WHERE m.gap_days <= (SELECT max_gap FROM settings)
    GROUP BY ALL
)
SELECT
    g.snapshot_date, g.store, g.country, g.app_key,
    coalesce(c.region, 'other') AS region,
    g.app_name,
    d.est AS est_downloads, d.low AS downloads_low, d.high AS downloads_high, d.basis AS downloads_basis,
    d.source_chart AS downloads_chart,
    r.est AS est_revenue, r.low AS revenue_low, r.high AS revenue_high, r.basis AS revenue_basis,
    k.best_rank, k.best_rank_chart, coalesce(k.charts_ranked, 0) AS charts_ranked,
    CAST(o.downloads_7d AS DOUBLE) AS downloads_7d,
    CAST(o.downloads_28d AS DOUBLE) AS downloads_28d,
    coalesce(o.days_7d, 0) AS days_7d,
    coalesce(o.days_28d, 0) AS days_28d,
    CAST(o.revenue_7d AS DOUBLE) AS revenue_7d,
    CAST(o.revenue_28d AS DOUBLE) AS revenue_28d,
    CASE WHEN o.days_7d >= 4 AND o.days_prev_7d >= 4 AND o.downloads_prev_7d > 0
         THEN (CAST(o.downloads_7d AS DOUBLE) / o.days_7d) / (CAST(o.downloads_prev_7d AS DOUBLE) / o.days_prev_7d) - 1
    END AS wow_change,
    m.min_installs, m.real_installs,
    CASE WHEN m.app_key IS NOT NULL THEN list_concat(
        CASE WHEN m.gap_days <= (SELECT max_gap FROM settings) AND m.min_installs > m.prev_min_installs
             THEN ['band:' || m.installs_text] ELSE CAST([] AS VARCHAR[]) END,
        coalesce(x.labels, CAST([] AS VARCHAR[])))
    END AS milestones_crossed
FROM grid AS g
LEFT JOIN estimates AS d
    ON d.snapshot_date = g.snapshot_date AND d.store = g.store AND d.country = g.country
   AND d.app_key = g.app_key AND d.measure = 'downloads'
LEFT JOIN estimates AS r
    ON r.snapshot_date = g.snapshot_date AND r.store = g.store AND r.country = g.country
   AND r.app_key = g.app_key AND r.measure = 'revenue'
LEFT JOIN rolling AS o
    ON o.snapshot_date = g.snapshot_date AND o.store = g.store AND o.country = g.country
   AND o.app_key = g.app_key
LEFT JOIN ranks AS k
    ON k.snapshot_date = g.snapshot_date AND k.store = g.store AND k.country = g.country
   AND k.app_key = g.app_key
LEFT JOIN metrics AS m
    ON m.snapshot_date = g.snapshot_date AND m.store = g.store AND m.country = g.country
   AND m.app_key = g.app_key
LEFT JOIN crossed AS x
    ON x.snapshot_date = g.snapshot_date AND x.store = g.store AND x.country = g.country
   AND x.app_key = g.app_key
LEFT JOIN core.countries AS c ON c.country = g.country
ORDER BY g.snapshot_date, g.store, g.country, g.app_key;
