-- The refresh scope of one marts build (warehouse/marts.py), as TEMP tables the later steps read.
--   $full     true: recompute everything; false: only what the $changed snapshot dates can affect.
--   $changed  the snapshot dates whose core data changed (DATE[]; ignored when $full).
--   $top_n    apps kept per group of marts.market_share_top (the rest fold into others).
--
-- What a changed day D can affect (docs/methodology.md, "Incremental refresh"):
--   * the fits of the ISO week of D, and of the ISO week of each listing's next metrics snapshot after D
--     (at most max_gap_days later: its growth pair starts at D) → refresh_weeks;
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
