-- What the demo's tables are built from, per store: the charts captured (chart/genre), the countries, the
-- short-drama apps ranked in them, and the days (core.chart_entries).
SELECT
    e.store,
    string_agg(DISTINCT e.chart || '/' || e.genre, ', ' ORDER BY e.chart || '/' || e.genre) AS charts,
    count(DISTINCT e.country)                                                     AS countries,
    count(DISTINCT e.app_key) FILTER (WHERE a.is_short_drama)                     AS short_drama_apps_ranked,
    min(e.snapshot_date)                                                          AS first_day,
    max(e.snapshot_date)                                                          AS last_day,
    count(DISTINCT e.snapshot_date)                                               AS days
FROM core.chart_entries AS e
LEFT JOIN core.apps AS a ON a.app_key = e.app_key
GROUP BY e.store
ORDER BY e.store;
