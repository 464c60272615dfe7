-- The latest snapshot day in the core chart entries (what a marts build without changed days looks at).
SELECT max(snapshot_date)::VARCHAR FROM core.chart_entries;
