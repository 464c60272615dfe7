-- 0003_alerts: the alert log. One row per (alert, target); a row with status 'sent' is what stops a retry of
-- the same failure from alerting that target again (dramatrack/alerts/dispatch.py).

CREATE TABLE ops.alerts (
    alert_key        VARCHAR     NOT NULL,
    target           VARCHAR     NOT NULL CHECK (target IN ('ops', 'webhook', 'slack', 'email')),
    kind             VARCHAR     NOT NULL CHECK (kind IN ('validation_failed', 'stale_source')),
    source           VARCHAR     NOT NULL,
    batch_ids        JSON        NOT NULL,
    countries        JSON        NOT NULL,
    snapshot_dates   JSON        NOT NULL,
    failures         JSON        NOT NULL,
    summary          VARCHAR     NOT NULL,
    data_docs_url    VARCHAR,
    status           VARCHAR     NOT NULL CHECK (status IN ('sent', 'failed')),
    error            VARCHAR,
    attempts         INTEGER     NOT NULL,
    first_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    PRIMARY KEY (alert_key, target)
);
COMMENT ON TABLE ops.alerts IS 'One row per alert and target: validation failures and stale sources, sent at most once per target (dedupe on alert_key).';
COMMENT ON COLUMN ops.alerts.alert_key IS 'sha256 of (kind, sorted batch ids, sorted failed expectations[, source and UTC day for stale_source]); natural key with target. Stable across retries of the same failure.';
COMMENT ON COLUMN ops.alerts.target IS 'ops (this log itself) | webhook | slack | email (natural key part). Never the URL or address: those are secrets.';
COMMENT ON COLUMN ops.alerts.kind IS 'validation_failed | stale_source.';
COMMENT ON COLUMN ops.alerts.source IS 'Source of the batches (app_store, google_play, news; comma-joined if several).';
COMMENT ON COLUMN ops.alerts.batch_ids IS 'JSON list of the failed batch (or item) ids; for stale_source the last loaded batch, if any.';
COMMENT ON COLUMN ops.alerts.countries IS 'JSON list of the storefront countries of the failed batches.';
COMMENT ON COLUMN ops.alerts.snapshot_dates IS 'JSON list of the snapshot dates (YYYY-MM-DD) of the failed batches.';
COMMENT ON COLUMN ops.alerts.failures IS 'JSON list of {batch_id, country, snapshot_date, expectation, column, unexpected_count, examples} as sent.';
COMMENT ON COLUMN ops.alerts.summary IS 'One-line plain-text summary of the alert.';
COMMENT ON COLUMN ops.alerts.data_docs_url IS 'Great Expectations Data Docs page of the validation (NULL for stale_source).';
COMMENT ON COLUMN ops.alerts.status IS 'sent | failed (the last attempt for this target failed; a later dispatch tries again).';
COMMENT ON COLUMN ops.alerts.error IS 'Why the last attempt failed: exception type or HTTP/SMTP status only (no URL, no credential).';
COMMENT ON COLUMN ops.alerts.attempts IS 'Delivery attempts for this target (1 on the first dispatch).';
COMMENT ON COLUMN ops.alerts.first_attempt_at IS 'When the first attempt was recorded.';
COMMENT ON COLUMN ops.alerts.last_attempt_at IS 'When the latest attempt was recorded.';
COMMENT ON COLUMN ops.alerts.sent_at IS 'When the target accepted the alert (NULL while status is failed).';
