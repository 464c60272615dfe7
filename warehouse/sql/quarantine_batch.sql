-- Record (or refresh) the quarantine of a batch; core is not touched.
-- Parameters: $batch_id, $source, $snapshot_date, $country, $failed_expectations (JSON), $warc_paths (JSON),
-- $data_docs_url.
INSERT INTO ops.quarantine (
    batch_id, source, snapshot_date, country, quarantined_at, failed_expectations, warc_paths,
    data_docs_url, status, released_at, resolved_by, resolution
)
VALUES (
    $batch_id, $source, CAST($snapshot_date AS DATE), $country, current_timestamp,
    CAST($failed_expectations AS JSON), CAST($warc_paths AS JSON), $data_docs_url, 'open', NULL, NULL, NULL
)
ON CONFLICT (batch_id) DO UPDATE SET
    source              = excluded.source,
    snapshot_date       = excluded.snapshot_date,
    country             = excluded.country,
    quarantined_at      = excluded.quarantined_at,
    failed_expectations = excluded.failed_expectations,
    warc_paths          = excluded.warc_paths,
    data_docs_url       = excluded.data_docs_url,
    status              = 'open',
    released_at         = NULL,
    resolved_by         = NULL,
    resolution          = NULL;
