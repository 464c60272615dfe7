-- marts.rank_movers: every chart entry compared with the chart's previous capture (store, country, chart,
-- genre), plus the listings that dropped out since then. A listing back after at least
-- new_entrant_absent_days days (or seen for the first time in the data) is a new entrant; back sooner, a
-- re-entry. On a chart's first capture there is nothing to compare: movement baseline.
--
-- Incremental: the days from the earliest changed date on, movers_from (a day's previous capture and a
-- listing's last appearance look back in time, so a back-filled day can change any later day). A full build
-- is the same with movers_from before all data. What those days need from earlier days is read without
-- windowing over the history (so a refresh costs about the same on years of history as on a week):
--   * the rows from 7 days before movers_from on, `recent` (a range on snapshot_date, which DuckDB's zone
--     maps prune to those days: a week of rows, what a chart's previous capture and most re-entries need);
--   * per chart with no capture in that range, its latest capture before it (a chart captured again after
--     a longer gap), with that capture's rows: the previous capture of the chart's first day from
--     movers_from on, and the listings that can drop out of it;
--   * per listing first seen in the chart from movers_from on in those rows, its latest appearance before
--     them (last_seen_date; NULL if none): in the 4 weeks before them (a range again), else in all older
--     rows of the listings not found there (filtered on store_app_id first: the one scan of a column of the
--     whole history a refresh does, needed to tell an app back after a long absence from one never seen).
-- Every later appearance is in those rows, so the windows over them give exactly what windows over all
-- of core.chart_entries give (tests/test_marts.py compares an incremental refresh with a full rebuild).

DELETE FROM marts.rank_movers
WHERE snapshot_date >= (SELECT movers_from FROM refresh_mode);  -- full build: movers_from = 0001-01-01

INSERT INTO marts.rank_movers
WITH settings AS (
    SELECT CAST(value AS INTEGER) AS absent FROM core.estimate_settings WHERE name = 'new_entrant_absent_days'
),
bounds AS (
    SELECT movers_from AS m,
           CASE WHEN full_rebuild THEN movers_from ELSE CAST(movers_from - 7 AS DATE) END AS lo
    FROM refresh_mode
),
recent AS (
    SELECT ce.* FROM core.chart_entries AS ce
    WHERE ce.snapshot_date >= (SELECT lo FROM bounds)
),
recent_captures AS (
    SELECT store, country, chart, genre, snapshot_date FROM recent GROUP BY ALL
),
gap_charts AS (
    -- charts captured from movers_from on without a capture between lo and movers_from
    SELECT store, country, chart, genre
    FROM recent_captures
    GROUP BY ALL
    HAVING min(snapshot_date) >= (SELECT m FROM bounds)
),
older_captures AS (
    -- their latest capture before lo (none on a full build: lo is before all data)
    SELECT ce.store, ce.country, ce.chart, ce.genre, max(ce.snapshot_date) AS snapshot_date
    FROM core.chart_entries AS ce
    SEMI JOIN gap_charts AS g USING (store, country, chart, genre)
    WHERE ce.snapshot_date < (SELECT lo FROM bounds)
    GROUP BY ALL
),
captures AS (
    SELECT store, country, chart, genre, snapshot_date,
           lag(snapshot_date) OVER (PARTITION BY store, country, chart, genre ORDER BY snapshot_date) AS prev_date
    FROM (SELECT * FROM recent_captures UNION ALL SELECT * FROM older_captures)
),
rows_read AS (
    SELECT store, country, chart, genre, store_app_id, snapshot_date, rank, app_key, name FROM recent
    UNION ALL
    SELECT ce.store, ce.country, ce.chart, ce.genre, ce.store_app_id, ce.snapshot_date, ce.rank, ce.app_key, ce.name
    FROM core.chart_entries AS ce
    SEMI JOIN older_captures AS o USING (store, country, chart, genre, snapshot_date)
),
listing_days AS (
    SELECT store, country, chart, genre, store_app_id, snapshot_date,
           min(rank) AS rank, arg_min(app_key, rank) AS app_key, arg_min(name, rank) AS name
    FROM rows_read
    GROUP BY ALL
),
entries AS (
    SELECT *,
           lag(snapshot_date) OVER w AS lag_date,
           lag(rank) OVER w AS last_rank
    FROM listing_days
    WINDOW w AS (PARTITION BY store, country, chart, genre, store_app_id ORDER BY snapshot_date)
),
first_seen AS (
    -- listings with no earlier appearance in the rows read: the first appearance from movers_from on
    SELECT store, country, chart, genre, store_app_id
    FROM entries
    WHERE lag_date IS NULL AND snapshot_date >= (SELECT m FROM bounds)
),
seen_recently AS (
    -- their latest appearance in the 4 weeks before the rows read (a range the zone maps prune to)
    SELECT ce.store, ce.country, ce.chart, ce.genre, ce.store_app_id, max(ce.snapshot_date) AS seen_date
    FROM core.chart_entries AS ce
    SEMI JOIN first_seen AS f USING (store, country, chart, genre, store_app_id)
    WHERE ce.snapshot_date >= (SELECT CAST(lo - 28 AS DATE) FROM bounds)
      AND ce.snapshot_date < (SELECT lo FROM bounds)
    GROUP BY ALL
),
not_seen_recently AS (
    SELECT * FROM first_seen ANTI JOIN seen_recently USING (store, country, chart, genre, store_app_id)
),
seen_before AS (
    -- their latest appearance before the rows read (before lo, and not on the chart's capture read); for
    -- the ones not seen in those 4 weeks, from all older rows of their store_app_id (a scan of that column)
    SELECT * FROM seen_recently
    UNION ALL
    SELECT ce.store, ce.country, ce.chart, ce.genre, ce.store_app_id, max(ce.snapshot_date) AS seen_date
    FROM core.chart_entries AS ce
    SEMI JOIN not_seen_recently AS f USING (store, country, chart, genre, store_app_id)
    WHERE ce.snapshot_date < (SELECT CAST(lo - 28 AS DATE) FROM bounds)
      AND ce.store_app_id IN (SELECT store_app_id FROM not_seen_recently)
    GROUP BY ALL
),
present AS (
    SELECT
        e.snapshot_date, e.store, e.country, e.chart, e.genre, e.store_app_id, e.app_key, e.name, e.rank,
        c.prev_date,
        -- an appearance before the rows read is never on prev_date (that capture's rows are read)
        CASE WHEN e.lag_date = c.prev_date THEN e.last_rank END AS prev_rank,
        coalesce(e.lag_date, s.seen_date) AS last_seen_date,
        CAST(e.snapshot_date - coalesce(e.lag_date, s.seen_date) - 1 AS INTEGER) AS days_absent
    FROM entries AS e
    JOIN captures AS c USING (store, country, chart, genre, snapshot_date)
    LEFT JOIN seen_before AS s
        ON e.lag_date IS NULL AND s.store = e.store AND s.country = e.country AND s.chart = e.chart
       AND s.genre = e.genre AND s.store_app_id = e.store_app_id
    WHERE e.snapshot_date >= (SELECT m FROM bounds)
),
dropped AS (
    SELECT
        c.snapshot_date, c.store, c.country, c.chart, c.genre, p.store_app_id, p.app_key, p.name,
        CAST(NULL AS SMALLINT) AS rank, c.prev_date, p.rank AS prev_rank, p.snapshot_date AS last_seen_date,
        CAST(c.snapshot_date - p.snapshot_date - 1 AS INTEGER) AS days_absent
    FROM captures AS c
    JOIN listing_days AS p
        ON p.store = c.store AND p.country = c.country AND p.chart = c.chart AND p.genre = c.genre
       AND p.snapshot_date = c.prev_date
    LEFT JOIN listing_days AS t
        ON t.store = c.store AND t.country = c.country AND t.chart = c.chart AND t.genre = c.genre
       AND t.snapshot_date = c.snapshot_date AND t.store_app_id = p.store_app_id
    WHERE t.store_app_id IS NULL AND c.snapshot_date >= (SELECT m FROM bounds)
),
classified AS (
    SELECT *,
        CASE
            WHEN rank IS NULL THEN 'dropped'
            WHEN prev_date IS NULL THEN 'baseline'
            WHEN prev_rank IS NOT NULL AND prev_rank > rank THEN 'up'
            WHEN prev_rank IS NOT NULL AND prev_rank < rank THEN 'down'
            WHEN prev_rank IS NOT NULL THEN 'same'
            WHEN last_seen_date IS NULL OR days_absent >= (SELECT absent FROM settings) THEN 'new_entrant'
            ELSE 're_entry'
        END AS movement,
        CAST(prev_rank AS INTEGER) - rank AS rank_change
    FROM (SELECT * FROM present UNION ALL BY NAME SELECT * FROM dropped)
)
SELECT
    x.snapshot_date, x.store, x.country, x.chart, x.genre, x.store_app_id, x.app_key,
    coalesce(a.name, x.name) AS app_name, a.is_short_drama,
    x.rank, x.prev_date, x.prev_rank, x.rank_change, x.movement, x.last_seen_date, x.days_absent,
    CASE WHEN x.movement IN ('up', 'down') THEN row_number() OVER (
        PARTITION BY x.snapshot_date, x.store, x.country, x.chart, x.genre, x.movement IN ('up', 'down')
        ORDER BY abs(x.rank_change) DESC, x.rank, x.store_app_id) END AS mover_position,
    CASE WHEN x.movement IN ('new_entrant', 're_entry') THEN row_number() OVER (
        PARTITION BY x.snapshot_date, x.store, x.country, x.chart, x.genre, x.movement IN ('new_entrant', 're_entry')
        ORDER BY x.rank, x.store_app_id) END AS entrant_position
FROM classified AS x
LEFT JOIN core.apps AS a ON a.app_key = x.app_key;
