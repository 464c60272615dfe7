-- marts.rank_movers: every chart entry compared with the chart's previous capture (store, country, chart,
-- genre), plus the listings that dropped out since then. A listing back after at least
-- new_entrant_absent_days days (or seen for the first time in the data) is a new entrant; back sooner, a
-- re-entry. On a chart's first capture there is nothing to compare: movement baseline.
--
-- Incremental: the days from the earliest changed date on (a day's previous capture and a listing's last
-- appearance look back in time, so a back-filled day can change any later day).

DELETE FROM marts.rank_movers
WHERE (SELECT full_rebuild FROM refresh_mode) OR snapshot_date >= (SELECT movers_from FROM refresh_mode);

INSERT INTO marts.rank_movers
WITH settings AS (
    SELECT CAST(value AS INTEGER) AS absent FROM core.estimate_settings WHERE name = 'new_entrant_absent_days'
),
captures AS (
    SELECT store, country, chart, genre, snapshot_date,
           lag(snapshot_date) OVER (PARTITION BY store, country, chart, genre ORDER BY snapshot_date) AS prev_date
    FROM (SELECT DISTINCT store, country, chart, genre, snapshot_date FROM core.chart_entries)
),
listing_days AS (
    SELECT store, country, chart, genre, store_app_id, snapshot_date,
           min(rank) AS rank, arg_min(app_key, rank) AS app_key, arg_min(name, rank) AS name
    FROM core.chart_entries
    GROUP BY ALL
),
entries AS (
    SELECT *,
           lag(snapshot_date) OVER w AS last_seen_date,
           lag(rank) OVER w AS last_rank
    FROM listing_days
    WINDOW w AS (PARTITION BY store, country, chart, genre, store_app_id ORDER BY snapshot_date)
),
present AS (
    SELECT
        e.snapshot_date, e.store, e.country, e.chart, e.genre, e.store_app_id, e.app_key, e.name, e.rank,
        c.prev_date,
        CASE WHEN e.last_seen_date = c.prev_date THEN e.last_rank END AS prev_rank,
        e.last_seen_date,
        CAST(e.snapshot_date - e.last_seen_date - 1 AS INTEGER) AS days_absent
    FROM entries AS e
    JOIN captures AS c USING (store, country, chart, genre, snapshot_date)
    WHERE e.snapshot_date >= (SELECT movers_from FROM refresh_mode)
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
    WHERE t.store_app_id IS NULL AND c.snapshot_date >= (SELECT movers_from FROM refresh_mode)
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
