-- 0008_catalog_checks: the catalog checked against the listings, pending candidates, and the China market.
--   * core.apps accepts status 'pending' (a weak name waiting for its description) and carries the product's
--     market (overseas | china) and suspect flag (DuckDB cannot alter a CHECK: the table is rebuilt as it was);
--   * core.app_store_ids: per catalog store id, suspect + reason (dramatrack/catalog_check.py), the day it was
--     last checked, and whether a person confirmed it (catalog `confirmed`);
--   * core.catalog_checks: every catalog id as each storefront showed it each day (found or not, and why not right);
--   * core.countries: cn (region china, market china) and a market column; marts.market_share and
--     marts.market_share_top get the market dimension, so overseas shares never mix in the domestic market;
--   * ops.alerts accepts kind 'catalog_suspect'.

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.apps RENAME TO apps_0007;
CREATE TABLE core.apps (
    app_key               VARCHAR PRIMARY KEY,
    name                  VARCHAR NOT NULL,
    publisher             VARCHAR,
    is_short_drama        BOOLEAN NOT NULL,
    status                VARCHAR NOT NULL CHECK (status IN ('catalog', 'candidate', 'pending', 'other')),
    classification_reason VARCHAR,
    first_seen_date       DATE,
    last_seen_date        DATE,
    verified              BOOLEAN NOT NULL DEFAULT false,
    market                VARCHAR NOT NULL DEFAULT 'overseas' CHECK (market IN ('overseas', 'china')),
    suspect               BOOLEAN NOT NULL DEFAULT false,
    suspect_reason        VARCHAR
);
INSERT INTO core.apps SELECT *, 'overseas', false, NULL FROM core.apps_0007;
DROP TABLE core.apps_0007;
COMMENT ON TABLE core.apps IS 'One row per product (an app across stores). Catalog apps come from catalog/apps.yaml and are never downgraded; chart-discovered apps are keyed ios_<trackid> / gp_<package>.';
COMMENT ON COLUMN core.apps.app_key IS 'Product key (natural key): catalog app_key, or ios_<trackid> / gp_<package with dots as _> for discovered apps.';
COMMENT ON COLUMN core.apps.name IS 'Product name (catalog name, or the latest listing name).';
COMMENT ON COLUMN core.apps.publisher IS 'Publisher (catalog publisher, or the latest listing''s seller / developer).';
COMMENT ON COLUMN core.apps.is_short_drama IS 'True when the product is a short-drama app (catalog apps always; candidates per classifier; never pending).';
COMMENT ON COLUMN core.apps.status IS 'catalog (tracked in catalog/apps.yaml) | candidate (classified short drama, not in catalog) | pending (a short-drama word in the name, no description yet to confirm it) | other.';
COMMENT ON COLUMN core.apps.classification_reason IS 'Why the app got its status / is_short_drama value, with the evidence (which words, which fields).';
COMMENT ON COLUMN core.apps.first_seen_date IS 'Earliest snapshot date the app appeared in a loaded batch (minimum, so order-independent).';
COMMENT ON COLUMN core.apps.last_seen_date IS 'Latest snapshot date the app appeared in a loaded batch; descriptive fields follow the latest snapshot.';
COMMENT ON COLUMN core.apps.verified IS 'Store id confirmed by a live lookup (catalog: from apps.yaml, or confirmed by a load).';
COMMENT ON COLUMN core.apps.market IS 'overseas | china (catalog market; china apps are tracked in the App Store CN storefront).';
COMMENT ON COLUMN core.apps.suspect IS 'A catalog store id of the product is suspect and not confirmed by a person (core.app_store_ids.suspect).';
COMMENT ON COLUMN core.apps.suspect_reason IS 'Why: store, id and the reasons of each suspect store id.';

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.app_store_ids ADD COLUMN suspect BOOLEAN DEFAULT false;
ALTER TABLE core.app_store_ids ADD COLUMN suspect_reason VARCHAR;
ALTER TABLE core.app_store_ids ADD COLUMN checked_date DATE;
ALTER TABLE core.app_store_ids ADD COLUMN confirmed BOOLEAN DEFAULT false;
ALTER TABLE core.app_store_ids ADD COLUMN excluded BOOLEAN DEFAULT false;
COMMENT ON COLUMN core.app_store_ids.suspect IS 'Catalog store id whose listing, on its last checked day, was missing in every storefront of its market, or not Entertainment / Video, or from another publisher, or without a short-drama signal. Left out of the short-drama marts unless confirmed.';
COMMENT ON COLUMN core.app_store_ids.suspect_reason IS 'Why the id is suspect (NULL when not).';
COMMENT ON COLUMN core.app_store_ids.checked_date IS 'Last snapshot day the catalog id was checked against the listings.';
COMMENT ON COLUMN core.app_store_ids.excluded IS 'suspect AND NOT confirmed: the listing''s chart entries are left out of the short-drama marts.';
COMMENT ON COLUMN core.app_store_ids.confirmed IS 'A person confirmed the id (catalog/apps.yaml `confirmed`): counted in the marts even when suspect.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.catalog_checks (
    snapshot_date DATE    NOT NULL,
    store         VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    store_app_id  VARCHAR NOT NULL,
    country       VARCHAR NOT NULL,
    app_key       VARCHAR NOT NULL,
    found         BOOLEAN NOT NULL,
    name          VARCHAR,
    publisher     VARCHAR,
    genre         VARCHAR,
    reasons       VARCHAR,
    PRIMARY KEY (snapshot_date, store, store_app_id, country)
);
COMMENT ON TABLE core.catalog_checks IS 'Every catalog store id as each storefront showed it each day (App Store lookups, Google Play details pages). A load replaces its (snapshot_date, store, country) scope.';
COMMENT ON COLUMN core.catalog_checks.snapshot_date IS 'Day of the lookup / details page (natural key part).';
COMMENT ON COLUMN core.catalog_checks.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN core.catalog_checks.store_app_id IS 'The catalog store id (natural key part).';
COMMENT ON COLUMN core.catalog_checks.country IS 'Storefront (natural key part).';
COMMENT ON COLUMN core.catalog_checks.app_key IS 'The catalog app the id belongs to.';
COMMENT ON COLUMN core.catalog_checks.found IS 'The lookup / details page returned a listing.';
COMMENT ON COLUMN core.catalog_checks.name IS 'Listing name.';
COMMENT ON COLUMN core.catalog_checks.publisher IS 'Listing seller / developer.';
COMMENT ON COLUMN core.catalog_checks.genre IS 'Listing primary genre.';
COMMENT ON COLUMN core.catalog_checks.reasons IS 'Why the listing does not look like the catalog app (genre, publisher, no short-drama signal); NULL when it does or was not found.';

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE core.countries ADD COLUMN market VARCHAR DEFAULT 'overseas';
UPDATE core.countries SET market = 'overseas';
INSERT INTO core.countries (country, region, name, market) VALUES ('cn', 'china', 'China', 'china');
COMMENT ON COLUMN core.countries.market IS 'overseas | china: the domestic Chinese market (App Store CN) is never mixed into overseas groups.';

ALTER TABLE marts.market_share ADD COLUMN market VARCHAR;
COMMENT ON COLUMN marts.market_share.market IS 'overseas | china (core.countries.market of the country; overseas if unknown). Filter market = ''overseas'' for the overseas short-drama market.';
ALTER TABLE marts.market_share_top ADD COLUMN market VARCHAR;
COMMENT ON COLUMN marts.market_share_top.market IS 'overseas | china. The global level is per market: geo global = every overseas country, geo china = the China storefront.';

-- ---------------------------------------------------------------------------------------------------------
ALTER TABLE ops.alerts RENAME TO alerts_0007;
CREATE TABLE ops.alerts (
    alert_key        VARCHAR     NOT NULL,
    target           VARCHAR     NOT NULL CHECK (target IN ('ops', 'webhook', 'slack', 'email')),
    kind             VARCHAR     NOT NULL CHECK (kind IN ('validation_failed', 'stale_source', 'market_event', 'estimates_flagged', 'catalog_suspect')),
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
INSERT INTO ops.alerts SELECT * FROM ops.alerts_0007;
DROP TABLE ops.alerts_0007;
COMMENT ON TABLE ops.alerts IS 'One row per alert and target: validation failures, stale sources, market events and suspect catalog ids, sent at most once per target (dedupe on alert_key).';
COMMENT ON COLUMN ops.alerts.alert_key IS 'sha256 of (kind, sorted batch ids, sorted failed expectations[, source and UTC day for stale_source; the events for market_event; the store ids and reasons for catalog_suspect]); natural key with target. Stable across retries of the same failure.';
COMMENT ON COLUMN ops.alerts.target IS 'ops (this log itself) | webhook | slack | email (natural key part). Never the URL or address: those are secrets.';
COMMENT ON COLUMN ops.alerts.kind IS 'validation_failed | stale_source | market_event | estimates_flagged (a week whose estimates failed the published check) | catalog_suspect.';
COMMENT ON COLUMN ops.alerts.source IS 'Source of the batches (app_store, google_play, news; comma-joined if several).';
COMMENT ON COLUMN ops.alerts.batch_ids IS 'JSON list of the failed batch (or item) ids; for stale_source the last loaded batch, if any; for market_event the batches whose charts showed the events; for catalog_suspect the batches whose listings were checked.';
COMMENT ON COLUMN ops.alerts.countries IS 'JSON list of the storefront countries of the failed batches (or of the market events, or of the checks).';
COMMENT ON COLUMN ops.alerts.snapshot_dates IS 'JSON list of the snapshot dates (YYYY-MM-DD) of the failed batches (or of the market events, or of the checks).';
COMMENT ON COLUMN ops.alerts.failures IS 'JSON list of {batch_id, country, snapshot_date, expectation, column, unexpected_count, examples} as sent (for market_event: expectation = new_entrant | rank_jump, column = store/chart/genre; for catalog_suspect: expectation = catalog_id_suspect, column = store/store id).';
COMMENT ON COLUMN ops.alerts.summary IS 'One-line plain-text summary of the alert.';
COMMENT ON COLUMN ops.alerts.data_docs_url IS 'Great Expectations Data Docs page of the validation (NULL for stale_source, market_event and catalog_suspect).';
COMMENT ON COLUMN ops.alerts.status IS 'sent | failed (the last attempt for this target failed; a later dispatch tries again).';
COMMENT ON COLUMN ops.alerts.error IS 'Why the last attempt failed: exception type or HTTP/SMTP status only (no URL, no credential).';
COMMENT ON COLUMN ops.alerts.attempts IS 'Delivery attempts for this target (1 on the first dispatch).';
COMMENT ON COLUMN ops.alerts.first_attempt_at IS 'When the first attempt was recorded.';
COMMENT ON COLUMN ops.alerts.last_attempt_at IS 'When the latest attempt was recorded.';
COMMENT ON COLUMN ops.alerts.sent_at IS 'When the target accepted the alert (NULL while status is failed).';
