-- marts.market_share, basis 'chart_presence': rank-weighted chart presence of short-drama apps.
-- A chart entry at rank r weighs w(r) = r^(-exponent); an app's share of its group is its weight sum divided
-- by the weight sum of all short-drama apps in the same (grain, period, store, country, chart, genre).
-- Week grain sums the daily weights per app over the ISO week (period_start = the Monday).

DELETE FROM marts.market_share WHERE basis = 'chart_presence';

INSERT INTO marts.market_share (
    basis, grain, period_start, iso_week, store, country, chart, genre, app_key, app_name,
    weight_sum, share, best_rank, days_present, entries, apps_in_group
)
WITH params AS (
    -- THE rank-weight exponent: the power-law shape of rank vs. downloads for US iPhone apps
    -- (Garg & Telang 2013). Change it here only.
    SELECT 0.944::DOUBLE AS rank_exponent
),
weighted AS (
    SELECT
        ce.snapshot_date, ce.store, ce.country, ce.chart, ce.genre, ce.rank, ce.app_key,
        -- weights as exact decimals: their sums do not depend on the order DuckDB's threads add them in,
        -- so rebuilding the mart gives bit-identical shares
        CAST(pow(ce.rank::DOUBLE, -p.rank_exponent) AS DECIMAL(38, 18)) AS w
    FROM core.chart_entries AS ce
    JOIN core.apps AS a ON a.app_key = ce.app_key AND a.is_short_drama
    CROSS JOIN params AS p
),
periods AS (
    SELECT 'day' AS grain, snapshot_date AS period_start, * FROM weighted
    UNION ALL
    SELECT 'week' AS grain, CAST(date_trunc('week', snapshot_date) AS DATE) AS period_start, * FROM weighted
),
per_app AS (
    SELECT
        grain, period_start, store, country, chart, genre, app_key,
        sum(w) AS weight_sum,
        min(rank) AS best_rank,
        count(DISTINCT snapshot_date) AS days_present,
        count(*) AS entries
    FROM periods
    GROUP BY ALL
)
SELECT
    'chart_presence' AS basis,
    pa.grain,
    pa.period_start,
    strftime(pa.period_start, '%G-W%V') AS iso_week,
    pa.store, pa.country, pa.chart, pa.genre, pa.app_key,
    a.name AS app_name,
    CAST(pa.weight_sum AS DOUBLE) AS weight_sum,
    CAST(pa.weight_sum AS DOUBLE) / CAST(sum(pa.weight_sum) OVER grp AS DOUBLE) AS share,
    pa.best_rank,
    pa.days_present,
    pa.entries,
    count(*) OVER grp AS apps_in_group
FROM per_app AS pa
JOIN core.apps AS a USING (app_key)
WINDOW grp AS (PARTITION BY pa.grain, pa.period_start, pa.store, pa.country, pa.chart, pa.genre)
ORDER BY basis, grain, period_start, store, country, chart, genre, share DESC, app_key;
