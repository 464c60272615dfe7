-- The chart entries of the latest captured day on or before $snapshot_date (what `dramatrack plan` plans the
-- chart-dependent requests with: the apps the charts list change little from one day to the next).
SELECT snapshot_date, store, country, chart, genre, feed, rank, store_app_id, name
FROM core.chart_entries
WHERE snapshot_date = (SELECT max(snapshot_date) FROM core.chart_entries WHERE snapshot_date <= $snapshot_date)
ORDER BY store, country, chart, genre, rank;
