-- marts.market_share, basis 'chart_presence': rank-weighted chart presence of short-drama apps.
-- A chart entry at rank r weighs w(r) = r^(-exponent); an app's share of its group is its weight sum divided
-- by the weight sum of all short-drama apps in the same (grain, period, store, country, chart, genre).
-- Week grain sums the daily weights per app over the ISO week (period_start = the Monday).
-- The same exponent is used for both stores (no published Google Play estimate is assumed).
--
-- Per store: one group per (grain, period, store, country, chart, genre): store app_store | google_play,
-- genre as in core.chart_entries (App Store 6016/all, Google Play ENTERTAINMENT/APPLICATION, ...).
--
-- Both stores (store = 'both', genre = the chart family of core.chart_families: entertainment | overall):
-- the two stores' charts of the same family and chart name (top-free, top-grossing, ...) in one country and
-- on one day form one group; an app's weight is the sum of its weights in both charts (one product across
-- stores: core.apps / core.app_store_ids). DECISION: a day contributes to a 'both' group only when BOTH
-- stores have that family and chart in that country on that day (any entries, short drama or not); a day
-- with one store only would just repeat that store's group and make 'both' shares jump with coverage. So
-- stores_in_group is 2 for every 'both' row (1 for a store's own rows), and a 'both' week sums the daily
-- weights of the days on which both stores were captured. Shares sum to 1 in every group, 'both' included.
--
-- Market: every group is one country, so one market (core.countries.market: china for cn, else overseas); the
-- overseas market share is market = 'overseas'. A suspect catalog store id (core.app_store_ids.excluded) is left
-- out until a person confirms it.
--
-- Incremental (warehouse/marts.py): only the days and ISO weeks of the refresh weeks (TEMP refresh_weeks,
-- warehouse/estimates/sql/scope.sql) are recomputed; a full build (refresh_mode.full_rebuild) clears all.
-- The refresh weeks' days are selected with `snapshot_date IN (their days)`, not `date_trunc('week', ...)
-- IN (the weeks)`: the semi-join lets DuckDB skip the row groups outside those days (zone maps), where a
-- computed expression has to be evaluated on every row of the history.

DELETE FROM marts.market_share
WHERE basis = 'chart_presence' AND (SELECT full_rebuild FROM refresh_mode);

DELETE FROM marts.market_share  -- day rows of those days, week rows of those weeks (their Mondays)
WHERE basis = 'chart_presence'
  AND period_start IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i));

INSERT INTO marts.market_share (
    basis, grain, period_start, iso_week, store, country, chart, genre, app_key, app_name,
    weight_sum, share, best_rank, days_present, entries, apps_in_group, stores_in_group, market
)
WITH params AS (
    -- THE rank-weight exponent: the power-law shape of rank vs. downloads for US iPhone apps
    -- (Garg & Telang 2013). Change it here only.
    SELECT 0.944::DOUBLE AS rank_exponent
),
refresh_days AS (
    SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) AS d FROM refresh_weeks, range(7) AS t(i)
),
store_weighted AS (
    SELECT
        ce.snapshot_date, ce.store, ce.country, ce.chart, ce.genre, ce.rank, ce.app_key, f.family,
        -- weights as exact decimals: their sums do not depend on the order DuckDB's threads add them in,
        -- so rebuilding the mart gives bit-identical shares
        CAST(pow(ce.rank::DOUBLE, -p.rank_exponent) AS DECIMAL(38, 18)) AS w
    FROM core.chart_entries AS ce
    JOIN core.apps AS a ON a.app_key = ce.app_key AND a.is_short_drama
    LEFT JOIN core.chart_families AS f ON f.store = ce.store AND f.genre = ce.genre
    LEFT JOIN core.app_store_ids AS x ON x.store = ce.store AND x.store_app_id = ce.store_app_id
    CROSS JOIN params AS p
    WHERE ce.snapshot_date IN (SELECT d FROM refresh_days)
      AND NOT coalesce(x.excluded, false)  -- a suspect catalog id, until a person confirms it
),
both_store_days AS (
    -- (day, country, chart, family) captured in both stores
    SELECT ce.snapshot_date, ce.country, ce.chart, f.family
    FROM core.chart_entries AS ce
    JOIN core.chart_families AS f ON f.store = ce.store AND f.genre = ce.genre
    WHERE ce.snapshot_date IN (SELECT d FROM refresh_days)
    GROUP BY ALL
    HAVING count(DISTINCT ce.store) = 2
),
weighted AS (
    SELECT snapshot_date, store, country, chart, genre, rank, app_key, w, 1 AS stores_in_group
    FROM store_weighted
    UNION ALL
    SELECT sw.snapshot_date, 'both', sw.country, sw.chart, sw.family, sw.rank, sw.app_key, sw.w, 2
    FROM store_weighted AS sw
    JOIN both_store_days AS d USING (snapshot_date, country, chart, family)
),
periods AS (
    SELECT 'day' AS grain, snapshot_date AS period_start, * FROM weighted
    UNION ALL
    SELECT 'week' AS grain, CAST(date_trunc('week', snapshot_date) AS DATE) AS period_start, * FROM weighted
),
per_app AS (
    SELECT
        grain, period_start, store, country, chart, genre, app_key, stores_in_group,
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
    count(*) OVER grp AS apps_in_group,
    pa.stores_in_group,
    coalesce(c.market, 'overseas') AS market
FROM per_app AS pa
JOIN core.apps AS a USING (app_key)
LEFT JOIN core.countries AS c ON c.country = pa.country
WINDOW grp AS (PARTITION BY pa.grain, pa.period_start, pa.store, pa.country, pa.chart, pa.genre)
ORDER BY basis, grain, period_start, store, country, chart, genre, share DESC, app_key;
