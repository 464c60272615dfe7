-- Batches waiting in quarantine, with why: source (the store or feed), day, country, failed expectations.
SELECT batch_id, source, snapshot_date, country, failed_expectations
FROM ops.quarantine
WHERE status = 'open'
ORDER BY snapshot_date, batch_id;
