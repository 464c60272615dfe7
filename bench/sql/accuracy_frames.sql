-- The accuracy benchmark's frames: the warehouse's estimates next to the simulated world's truth.
-- Needs: the warehouse attached as its own catalog (core.*, marts.*), `truth` (the capture's truth.parquet) and
-- `tracked` (country) as views. Everything is restricted to the tracked countries and fully captured ISO weeks.
CREATE OR REPLACE TEMP TABLE ids AS
SELECT store, store_app_id, app_key FROM core.app_store_ids;

CREATE OR REPLACE TEMP TABLE weeks AS
SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS week
FROM core.chart_entries GROUP BY ALL HAVING count(DISTINCT snapshot_date) = 7;

-- truth per app (product key), store, country and day, for the tracked countries
CREATE OR REPLACE TEMP TABLE truth_day AS
SELECT t.date AS snapshot_date, t.store, t.country, i.app_key, any_value(t.short_drama) AS short_drama,
       sum(t.downloads) AS downloads, sum(t.revenue) AS revenue
FROM truth AS t
JOIN ids AS i ON i.store = t.store AND i.store_app_id = t.store_app_id
WHERE t.country IN (SELECT country FROM tracked)
GROUP BY ALL;

-- the primary estimate of every app-day-measure, with its band
CREATE OR REPLACE TEMP TABLE est_day AS
SELECT e.snapshot_date, e.store, e.country, e.app_key, e.measure, e.basis, e.rank,
       coalesce(e.est_downloads, e.est_revenue) AS est, e.low, e.high
FROM core.app_estimates AS e
WHERE e.is_primary;

-- downloads per app x store x country x ISO week, for app-weeks ranked in a top-50 chart that week
CREATE OR REPLACE TEMP TABLE app_weeks AS
WITH best AS (
    SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS week, store, country, app_key, min(rank) AS best_rank
    FROM core.chart_entries
    WHERE app_key IS NOT NULL AND chart <> 'top-grossing'
    GROUP BY ALL
),
est AS (
    SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS week, store, country, app_key,
           sum(est) AS est, count(*) AS days
    FROM est_day WHERE measure = 'downloads' GROUP BY ALL
),
tru AS (
    SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS week, store, country, app_key,
           any_value(short_drama) AS short_drama, sum(downloads) AS truth
    FROM truth_day GROUP BY ALL
)
SELECT b.week, b.store, b.country, b.app_key, t.short_drama, b.best_rank, e.est, t.truth,
       abs(e.est - t.truth) / t.truth AS ape
FROM best AS b
JOIN est AS e USING (week, store, country, app_key)
JOIN tru AS t USING (week, store, country, app_key)
WHERE b.best_rank <= 50 AND e.days = 7 AND t.truth > 0 AND b.week IN (SELECT week FROM weeks);

-- band coverage: ranked primary app-days with a truth
CREATE OR REPLACE TEMP TABLE bands AS
SELECT e.measure, e.store, e.country, t.short_drama,
       (CASE WHEN e.measure = 'downloads' THEN t.downloads ELSE t.revenue END) BETWEEN e.low AND e.high AS inside
FROM est_day AS e
JOIN truth_day AS t USING (snapshot_date, store, country, app_key)
WHERE e.basis = 'ranked' AND CAST(date_trunc('week', e.snapshot_date) AS DATE) IN (SELECT week FROM weeks);

-- the short-drama category per week over the tracked countries (both stores): estimate vs truth
CREATE OR REPLACE TEMP TABLE category_weeks AS
WITH est AS (
    SELECT CAST(date_trunc('week', e.snapshot_date) AS DATE) AS week, e.measure, sum(e.est) AS est
    FROM est_day AS e JOIN core.apps AS a ON a.app_key = e.app_key AND a.is_short_drama
    GROUP BY ALL
),
tru AS (
    SELECT CAST(date_trunc('week', date) AS DATE) AS week,
           sum(downloads) FILTER (WHERE short_drama) AS downloads, sum(revenue) FILTER (WHERE short_drama) AS revenue
    FROM truth WHERE country IN (SELECT country FROM tracked) GROUP BY ALL
)
SELECT e.week, e.measure, e.est, CASE WHEN e.measure = 'downloads' THEN t.downloads ELSE t.revenue END AS truth,
       e.est / CASE WHEN e.measure = 'downloads' THEN t.downloads ELSE t.revenue END AS ratio
FROM est AS e JOIN tru AS t USING (week)
WHERE e.week IN (SELECT week FROM weeks);

-- weekly market share (both stores) per country and over the tracked countries: the mart vs the truth, over
-- the top 10 apps of the truth; an app the mart folds into "others" or omits counts with share 0
CREATE OR REPLACE TEMP TABLE share_errors AS
WITH mart AS (
    SELECT basis, period_start AS week, geo_level, geo, app_key, share
    FROM marts.market_share_top
    WHERE grain = 'week' AND store = 'both' AND geo_level IN ('country', 'global')
      AND basis IN ('estimated_downloads', 'estimated_revenue') AND app_key <> 'others'
),
tru_app AS (
    SELECT CAST(date_trunc('week', snapshot_date) AS DATE) AS week, country, app_key,
           sum(downloads) AS downloads, sum(revenue) AS revenue
    FROM truth_day WHERE short_drama GROUP BY ALL
),
tru_geo AS (
    SELECT week, 'country' AS geo_level, country AS geo, app_key, downloads, revenue FROM tru_app
    UNION ALL
    SELECT week, 'global', 'global', app_key, sum(downloads), sum(revenue) FROM tru_app GROUP BY ALL
),
tru_share AS (
    SELECT b.basis, g.week, g.geo_level, g.geo, g.app_key,
           CASE WHEN b.basis = 'estimated_downloads' THEN g.downloads ELSE g.revenue END
           / sum(CASE WHEN b.basis = 'estimated_downloads' THEN g.downloads ELSE g.revenue END)
             OVER (PARTITION BY b.basis, g.week, g.geo_level, g.geo) AS share
    FROM tru_geo AS g CROSS JOIN (VALUES ('estimated_downloads'), ('estimated_revenue')) AS b(basis)
),
top10 AS (
    SELECT * FROM tru_share
    QUALIFY row_number() OVER (PARTITION BY basis, week, geo_level, geo ORDER BY share DESC, app_key) <= 10
)
SELECT t.basis, t.week, t.geo_level, t.geo, t.app_key, t.share AS true_share, coalesce(m.share, 0) AS est_share,
       abs(coalesce(m.share, 0) - t.share) * 100 AS error_pp
FROM top10 AS t
LEFT JOIN mart AS m USING (basis, week, geo_level, geo, app_key)
WHERE t.week IN (SELECT week FROM weeks)
  AND EXISTS (SELECT 1 FROM mart AS x WHERE x.basis = t.basis AND x.week = t.week AND x.geo = t.geo);
