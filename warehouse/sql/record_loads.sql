-- Append one 'loaded' attempt per batch loaded (staging_batches: pos, batch_id, source, snapshot_date,
-- country, row_counts and warc_paths as JSON text), numbered after the batch's earlier attempts.
INSERT INTO ops.load_batches (batch_id, attempt, source, snapshot_date, country, status, row_counts, warc_paths, loaded_at)
SELECT
    b.batch_id,
    coalesce(prev.attempts, 0) + row_number() OVER (PARTITION BY b.batch_id ORDER BY b.pos),
    b.source, b.snapshot_date, b.country, 'loaded',
    CAST(b.row_counts AS JSON), CAST(b.warc_paths AS JSON),
    current_timestamp
FROM staging_batches AS b
LEFT JOIN (
    SELECT batch_id, max(attempt) AS attempts
    FROM ops.load_batches
    WHERE batch_id IN (SELECT batch_id FROM staging_batches)
    GROUP BY batch_id
) AS prev USING (batch_id)
ORDER BY b.pos;
