-- The WARC files of the given batches, from their latest load attempt. Parameters: $batch_ids (VARCHAR[]).
SELECT batch_id, warc_paths::VARCHAR
FROM ops.load_batches
WHERE batch_id IN (SELECT unnest(CAST($batch_ids AS VARCHAR[])))
QUALIFY row_number() OVER (PARTITION BY batch_id ORDER BY attempt DESC) = 1
ORDER BY batch_id;
