-- core.app_estimates for the refresh weeks, from the fits in core.estimate_params.
--   ranked rows: every charted app (with a product key): est = b r^(-a), band est x/÷ exp(band_z sigma); at the
--                head (ranks 1-10) of fitted and pooled download curves times exp(head_correction of the chart's bucket);
--   tail rows:   every tracked (short-drama) app with a listing in the store that is not ranked in a captured
--                top-free or top-grossing chart that day: est = tail_fraction * d(N+1), band [0, d(N+1)],
--                N = the chart's depth that day (a free app's absence from top-paid says nothing: no tail);
--                only from the day the app is known in the store: the earliest first_seen_date of its
--                listings there (core.app_store_ids; a listing no loaded batch has seen, e.g. a catalog
--                store id never charted, has none and gives no tail rows). Before that we do not know it had
--                launched (docs/methodology.md, section 5); scope.sql refreshes the days this start moves over.
--                And only in a storefront where the app has been seen (charted or its listing fetched there) on or
--                before that day: an app of one country (红果短剧 in cn) has no tail in the others.
-- is_primary picks the one row per (day, store, country, app, measure) the marts use.
DELETE FROM core.app_estimates
WHERE (SELECT full_rebuild FROM refresh_mode);

DELETE FROM core.app_estimates
WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i));

INSERT INTO core.app_estimates
WITH settings AS (
    SELECT max(value) FILTER (WHERE name = 'band_z') AS z,
           max(value) FILTER (WHERE name = 'tail_fraction') AS k
    FROM core.estimate_settings
),
params AS (
    SELECT window_start, store, country, chart, genre, measure, method, a, b, sigma
    FROM core.estimate_params
    WHERE method IN ('fit', 'pooled', 'prior', 'held') AND window_start IN (SELECT week_start FROM refresh_weeks)
),
caps AS (
    SELECT snapshot_date, store, country, chart, genre, max(rank) AS depth
    FROM core.chart_entries
    WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
),
head AS (  -- head_correction: per week and chart, log factors for effective ranks [1,2), [2,4), [4,11)
    SELECT window_start, store, chart, genre, r.lo,
           coalesce(lead(r.lo) OVER (PARTITION BY window_start, store, chart, genre ORDER BY r.lo), 11) AS hi, r.h
    FROM core.estimate_params,
         LATERAL (SELECT unnest(obs_ranks) AS lo, unnest(residuals) AS h) AS r
    WHERE method = 'head_correction' AND window_start IN (SELECT week_start FROM refresh_weeks)
),
ranked AS (
    SELECT snapshot_date, store, country, chart, genre, app_key, min(rank) AS rank
    FROM core.chart_entries
    WHERE app_key IS NOT NULL
      AND snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
),
tracked AS (
    SELECT ids.store, a.app_key, min(ids.first_seen_date) AS known_from
    FROM core.app_store_ids AS ids
    JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.first_seen_date IS NOT NULL AND NOT coalesce(ids.excluded, false)  -- suspect catalog id
    GROUP BY ALL
),
seen AS (  -- the day an app is first seen in a storefront: charted there or its listing fetched there
    SELECT store, country, app_key, min(snapshot_date) AS seen_from
    FROM (SELECT snapshot_date, store, country, app_key FROM core.chart_entries WHERE app_key IS NOT NULL
          UNION ALL
          SELECT snapshot_date, store, country, app_key FROM core.app_metrics WHERE app_key IS NOT NULL)
    GROUP BY ALL
),
candidates AS (
    SELECT c.snapshot_date, c.store, c.country, c.chart, c.genre, r.app_key, r.rank, c.depth
    FROM caps AS c
    JOIN ranked AS r USING (snapshot_date, store, country, chart, genre)
    UNION ALL
    SELECT c.snapshot_date, c.store, c.country, c.chart, c.genre, t.app_key, NULL, c.depth
    FROM caps AS c
    JOIN tracked AS t ON t.store = c.store AND c.snapshot_date >= t.known_from
    JOIN seen AS v
        ON v.store = c.store AND v.country = c.country AND v.app_key = t.app_key AND c.snapshot_date >= v.seen_from
    LEFT JOIN ranked AS r
        ON r.snapshot_date = c.snapshot_date AND r.store = c.store AND r.country = c.country
       AND r.chart = c.chart AND r.genre = c.genre AND r.app_key = t.app_key
    WHERE r.app_key IS NULL AND c.chart IN ('top-free', 'top-grossing')
),
estimated AS (
    SELECT
        x.snapshot_date, x.store, x.country, x.chart, x.genre, x.app_key, p.measure, x.rank, x.depth,
        CASE WHEN x.rank IS NULL THEN 'tail' ELSE 'ranked' END AS basis,
        CASE WHEN x.rank IS NULL THEN s.k * p.b * pow(x.depth + 1, -p.a)
             ELSE p.b * pow(x.rank, -p.a) * exp(coalesce(h.h, 0)) END AS est,
        CASE WHEN x.rank IS NULL THEN 0.0 ELSE p.b * pow(x.rank, -p.a) * exp(coalesce(h.h, 0) - s.z * p.sigma) END AS low,
        CASE WHEN x.rank IS NULL THEN p.b * pow(x.depth + 1, -p.a)
             ELSE p.b * pow(x.rank, -p.a) * exp(coalesce(h.h, 0) + s.z * p.sigma) END AS high,
        p.sigma, p.method, p.window_start,
        coalesce(f.family = 'overall', false) AS overall
    FROM candidates AS x
    JOIN params AS p
        ON p.window_start = CAST(date_trunc('week', x.snapshot_date) AS DATE) AND p.store = x.store
       AND p.country = x.country AND p.chart = x.chart AND p.genre = x.genre
    LEFT JOIN head AS h
        ON h.window_start = p.window_start AND h.store = p.store AND h.chart = p.chart AND h.genre = p.genre
       AND p.measure = 'downloads'
       AND p.method IN ('fit', 'pooled') AND x.rank >= h.lo AND x.rank < h.hi
    LEFT JOIN core.chart_families AS f ON f.store = x.store AND f.genre = x.genre
    CROSS JOIN settings AS s
)
SELECT
    snapshot_date, store, country, chart, genre, app_key, measure, rank, depth AS chart_depth, basis,
    CASE WHEN measure = 'downloads' THEN est END AS est_downloads,
    CASE WHEN measure = 'revenue' THEN est END AS est_revenue,
    low, high, sigma, method, window_start,
    row_number() OVER (
        PARTITION BY snapshot_date, store, country, app_key, measure
        ORDER BY basis = 'tail', CASE WHEN basis = 'ranked' THEN sigma END, CASE WHEN basis = 'tail' THEN high END,
                 NOT overall, chart, genre
    ) = 1 AS is_primary
FROM estimated
ORDER BY snapshot_date, store, country, chart, genre, app_key, measure;
