-- The denominator of the published-totals scale of every curve of the refresh weeks: per chart and day, each
-- tracked short-drama app known in the store that day, with its rank in the chart (NULL: not ranked, a tail
-- app as in app_estimates.sql, on top-free and top-grossing charts only) and the chart's depth. run.py sums
-- r^(-a) + tail_fraction (N+1)^(-a) at the curve's a, so that the curve summed over the category's apps, ranked
-- and tail, equals the published total times the country's weight.
WITH caps AS (
    SELECT snapshot_date, store, country, chart, genre, max(rank) AS depth
    FROM core.chart_entries
    WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
),
tracked AS (
    SELECT ids.store, a.app_key, min(ids.first_seen_date) AS known_from
    FROM core.app_store_ids AS ids
    JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.first_seen_date IS NOT NULL AND NOT coalesce(ids.excluded, false)  -- suspect catalog id
    GROUP BY ALL
),
ranked AS (
    SELECT ce.snapshot_date, ce.store, ce.country, ce.chart, ce.genre, ce.app_key, min(ce.rank) AS rank
    FROM core.chart_entries AS ce
    JOIN core.apps AS a ON a.app_key = ce.app_key AND a.is_short_drama
    LEFT JOIN core.app_store_ids AS x ON x.store = ce.store AND x.store_app_id = ce.store_app_id
    WHERE NOT coalesce(x.excluded, false)  -- a suspect catalog id, until confirmed
      AND ce.snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
    GROUP BY ALL
)
SELECT
    CAST(date_trunc('week', c.snapshot_date) AS DATE) AS window_start,
    c.store, c.country, c.chart, c.genre, c.snapshot_date, c.depth, r.rank
FROM caps AS c
JOIN tracked AS t ON t.store = c.store AND c.snapshot_date >= t.known_from
LEFT JOIN ranked AS r
    ON r.snapshot_date = c.snapshot_date AND r.store = c.store AND r.country = c.country
   AND r.chart = c.chart AND r.genre = c.genre AND r.app_key = t.app_key
WHERE r.rank IS NOT NULL OR c.chart IN ('top-free', 'top-grossing')
ORDER BY ALL;
