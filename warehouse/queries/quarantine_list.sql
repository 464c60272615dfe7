-- Quarantined batches, newest day first, with why and where their WARC files are.
-- Parameters: $all (BOOLEAN: include released ones).
SELECT batch_id, source, snapshot_date::VARCHAR AS snapshot_date, country, status,
       quarantined_at, released_at, failed_expectations::VARCHAR AS failed_expectations,
       warc_paths::VARCHAR AS warc_paths, resolved_by, resolution
FROM ops.quarantine
WHERE status = 'open' OR $all
ORDER BY snapshot_date DESC, batch_id;
