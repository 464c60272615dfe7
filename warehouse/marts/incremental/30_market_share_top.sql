-- marts.market_share_top: short-drama market share by basis × grain × geography, top N apps + others.
--   chart_presence      : the day rows of marts.market_share (rank weights, per store and store = both);
--   estimated_downloads : est_downloads of marts.download_trends (per store, and both = the stores summed);
--   estimated_revenue   : est_revenue of marts.download_trends (likewise).
-- A group is (basis, grain, period_start, store, geo_level, geo, chart, genre); its apps are ranked by value
-- (ties: app_key); the first refresh_mode.top_n keep a row each, the rest fold into one others row, so the
-- shares of a group sum to 1. Values are summed as exact decimals (same bits on every rebuild).
--
-- Market (core.countries.market): a country, region and global group lies in one market; the global level is
-- per market (geo global = overseas, geo china = the China storefront), so overseas shares never mix in China.
--
-- Incremental: the day, ISO-week and month periods containing the refresh weeks' days
-- (refresh_share_periods); a month is recomputed from all its days. The DELETE is a semi-join on those
-- periods (not OR-ed with the full-build flag, which would make DuckDB test every row), and rows are
-- inserted in period order, so DuckDB's zone maps skip the rest of the table.

DELETE FROM marts.market_share_top
WHERE (SELECT full_rebuild FROM refresh_mode);

DELETE FROM marts.market_share_top
WHERE EXISTS (SELECT 1 FROM refresh_share_periods AS p
              WHERE p.grain = marts.market_share_top.grain AND p.period_start = marts.market_share_top.period_start);

INSERT INTO marts.market_share_top
WITH periods AS (
    SELECT grain, period_start, period_end FROM refresh_share_periods
),
span AS (
    SELECT min(period_start) AS first_day, max(period_end) AS last_day FROM periods
),
facts AS (
    SELECT 'chart_presence' AS basis, m.period_start AS day, m.store, m.store AS source_store, m.country,
           m.chart, m.genre, m.app_key, CAST(m.weight_sum AS DECIMAL(38, 12)) AS v,
           CAST(NULL AS DECIMAL(38, 12)) AS v_low, CAST(NULL AS DECIMAL(38, 12)) AS v_high
    FROM marts.market_share AS m, span
    WHERE m.basis = 'chart_presence' AND m.grain = 'day' AND m.period_start BETWEEN span.first_day AND span.last_day
    UNION ALL
    SELECT 'estimated_downloads', t.snapshot_date, s.store, t.store, t.country, 'all', 'all', t.app_key,
           CAST(t.est_downloads AS DECIMAL(38, 12)), CAST(t.downloads_low AS DECIMAL(38, 12)),
           CAST(t.downloads_high AS DECIMAL(38, 12))
    FROM marts.download_trends AS t, span, (VALUES (false), (true)) AS both_stores(is_both),
         LATERAL (SELECT CASE WHEN both_stores.is_both THEN 'both' ELSE t.store END AS store) AS s
    WHERE t.est_downloads IS NOT NULL AND t.snapshot_date BETWEEN span.first_day AND span.last_day
    UNION ALL
    SELECT 'estimated_revenue', t.snapshot_date, s.store, t.store, t.country, 'all', 'all', t.app_key,
           CAST(t.est_revenue AS DECIMAL(38, 12)), CAST(t.revenue_low AS DECIMAL(38, 12)),
           CAST(t.revenue_high AS DECIMAL(38, 12))
    FROM marts.download_trends AS t, span, (VALUES (false), (true)) AS both_stores(is_both),
         LATERAL (SELECT CASE WHEN both_stores.is_both THEN 'both' ELSE t.store END AS store) AS s
    WHERE t.est_revenue IS NOT NULL AND t.snapshot_date BETWEEN span.first_day AND span.last_day
),
in_periods AS (
    SELECT p.grain, p.period_start, f.*
    FROM facts AS f
    JOIN periods AS p ON f.day BETWEEN p.period_start AND p.period_end
),
marketed AS (
    SELECT x.*, coalesce(c.market, 'overseas') AS market, coalesce(c.region, 'other') AS region
    FROM in_periods AS x LEFT JOIN core.countries AS c ON c.country = x.country
),
geo AS (  -- the global level is per market: global = the overseas countries, china = the China storefront
    SELECT x.* EXCLUDE (region), 'country' AS geo_level, x.country AS geo FROM marketed AS x
    UNION ALL
    SELECT x.* EXCLUDE (region), 'region', x.region FROM marketed AS x
    UNION ALL
    SELECT x.* EXCLUDE (region), 'global', CASE x.market WHEN 'china' THEN 'china' ELSE 'global' END
    FROM marketed AS x
),
per_app AS (
    SELECT basis, grain, period_start, store, geo_level, geo, chart, genre, app_key, market,
           sum(v) AS v, sum(v_low) AS v_low, sum(v_high) AS v_high
    FROM geo
    GROUP BY ALL
    HAVING sum(v) > 0
),
per_group AS (
    SELECT basis, grain, period_start, store, geo_level, geo, chart, genre,
           count(DISTINCT country) AS countries_in_group,
           CASE WHEN basis = 'chart_presence' AND store = 'both' THEN 2 ELSE count(DISTINCT source_store) END
               AS stores_in_group
    FROM geo
    WHERE v > 0
    GROUP BY basis, grain, period_start, store, geo_level, geo, chart, genre
),
ranked AS (
    SELECT *,
           row_number() OVER grp AS position,
           count(*) OVER (PARTITION BY basis, grain, period_start, store, geo_level, geo, chart, genre) AS apps_in_group,
           sum(v) OVER (PARTITION BY basis, grain, period_start, store, geo_level, geo, chart, genre) AS total
    FROM per_app
    WINDOW grp AS (PARTITION BY basis, grain, period_start, store, geo_level, geo, chart, genre ORDER BY v DESC, app_key)
),
top_n AS (
    SELECT r.basis, r.grain, r.period_start, r.store, r.geo_level, r.geo, r.chart, r.genre, r.app_key,
           CAST(r.position AS INTEGER) AS position, a.name AS app_name, r.v, r.v_low, r.v_high, r.total,
           1 AS apps_in_row, r.apps_in_group, r.market
    FROM ranked AS r
    LEFT JOIN core.apps AS a ON a.app_key = r.app_key
    WHERE r.position <= (SELECT top_n FROM refresh_mode)
    UNION ALL
    SELECT basis, grain, period_start, store, geo_level, geo, chart, genre, 'others',
           CAST(any_value(cfg.top_n) + 1 AS INTEGER), 'Others', sum(v), sum(v_low), sum(v_high), any_value(total),
           count(*), any_value(apps_in_group), any_value(market)
    FROM ranked, refresh_mode AS cfg
    WHERE position > cfg.top_n
    GROUP BY basis, grain, period_start, store, geo_level, geo, chart, genre
)
SELECT
    t.basis, t.grain, t.period_start,
    CASE t.grain WHEN 'day' THEN strftime(t.period_start, '%Y-%m-%d')
                 WHEN 'week' THEN strftime(t.period_start, '%G-W%V')
                 ELSE strftime(t.period_start, '%Y-%m') END AS period_label,
    t.store, t.geo_level, t.geo, t.chart, t.genre, t.app_key, t.position, t.app_name,
    CAST(t.v AS DOUBLE) AS value, CAST(t.v_low AS DOUBLE) AS value_low, CAST(t.v_high AS DOUBLE) AS value_high,
    CAST(t.v AS DOUBLE) / CAST(t.total AS DOUBLE) AS share,
    CAST(t.apps_in_row AS INTEGER), CAST(t.apps_in_group AS INTEGER),
    CAST(g.countries_in_group AS INTEGER), CAST(g.stores_in_group AS INTEGER), t.market
FROM top_n AS t
JOIN per_group AS g USING (basis, grain, period_start, store, geo_level, geo, chart, genre)
ORDER BY t.basis, t.grain, t.period_start, t.store, t.geo_level, t.geo, t.chart, t.genre, t.position;
