-- A successful load releases an open quarantine of the same batch. Parameters: $batch_id.
UPDATE ops.quarantine
SET status = 'released', released_at = current_timestamp
WHERE batch_id = $batch_id AND status = 'open';
