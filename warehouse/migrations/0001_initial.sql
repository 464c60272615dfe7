-- 0001_initial: the DramaTrack warehouse.
--   staging : scratch space; batch data arrives as registered Arrow relations (staging_*), not tables here.
--   core    : cleaned, conformed facts and dimensions; idempotent by natural keys (no load timestamps).
--   marts   : derived analytics tables, rebuilt wholesale by warehouse/marts.py.
--   ops     : the audit trail (fetch log, batch attempts, quarantine, schema version); may carry timestamps.

CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS ops;


-- ---------------------------------------------------------------------------------------------------------
-- ops.schema_version (created IF NOT EXISTS: warehouse/sql/migrate_bootstrap.sql may have created it first)
CREATE TABLE IF NOT EXISTS ops.schema_version (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);
COMMENT ON TABLE ops.schema_version IS 'One row per applied migration file warehouse/migrations/NNNN_name.sql.';
COMMENT ON COLUMN ops.schema_version.version IS 'Migration number NNNN (natural key).';
COMMENT ON COLUMN ops.schema_version.name IS 'Migration name (file stem after the number).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.apps (
    app_key               VARCHAR PRIMARY KEY,
    name                  VARCHAR NOT NULL,
    publisher             VARCHAR,
    is_short_drama        BOOLEAN NOT NULL,
    status                VARCHAR NOT NULL CHECK (status IN ('catalog', 'candidate', 'other')),
    classification_reason VARCHAR,
    first_seen_date       DATE,
    last_seen_date        DATE,
    verified              BOOLEAN NOT NULL DEFAULT false
);
COMMENT ON TABLE core.apps IS 'One row per product (an app across stores). Catalog apps come from catalog/apps.yaml and are never downgraded; chart-discovered apps are keyed ios_<trackid> / gp_<package>.';
COMMENT ON COLUMN core.apps.app_key IS 'Product key (natural key): catalog app_key, or ios_<trackid> / gp_<package with dots as _> for discovered apps.';
COMMENT ON COLUMN core.apps.is_short_drama IS 'True when the product is a short-drama app (catalog apps always; candidates per classifier).';
COMMENT ON COLUMN core.apps.status IS 'catalog (tracked in catalog/apps.yaml) | candidate (classified short drama, not in catalog) | other.';
COMMENT ON COLUMN core.apps.classification_reason IS 'Why the app got its status / is_short_drama value.';
COMMENT ON COLUMN core.apps.first_seen_date IS 'Earliest snapshot date the app appeared in a loaded batch (minimum, so order-independent).';
COMMENT ON COLUMN core.apps.last_seen_date IS 'Latest snapshot date the app appeared in a loaded batch; descriptive fields follow the latest snapshot.';
COMMENT ON COLUMN core.apps.verified IS 'Store id confirmed by a live lookup (catalog: from apps.yaml, or confirmed by a load).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.app_store_ids (
    store        VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    store_app_id VARCHAR NOT NULL,
    app_key      VARCHAR NOT NULL,
    bundle_id    VARCHAR,
    PRIMARY KEY (store, store_app_id)
);
COMMENT ON TABLE core.app_store_ids IS 'Maps a store listing to its product. A catalog mapping is never re-pointed to a non-catalog app.';
COMMENT ON COLUMN core.app_store_ids.store IS 'app_store | google_play (natural key, with store_app_id).';
COMMENT ON COLUMN core.app_store_ids.store_app_id IS 'App Store numeric track id, or Google Play package name (natural key, with store).';
COMMENT ON COLUMN core.app_store_ids.app_key IS 'The product (core.apps.app_key).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.chart_entries (
    snapshot_date DATE     NOT NULL,
    store         VARCHAR  NOT NULL,
    country       VARCHAR  NOT NULL,
    chart         VARCHAR  NOT NULL,
    genre         VARCHAR  NOT NULL,
    rank          SMALLINT NOT NULL CHECK (rank >= 1),
    store_app_id  VARCHAR  NOT NULL,
    app_key       VARCHAR,
    name          VARCHAR,
    publisher     VARCHAR,
    bundle_id     VARCHAR,
    genre_name    VARCHAR,
    release_date  DATE,
    price         DECIMAL(12, 2),
    currency      VARCHAR,
    feed          VARCHAR  NOT NULL,
    PRIMARY KEY (snapshot_date, store, country, chart, genre, rank)
);
COMMENT ON TABLE core.chart_entries IS 'One app at one rank of one store chart, per snapshot day. A batch replaces its (snapshot_date, store, country, chart, genre) scope.';
COMMENT ON COLUMN core.chart_entries.snapshot_date IS 'Day the chart was captured (natural key part).';
COMMENT ON COLUMN core.chart_entries.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN core.chart_entries.country IS 'ISO 3166 alpha-2, lower case (natural key part).';
COMMENT ON COLUMN core.chart_entries.chart IS 'top-free | top-paid | top-grossing (natural key part).';
COMMENT ON COLUMN core.chart_entries.genre IS 'Store genre id (6016 = App Store Entertainment) or all (natural key part).';
COMMENT ON COLUMN core.chart_entries.rank IS '1-based chart position (natural key part).';
COMMENT ON COLUMN core.chart_entries.app_key IS 'Product, resolved through core.app_store_ids at load time (NULL if unknown).';
COMMENT ON COLUMN core.chart_entries.feed IS 'Endpoint shape the entry came from: rss_v2 | legacy_rss | batchexecute.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.app_metrics (
    snapshot_date                       DATE    NOT NULL,
    store                               VARCHAR NOT NULL,
    country                             VARCHAR NOT NULL,
    store_app_id                        VARCHAR NOT NULL,
    app_key                             VARCHAR,
    name                                VARCHAR,
    seller                              VARCHAR,
    bundle_id                           VARCHAR,
    primary_genre                       VARCHAR,
    version                             VARCHAR,
    price                               DECIMAL(12, 2),
    currency                            VARCHAR,
    user_rating_count                   BIGINT,
    average_user_rating                 DOUBLE,
    user_rating_count_current_version   BIGINT,
    average_user_rating_current_version DOUBLE,
    current_version_release_date        TIMESTAMPTZ,
    PRIMARY KEY (snapshot_date, store, country, store_app_id)
);
COMMENT ON TABLE core.app_metrics IS 'Daily store metadata and rating counts per app and storefront (iTunes Lookup). A batch replaces its (snapshot_date, store, country) scope.';
COMMENT ON COLUMN core.app_metrics.snapshot_date IS 'Day the lookup was captured (natural key part).';
COMMENT ON COLUMN core.app_metrics.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN core.app_metrics.country IS 'Storefront, ISO 3166 alpha-2 lower case (natural key part).';
COMMENT ON COLUMN core.app_metrics.store_app_id IS 'App Store track id / Google Play package (natural key part).';
COMMENT ON COLUMN core.app_metrics.app_key IS 'Product, resolved through core.app_store_ids at load time (NULL if unknown).';
COMMENT ON COLUMN core.app_metrics.user_rating_count IS 'Cumulative rating count in this storefront (all versions).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE ops.fetch_log (
    warc_path         VARCHAR NOT NULL,
    warc_offset       BIGINT  NOT NULL,
    batch_id          VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    url               VARCHAR NOT NULL,
    method            VARCHAR,
    status            INTEGER,
    host              VARCHAR,
    fetched_at        TIMESTAMPTZ,
    content_type      VARCHAR,
    body_bytes        BIGINT,
    body_sha1         VARCHAR,
    request_body_sha1 VARCHAR,
    warc_length       BIGINT,
    tags              JSON,
    PRIMARY KEY (warc_path, warc_offset)
);
COMMENT ON TABLE ops.fetch_log IS 'Index of every archived HTTP response (one WARC response record each), loaded or quarantined.';
COMMENT ON COLUMN ops.fetch_log.warc_path IS 'WARC file holding the record (natural key, with warc_offset).';
COMMENT ON COLUMN ops.fetch_log.warc_offset IS 'Byte offset of the response record in the WARC file (natural key, with warc_path).';
COMMENT ON COLUMN ops.fetch_log.batch_id IS 'Batch that first indexed the record.';
COMMENT ON COLUMN ops.fetch_log.tags IS 'Fetcher tags (source, country, chart, ...) as a JSON object.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE ops.load_batches (
    batch_id      VARCHAR     NOT NULL,
    attempt       INTEGER     NOT NULL,
    source        VARCHAR     NOT NULL,
    snapshot_date DATE        NOT NULL,
    country       VARCHAR,
    status        VARCHAR     NOT NULL CHECK (status IN ('loaded', 'quarantined')),
    row_counts    JSON,
    warc_paths    JSON,
    loaded_at     TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (batch_id, attempt)
);
COMMENT ON TABLE ops.load_batches IS 'Append-only log: one row per load or quarantine attempt of a batch.';
COMMENT ON COLUMN ops.load_batches.batch_id IS 'Batch id (natural key, with attempt).';
COMMENT ON COLUMN ops.load_batches.attempt IS '1, 2, ... per batch_id in the order the attempts were recorded.';
COMMENT ON COLUMN ops.load_batches.status IS 'loaded | quarantined.';
COMMENT ON COLUMN ops.load_batches.row_counts IS 'JSON object of row counts by table.';
COMMENT ON COLUMN ops.load_batches.warc_paths IS 'JSON list of the WARC files of the batch.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE ops.quarantine (
    batch_id            VARCHAR PRIMARY KEY,
    source              VARCHAR NOT NULL,
    snapshot_date       DATE    NOT NULL,
    country             VARCHAR,
    quarantined_at      TIMESTAMPTZ NOT NULL,
    failed_expectations JSON    NOT NULL,
    warc_paths          JSON,
    data_docs_url       VARCHAR,
    status              VARCHAR NOT NULL CHECK (status IN ('open', 'released')),
    released_at         TIMESTAMPTZ
);
COMMENT ON TABLE ops.quarantine IS 'Latest quarantine state per batch: failed validation, core untouched until a later load releases it.';
COMMENT ON COLUMN ops.quarantine.batch_id IS 'Batch id (natural key).';
COMMENT ON COLUMN ops.quarantine.failed_expectations IS 'JSON list of {expectation, column, unexpected_count, examples}.';
COMMENT ON COLUMN ops.quarantine.status IS 'open | released (a later successful load of the batch released it).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.market_share (
    basis         VARCHAR NOT NULL,
    grain         VARCHAR NOT NULL CHECK (grain IN ('day', 'week')),
    period_start  DATE    NOT NULL,
    iso_week      VARCHAR NOT NULL,
    store         VARCHAR NOT NULL,
    country       VARCHAR NOT NULL,
    chart         VARCHAR NOT NULL,
    genre         VARCHAR NOT NULL,
    app_key       VARCHAR NOT NULL,
    app_name      VARCHAR,
    weight_sum    DOUBLE  NOT NULL,
    share         DOUBLE  NOT NULL,
    best_rank     SMALLINT NOT NULL,
    days_present  INTEGER NOT NULL,
    entries       INTEGER NOT NULL,
    apps_in_group INTEGER NOT NULL,
    PRIMARY KEY (basis, grain, period_start, store, country, chart, genre, app_key)
);
COMMENT ON TABLE marts.market_share IS 'Share of short-drama apps within each chart group, by day and ISO week. Rebuilt by warehouse/marts/market_share.sql.';
COMMENT ON COLUMN marts.market_share.basis IS 'How share is measured: chart_presence = rank-weighted chart presence, w(rank) = rank^(-0.944).';
COMMENT ON COLUMN marts.market_share.grain IS 'day | week (natural key part).';
COMMENT ON COLUMN marts.market_share.period_start IS 'The day, or the Monday of the ISO week (natural key part).';
COMMENT ON COLUMN marts.market_share.iso_week IS 'ISO week of period_start, like 2026-W47.';
COMMENT ON COLUMN marts.market_share.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN marts.market_share.country IS 'ISO 3166 alpha-2, lower case (natural key part).';
COMMENT ON COLUMN marts.market_share.chart IS 'top-free | top-paid | top-grossing (natural key part).';
COMMENT ON COLUMN marts.market_share.genre IS 'Store genre id or all (natural key part).';
COMMENT ON COLUMN marts.market_share.app_key IS 'Short-drama product (natural key part).';
COMMENT ON COLUMN marts.market_share.weight_sum IS 'Sum of rank weights of the app''s entries in the period.';
COMMENT ON COLUMN marts.market_share.share IS 'weight_sum / sum of weight_sum over the short-drama apps of the same group; sums to 1 per group.';
COMMENT ON COLUMN marts.market_share.days_present IS 'Distinct days in the period with at least one entry of the app.';
COMMENT ON COLUMN marts.market_share.entries IS 'Chart entries of the app in the period.';
COMMENT ON COLUMN marts.market_share.apps_in_group IS 'Short-drama apps in the group (basis, grain, period, store, country, chart, genre).';
