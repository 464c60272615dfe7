-- Append one attempt to ops.load_batches.
-- Parameters: $batch_id, $source, $snapshot_date, $country, $status, $row_counts (JSON), $warc_paths (JSON).
INSERT INTO ops.load_batches (batch_id, attempt, source, snapshot_date, country, status, row_counts, warc_paths, loaded_at)
SELECT
    $batch_id,
    coalesce(max(attempt), 0) + 1,
    $source, CAST($snapshot_date AS DATE), $country, $status,
    CAST($row_counts AS JSON), CAST($warc_paths AS JSON),
    current_timestamp
FROM ops.load_batches
WHERE batch_id = $batch_id;
