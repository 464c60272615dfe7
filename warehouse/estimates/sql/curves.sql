-- Every chart curve (store, country, chart, genre) captured in a refresh week: one fit each.
SELECT
    CAST(date_trunc('week', snapshot_date) AS DATE) AS window_start,
    store, country, chart, genre,
    chart_measure(chart) AS measure,
    count(DISTINCT snapshot_date) AS n_days,
    max(rank) AS depth
FROM core.chart_entries
WHERE snapshot_date IN (SELECT CAST(week_start + CAST(i AS INTEGER) AS DATE) FROM refresh_weeks, range(7) AS t(i))
GROUP BY ALL
ORDER BY window_start, store, country, chart, genre;
