-- A successful load releases an open quarantine of the same batch (staging_batches: the batches loaded).
UPDATE ops.quarantine
SET status = 'released', released_at = current_timestamp
WHERE status = 'open' AND batch_id IN (SELECT batch_id FROM staging_batches);
