-- Market events on the given snapshot days: short-drama apps that entered a tracked chart, or moved at least
-- $threshold ranks in it since the chart's previous snapshot.
-- Parameters: $dates (DATE[]: the days to look at), $threshold (ranks), $lookback (days).
--   new_entrant: in the chart on the day, in none of the chart's snapshots of the $lookback days before (and
--                the chart has at least one such snapshot: a chart's first day announces nothing);
--   rank_jump:   in the chart on the day and on its previous snapshot, |prev_rank - rank| >= $threshold.
WITH today AS (
    SELECT e.snapshot_date, e.store, e.country, e.chart, e.genre, e.rank, e.store_app_id,
           coalesce(e.app_key, m.app_key) AS app_key, e.name
    FROM core.chart_entries e
    LEFT JOIN core.app_store_ids m ON m.store = e.store AND m.store_app_id = e.store_app_id
    WHERE e.snapshot_date IN (SELECT unnest(CAST($dates AS DATE[])))
),
charts AS (
    SELECT DISTINCT snapshot_date, store, country, chart, genre FROM today
),
history AS (  -- the chart's earlier snapshots inside the look-back window
    SELECT c.snapshot_date, c.store, c.country, c.chart, c.genre, p.snapshot_date AS earlier
    FROM charts c
    JOIN (SELECT DISTINCT snapshot_date, store, country, chart, genre FROM core.chart_entries) p
      ON p.store = c.store AND p.country = c.country AND p.chart = c.chart AND p.genre = c.genre
     AND p.snapshot_date < c.snapshot_date
     AND p.snapshot_date >= c.snapshot_date - CAST($lookback AS INTEGER)
),
previous AS (
    SELECT snapshot_date, store, country, chart, genre, max(earlier) AS prev_date
    FROM history
    GROUP BY ALL
),
seen_before AS (  -- listings present in the chart during the look-back window
    SELECT DISTINCT h.snapshot_date, h.store, h.country, h.chart, h.genre, e.store_app_id
    FROM history h
    JOIN core.chart_entries e
      ON e.snapshot_date = h.earlier AND e.store = h.store AND e.country = h.country AND e.chart = h.chart
     AND e.genre = h.genre
),
candidates AS (
    SELECT t.*, p.prev_date, pe.rank AS prev_rank,
           (sb.store_app_id IS NOT NULL) AS seen_in_window
    FROM today t
    JOIN previous p USING (snapshot_date, store, country, chart, genre)
    LEFT JOIN core.chart_entries pe
      ON pe.snapshot_date = p.prev_date AND pe.store = t.store AND pe.country = t.country AND pe.chart = t.chart
     AND pe.genre = t.genre AND pe.store_app_id = t.store_app_id
    LEFT JOIN seen_before sb
      ON sb.snapshot_date = t.snapshot_date AND sb.store = t.store AND sb.country = t.country
     AND sb.chart = t.chart AND sb.genre = t.genre AND sb.store_app_id = t.store_app_id
)
SELECT
    c.snapshot_date::VARCHAR AS snapshot_date,
    c.store, c.country, c.chart, c.genre, c.store_app_id,
    CASE WHEN c.seen_in_window THEN 'rank_jump' ELSE 'new_entrant' END AS kind,
    a.app_key,
    coalesce(a.name, c.name) AS app_name,
    a.status AS app_status,
    c.rank,
    c.prev_rank,
    c.prev_date::VARCHAR AS prev_date,
    CASE WHEN c.prev_rank IS NOT NULL THEN c.prev_rank - c.rank END AS rank_change,
    c.store || ':' || c.snapshot_date::VARCHAR || ':' || c.country AS batch_id
FROM candidates c
JOIN core.apps a ON a.app_key = c.app_key
WHERE a.is_short_drama
  AND (NOT c.seen_in_window
       OR (c.prev_rank IS NOT NULL AND abs(c.prev_rank - c.rank) >= CAST($threshold AS INTEGER)))
ORDER BY c.snapshot_date, c.store, c.country, c.chart, c.genre, c.rank;
