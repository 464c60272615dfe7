-- Google Play observations: measured daily downloads of ranked short-drama listings per download curve.
-- real_installs is global (every country of the world), the charts are per country. A listing's installs per
-- day (growth / gap) are first cut to the tracked countries' part: the sum of their shares of Google Play's
-- category downloads (core.country_weights, normalised over Google Play) over the countries whose chart of that (chart, genre) was
-- captured that day; the untracked rest of the world keeps the remainder. That part is split over the tracked
-- countries in proportion to what the published-totals curve of each country expects there: w_c g(r) / D_c,
-- g(r) = r^(-a_prior) where ranked, tail_fraction (N+1)^(-a_prior) where not, and D_c = the sum of g over the
-- category's apps in that chart (a rank means more downloads in a country whose category is large for its
-- chart). Only the ranked countries' shares are observations, and only where the listing
-- was ranked in that country's chart at both ends of the growth pair (docs/methodology.md, "Google Play").
-- Short-drama listings only: the country weights are the category's (a general streamer's audience is spread
-- over the countries differently).
WITH gap AS (SELECT value AS days FROM core.estimate_settings WHERE name = 'max_gap_days'),
tail AS (SELECT value AS k FROM core.estimate_settings WHERE name = 'tail_fraction'),
prior AS (SELECT a_prior AS a0 FROM core.estimate_priors WHERE store = 'google_play' AND measure = 'downloads'),
weights AS (  -- each country's share of Google Play's worldwide short-drama downloads (what real_installs counts)
    SELECT country, CAST(weight / sum(weight) OVER () AS DECIMAL(38, 18)) AS wc
    FROM core.country_weights WHERE store = 'google_play' AND measure = 'downloads'
),
drama AS (
    SELECT ids.store_app_id
    FROM core.app_store_ids AS ids JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.store = 'google_play' AND NOT coalesce(ids.excluded, false)  -- suspect catalog id
),
series AS (
    SELECT store_app_id, snapshot_date, max(real_installs) AS installs
    FROM core.app_metrics
    WHERE store = 'google_play' AND real_installs IS NOT NULL
      AND store_app_id IN (SELECT store_app_id FROM drama)
      AND snapshot_date >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 8 DAY
    GROUP BY ALL
),
daily AS (
    SELECT store_app_id, snapshot_date, prev_date, d_installs / gap_days AS per_day
    FROM (
        SELECT store_app_id, snapshot_date, lag(snapshot_date) OVER w AS prev_date,
               snapshot_date - lag(snapshot_date) OVER w AS gap_days,
               installs - lag(installs) OVER w AS d_installs
        FROM series
        WINDOW w AS (PARTITION BY store_app_id ORDER BY snapshot_date)
    )
    WHERE gap_days <= (SELECT days FROM gap) AND d_installs >= 0
      AND snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
),
caps AS (
    SELECT snapshot_date, country, chart, genre, max(rank) AS depth
    FROM core.chart_entries
    WHERE store = 'google_play' AND chart_measure(chart) = 'downloads'
      AND snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
),
entries AS (
    SELECT snapshot_date, country, chart, genre, store_app_id, min(rank) AS rank, arg_min(app_key, rank) AS app_key
    FROM core.chart_entries
    WHERE store = 'google_play' AND chart_measure(chart) = 'downloads'
      AND snapshot_date >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 8 DAY
    GROUP BY ALL
),
known AS (
    SELECT a.app_key, min(ids.first_seen_date) AS known_from
    FROM core.app_store_ids AS ids
    JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.store = 'google_play' AND ids.first_seen_date IS NOT NULL AND NOT coalesce(ids.excluded, false)
    GROUP BY ALL
),
denominators AS (  -- D_c: the category's apps of each chart and day, ranked or tail (as scale_weights.sql)
    SELECT c.snapshot_date, c.country, c.chart, c.genre,
           sum(CAST(CASE WHEN r.rank IS NOT NULL THEN pow(r.rank, -p.a0) ELSE t.k * pow(c.depth + 1, -p.a0) END
                    AS DECIMAL(38, 18))) AS d
    FROM caps AS c
    JOIN known AS k ON c.snapshot_date >= k.known_from
    LEFT JOIN (SELECT snapshot_date, country, chart, genre, app_key, min(rank) AS rank FROM entries
               WHERE app_key IS NOT NULL GROUP BY ALL) AS r
        ON r.snapshot_date = c.snapshot_date AND r.country = c.country AND r.chart = c.chart
       AND r.genre = c.genre AND r.app_key = k.app_key
    CROSS JOIN prior AS p
    CROSS JOIN tail AS t
    WHERE r.rank IS NOT NULL OR c.chart = 'top-free'
    GROUP BY ALL
),
weighted AS (
    SELECT
        d.snapshot_date, d.prev_date, c.country, c.chart, c.genre, d.store_app_id, e.app_key, e.rank, d.per_day,
        coalesce(cw.wc, 0) AS wc,
        -- exact decimals: the split does not depend on the order the weights are added in
        -- each row's weight is rounded to an exact decimal once, so its window sums do not depend on order
        CAST(CAST(coalesce(cw.wc, 0) AS DOUBLE)
             * CASE WHEN e.rank IS NOT NULL THEN pow(e.rank, -p.a0) ELSE t.k * pow(c.depth + 1, -p.a0) END
             / CAST(coalesce(nullif(dn.d, 0), 1) AS DOUBLE) AS DECIMAL(38, 18)) AS w
    FROM daily AS d
    JOIN caps AS c ON c.snapshot_date = d.snapshot_date
    LEFT JOIN entries AS e
        ON e.snapshot_date = d.snapshot_date AND e.country = c.country AND e.chart = c.chart
       AND e.genre = c.genre AND e.store_app_id = d.store_app_id
    LEFT JOIN weights AS cw ON cw.country = c.country
    LEFT JOIN denominators AS dn
        ON dn.snapshot_date = c.snapshot_date AND dn.country = c.country AND dn.chart = c.chart AND dn.genre = c.genre
    CROSS JOIN prior AS p
    CROSS JOIN tail AS t
),
shared AS (
    SELECT *, sum(w) OVER part AS w_total, sum(wc) OVER part AS tracked_weight
    FROM weighted
    WINDOW part AS (PARTITION BY store_app_id, snapshot_date, chart, genre)
)
SELECT
    CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start,
    'google_play' AS store, country, chart, genre,
    store_app_id, coalesce(app_key, store_app_id) AS obs_key, snapshot_date, rank,
    per_day * CAST(tracked_weight AS DOUBLE) * CAST(w AS DOUBLE) / CAST(w_total AS DOUBLE) AS downloads
FROM shared AS x
WHERE rank IS NOT NULL AND w_total > 0
  AND EXISTS (SELECT 1 FROM entries AS s
              WHERE s.snapshot_date = x.prev_date AND s.country = x.country AND s.chart = x.chart
                AND s.genre = x.genre AND s.store_app_id = x.store_app_id)
ORDER BY window_start, store, country, chart, genre, store_app_id, snapshot_date;
