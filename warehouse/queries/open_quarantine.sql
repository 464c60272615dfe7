-- Batches waiting in quarantine, with why.
SELECT batch_id, snapshot_date, country, failed_expectations
FROM ops.quarantine
WHERE status = 'open'
ORDER BY snapshot_date, batch_id;
