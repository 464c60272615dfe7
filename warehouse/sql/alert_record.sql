-- Record one delivery attempt of an alert to one target (insert, or update the attempt counters).
-- Parameters: $alert_key, $target, $kind, $source, $batch_ids (JSON), $countries (JSON), $snapshot_dates (JSON),
-- $failures (JSON), $summary, $data_docs_url, $status ('sent' | 'failed'), $error.
INSERT INTO ops.alerts (
    alert_key, target, kind, source, batch_ids, countries, snapshot_dates, failures, summary, data_docs_url,
    status, error, attempts, first_attempt_at, last_attempt_at, sent_at
)
VALUES (
    $alert_key, $target, $kind, $source, CAST($batch_ids AS JSON), CAST($countries AS JSON),
    CAST($snapshot_dates AS JSON), CAST($failures AS JSON), $summary, $data_docs_url,
    $status, $error, 1, current_timestamp, current_timestamp,
    CASE WHEN $status = 'sent' THEN current_timestamp END
)
ON CONFLICT (alert_key, target) DO UPDATE SET
    summary         = excluded.summary,
    failures        = excluded.failures,
    data_docs_url   = excluded.data_docs_url,
    status          = excluded.status,
    error           = excluded.error,
    attempts        = ops.alerts.attempts + 1,
    last_attempt_at = excluded.last_attempt_at,
    sent_at         = excluded.sent_at;
