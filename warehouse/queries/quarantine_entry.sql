-- One quarantined batch (or item), whatever its status. Parameters: $batch_id.
SELECT batch_id, source, snapshot_date::VARCHAR AS snapshot_date, country, status,
       failed_expectations::VARCHAR AS failed_expectations, warc_paths::VARCHAR AS warc_paths
FROM ops.quarantine
WHERE batch_id = $batch_id;
