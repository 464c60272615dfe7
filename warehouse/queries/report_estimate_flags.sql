-- Estimates the estimator flagged (core.estimate_params.flagged, e.g. a week's category total far from the
-- published figure) in the ISO weeks the report shows: the last $weeks weeks up to the data's latest day.
-- One row per week, measure and reason (inputs.flag_reason) of the published checks, with the scopes (stores and
-- countries) flagged; the curves held because of them carry the same flag and are not listed again. Needs the flagged
-- column: run it only when report_estimate_flag_column.sql says it exists.
-- Parameters: $weeks.
WITH shown AS (
    SELECT max(snapshot_date) - (7 * CAST($weeks AS INTEGER) - 1) AS first_day FROM marts.download_trends
)
SELECT
    strftime(p.window_start, '%G-W%V')                                  AS iso_week,
    p.window_start::VARCHAR                                             AS week_start,
    p.measure,
    coalesce(p.inputs ->> '$.flag_reason', 'no reason recorded')        AS flag_reason,
    string_agg(DISTINCT p.store || ' stores, ' || p.country || ' countries', '; '
               ORDER BY p.store || ' stores, ' || p.country || ' countries') AS scopes
FROM core.estimate_params AS p, shown
WHERE p.flagged AND p.method = 'check_published' AND p.window_start + 6 >= shown.first_day
GROUP BY p.window_start, p.measure, flag_reason
ORDER BY p.window_start, p.measure, flag_reason;
