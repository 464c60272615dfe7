-- The refresh scope of one marts build (warehouse/marts.py), as TEMP tables the later steps read.
--   $full     true: recompute everything; false: only what the $changed snapshot dates can affect.
--   $changed  the snapshot dates whose core data changed (DATE[]; ignored when $full).
--   $top_n    apps kept per group of marts.market_share_top (the rest fold into others).
--
-- What a changed day D can affect (docs/methodology.md, "Incremental refresh"):
--   * the fits of the ISO week of D, and of the ISO week of each listing's next metrics snapshot after D
--     (at most max_gap_days later: its growth pair starts at D) → refresh_weeks;
--   * the tail rows of a short-drama listing first seen on D (core.app_store_ids.first_seen_date = D): its
--     app's tail rows start at the earliest first_seen_date of its listings in the store (app_estimates.sql),
--     so when D moved that start earlier (a back-fill before the listing's previous first appearance F),
--     every day of [D, F) changed → refresh_weeks gets the weeks from D's to that of the day before F.
--     F is gone once the load has run; it is bounded by the listing's next appearance after D (its next
--     chart entry or metrics snapshot: facts widen the seen dates) and by its last_seen_date (F was a day it
--     was seen). A listing seen on D only (new, or D re-loaded) gets every week from D's on, up to the last
--     day any listing was seen (a captured chart's listings are seen that day). Only listings whose first_seen_date is a changed day are looked at, and their
--     next appearance is searched first in the max_gap_days after D, then (only for the ones not found there)
--     up to their last_seen_date: ranges on snapshot_date, skipped when no listing needs them;
--   * estimates and chart-presence rows of every day of those weeks;
--   * marts.download_trends rows up to 27 days after those weeks (7/28-day sums, week-over-week change,
--     milestones against the previous snapshot);
--   * marts.market_share_top periods (day, ISO week, month) containing those weeks' days;
--   * marts.rank_movers rows from D on (previous capture, last appearance and absence look back in time).

CREATE OR REPLACE TEMP MACRO chart_measure(c) AS CASE WHEN c = 'top-grossing' THEN 'revenue' ELSE 'downloads' END;

CREATE OR REPLACE TEMP TABLE refresh_changed AS
SELECT DISTINCT CAST(d AS DATE) AS d
FROM (SELECT unnest(CAST($changed AS DATE[])) AS d)
WHERE d IS NOT NULL AND NOT $full;

CREATE OR REPLACE TEMP TABLE refresh_mode AS
SELECT
    CAST($full AS BOOLEAN) AS full_rebuild,
    CAST($top_n AS INTEGER) AS top_n,
    CASE WHEN $full THEN DATE '0001-01-01' ELSE (SELECT coalesce(min(d), DATE '9999-12-31') FROM refresh_changed) END
        AS movers_from;

CREATE OR REPLACE TEMP TABLE refresh_weeks AS
WITH gap AS (SELECT CAST(value AS INTEGER) AS days FROM core.estimate_settings WHERE name = 'max_gap_days'),
-- short-drama listings first seen on a changed day (d), with their last_seen_date (last_d)
first_seen AS (
    SELECT ids.store, ids.store_app_id, ids.first_seen_date AS d, ids.last_seen_date AS last_d
    FROM core.app_store_ids AS ids
    JOIN core.apps AS a ON a.app_key = ids.app_key AND a.is_short_drama
    WHERE ids.first_seen_date IN (SELECT d FROM refresh_changed) AND NOT coalesce(ids.excluded, false)
),
seen_later AS (SELECT * FROM first_seen WHERE last_d > d),
-- their next appearance (a chart entry or metrics snapshot) within max_gap_days after d ...
near_days AS (
    SELECT DISTINCT CAST(unnest(generate_series(d + 1, least(last_d, d + (SELECT days FROM gap)), INTERVAL 1 DAY))
                         AS DATE) AS day
    FROM seen_later
),
near_facts AS (
    SELECT snapshot_date, store, store_app_id FROM core.chart_entries
    WHERE snapshot_date IN (SELECT day FROM near_days)
    UNION ALL
    SELECT snapshot_date, store, store_app_id FROM core.app_metrics
    WHERE snapshot_date IN (SELECT day FROM near_days)
),
near AS (
    SELECT l.store, l.store_app_id, min(f.snapshot_date) AS next_d
    FROM seen_later AS l
    JOIN near_facts AS f
        ON f.store = l.store AND f.store_app_id = l.store_app_id AND f.snapshot_date > l.d
       AND f.snapshot_date <= l.last_d
    GROUP BY ALL
),
-- ... else up to last_d (only for the listings not found in those days)
far_listings AS (
    SELECT l.* FROM seen_later AS l
    ANTI JOIN near AS n ON n.store = l.store AND n.store_app_id = l.store_app_id
),
far_days AS (
    SELECT DISTINCT CAST(unnest(generate_series(d + 1, last_d, INTERVAL 1 DAY)) AS DATE) AS day
    FROM far_listings
),
far_facts AS (
    SELECT snapshot_date, store, store_app_id FROM core.chart_entries
    WHERE snapshot_date IN (SELECT day FROM far_days)
    UNION ALL
    SELECT snapshot_date, store, store_app_id FROM core.app_metrics
    WHERE snapshot_date IN (SELECT day FROM far_days)
),
far AS (
    SELECT l.store, l.store_app_id, min(f.snapshot_date) AS next_d
    FROM far_listings AS l
    JOIN far_facts AS f
        ON f.store = l.store AND f.store_app_id = l.store_app_id AND f.snapshot_date > l.d
       AND f.snapshot_date <= l.last_d
    GROUP BY ALL
),
-- the days whose tail rows may have changed: [d, the day before the previous first appearance]
new_tail AS (
    SELECT l.d,
           CASE WHEN l.last_d > l.d THEN least(l.last_d, n.next_d, f.next_d) - 1
                ELSE (SELECT max(last_seen_date) FROM core.app_store_ids) END AS until_d
    FROM first_seen AS l
    LEFT JOIN near AS n ON n.store = l.store AND n.store_app_id = l.store_app_id
    LEFT JOIN far AS f ON f.store = l.store AND f.store_app_id = l.store_app_id
),
touched AS (
    SELECT snapshot_date AS d FROM core.chart_entries WHERE $full
    UNION ALL
    SELECT snapshot_date FROM core.app_metrics WHERE $full
    UNION ALL
    SELECT d FROM refresh_changed
    UNION ALL
    -- the next snapshot of each listing within max_gap_days after a changed day: its growth pair changed
    SELECT min(m.snapshot_date)
    FROM core.app_metrics AS m
    JOIN refresh_changed AS c ON m.snapshot_date > c.d AND m.snapshot_date <= c.d + (SELECT days FROM gap)
    GROUP BY c.d, m.store, m.store_app_id
    UNION ALL
    SELECT CAST(unnest(generate_series(CAST(date_trunc('week', d) AS DATE), greatest(d, until_d), INTERVAL 7 DAY))
                AS DATE)
    FROM new_tail
)
SELECT DISTINCT CAST(date_trunc('week', d) AS DATE) AS week_start FROM touched;

CREATE OR REPLACE TEMP TABLE refresh_share_periods AS
WITH days AS (
    SELECT CAST(w.week_start + CAST(i AS INTEGER) AS DATE) AS d FROM refresh_weeks AS w, range(7) AS t(i)
)
SELECT DISTINCT 'day' AS grain, d AS period_start, d AS period_end FROM days
UNION
SELECT DISTINCT 'week', week_start, CAST(week_start + 6 AS DATE) FROM refresh_weeks
UNION
SELECT DISTINCT 'month', CAST(date_trunc('month', d) AS DATE),
       CAST(date_trunc('month', d) + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
FROM days;
