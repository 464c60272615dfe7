-- 0005_market_events: market events (new short-drama entrants, rank jumps) and their notices.
--   * ops.market_events: every event announced after a marts build, once (the dedupe of MARKET_EVENTS);
--   * ops.alerts accepts kind 'market_event' (DuckDB cannot alter a CHECK: the table is rebuilt as it was).

CREATE TABLE ops.market_events (
    snapshot_date DATE        NOT NULL,
    store         VARCHAR     NOT NULL,
    country       VARCHAR     NOT NULL,
    chart         VARCHAR     NOT NULL,
    genre         VARCHAR     NOT NULL,
    store_app_id  VARCHAR     NOT NULL,
    kind          VARCHAR     NOT NULL CHECK (kind IN ('new_entrant', 'rank_jump')),
    app_key       VARCHAR     NOT NULL,
    app_name      VARCHAR,
    app_status    VARCHAR,
    rank          SMALLINT    NOT NULL,
    prev_rank     SMALLINT,
    prev_date     DATE,
    rank_change   INTEGER,
    batch_id      VARCHAR,
    detected_at   TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (snapshot_date, store, country, chart, genre, store_app_id, kind)
);
COMMENT ON TABLE ops.market_events IS 'Market events announced through the MARKET_EVENTS asset (dramatrack/market_events.py), each once: a later marts build of the same day announces only what is new.';
COMMENT ON COLUMN ops.market_events.snapshot_date IS 'Day of the chart snapshot that showed the event (natural key part).';
COMMENT ON COLUMN ops.market_events.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN ops.market_events.country IS 'Storefront, ISO 3166 alpha-2 lower case (natural key part).';
COMMENT ON COLUMN ops.market_events.chart IS 'top-free | top-paid | top-grossing (natural key part).';
COMMENT ON COLUMN ops.market_events.genre IS 'Store genre id or all (natural key part).';
COMMENT ON COLUMN ops.market_events.store_app_id IS 'The listing that entered or moved (natural key part).';
COMMENT ON COLUMN ops.market_events.app_key IS 'Its product (core.apps.app_key).';
COMMENT ON COLUMN ops.market_events.kind IS 'new_entrant (in the chart, absent from it the entrant_lookback_days before) | rank_jump (moved at least rank_jump_threshold ranks since the chart''s previous snapshot).';
COMMENT ON COLUMN ops.market_events.rank_change IS 'prev_rank - rank: positive = climbed; NULL for a new entrant.';
COMMENT ON COLUMN ops.market_events.batch_id IS 'The batch whose chart showed the event (source:date:country).';

ALTER TABLE ops.alerts RENAME TO alerts_0003;

CREATE TABLE ops.alerts (
    alert_key        VARCHAR     NOT NULL,
    target           VARCHAR     NOT NULL CHECK (target IN ('ops', 'webhook', 'slack', 'email')),
    kind             VARCHAR     NOT NULL CHECK (kind IN ('validation_failed', 'stale_source', 'market_event')),
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
INSERT INTO ops.alerts SELECT * FROM ops.alerts_0003;
DROP TABLE ops.alerts_0003;

COMMENT ON TABLE ops.alerts IS 'One row per alert and target: validation failures, stale sources and market events, sent at most once per target (dedupe on alert_key).';
COMMENT ON COLUMN ops.alerts.alert_key IS 'sha256 of (kind, sorted batch ids, sorted failed expectations[, source and UTC day for stale_source; the events for market_event]); natural key with target. Stable across retries of the same failure.';
COMMENT ON COLUMN ops.alerts.target IS 'ops (this log itself) | webhook | slack | email (natural key part). Never the URL or address: those are secrets.';
COMMENT ON COLUMN ops.alerts.kind IS 'validation_failed | stale_source | market_event.';
COMMENT ON COLUMN ops.alerts.source IS 'Source of the batches (app_store, google_play, news; comma-joined if several).';
COMMENT ON COLUMN ops.alerts.batch_ids IS 'JSON list of the failed batch (or item) ids; for stale_source the last loaded batch, if any; for market_event the batches whose charts showed the events.';
COMMENT ON COLUMN ops.alerts.countries IS 'JSON list of the storefront countries of the failed batches (or of the market events).';
COMMENT ON COLUMN ops.alerts.snapshot_dates IS 'JSON list of the snapshot dates (YYYY-MM-DD) of the failed batches (or of the market events).';
COMMENT ON COLUMN ops.alerts.failures IS 'JSON list of {batch_id, country, snapshot_date, expectation, column, unexpected_count, examples} as sent (for market_event: expectation = new_entrant | rank_jump, column = store/chart/genre).';
COMMENT ON COLUMN ops.alerts.summary IS 'One-line plain-text summary of the alert.';
COMMENT ON COLUMN ops.alerts.data_docs_url IS 'Great Expectations Data Docs page of the validation (NULL for stale_source and market_event).';
COMMENT ON COLUMN ops.alerts.status IS 'sent | failed (the last attempt for this target failed; a later dispatch tries again).';
COMMENT ON COLUMN ops.alerts.error IS 'Why the last attempt failed: exception type or HTTP/SMTP status only (no URL, no credential).';
COMMENT ON COLUMN ops.alerts.attempts IS 'Delivery attempts for this target (1 on the first dispatch).';
COMMENT ON COLUMN ops.alerts.first_attempt_at IS 'When the first attempt was recorded.';
COMMENT ON COLUMN ops.alerts.last_attempt_at IS 'When the latest attempt was recorded.';
COMMENT ON COLUMN ops.alerts.sent_at IS 'When the target accepted the alert (NULL while status is failed).';
