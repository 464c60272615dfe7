-- 0008_country_weights: each country's weight in the short-drama category, and estimates held to the published totals.
--   * core.country_weights: the share of the worldwide short-drama category (downloads | revenue) that each
--     country and store holds. Global figures (Google Play exact installs, published totals) cover every
--     country; a run tracks a few, so it needs each tracked country's weight and an explicit untracked rest of
--     the world (1 - the tracked weights). Approximate: the US share of revenue is published (47-49 %, Sensor
--     Tower / Appfigures 2025); the others follow the vendors' country rankings and store mixes and are
--     assumptions to be revised as figures are published (docs/methodology.md, "Country weights").
--   * core.estimate_settings: the knobs of the new steps.
--   * core.estimate_params.flagged: a week whose estimated category total disagrees with the published one;
--     ops.alerts accepts its alert kind (estimates_flagged): the table is rebuilt to change the CHECK.

CREATE TABLE core.country_weights (
    country VARCHAR NOT NULL,
    store   VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    measure VARCHAR NOT NULL CHECK (measure IN ('downloads', 'revenue')),
    weight  DOUBLE  NOT NULL CHECK (weight >= 0 AND weight <= 1),
    PRIMARY KEY (country, store, measure)
);
COMMENT ON TABLE core.country_weights IS 'Seed: each country''s and store''s share of the worldwide short-drama category, per measure (weights of a measure sum to 1 over the world). Global figures are split with them: the tracked countries hold the sum of their weights, the untracked rest of the world the remainder. Approximate (docs/methodology.md, "Country weights").';
COMMENT ON COLUMN core.country_weights.country IS 'ISO country code, lower case (natural key, with store and measure).';
COMMENT ON COLUMN core.country_weights.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN core.country_weights.measure IS 'downloads | revenue (natural key part).';
COMMENT ON COLUMN core.country_weights.weight IS 'Share of the worldwide category (0..1).';

INSERT INTO core.country_weights (country, store, measure, weight) VALUES
    ('us', 'app_store', 'downloads', 0.072811), ('us', 'google_play', 'downloads', 0.059572),
     ('us', 'app_store', 'revenue', 0.336745), ('us', 'google_play', 'revenue', 0.144319),
    ('gb', 'app_store', 'downloads', 0.012729), ('gb', 'google_play', 'downloads', 0.012729),
     ('gb', 'app_store', 'revenue', 0.029939), ('gb', 'google_play', 'revenue', 0.016121),
    ('ca', 'app_store', 'downloads', 0.009165), ('ca', 'google_play', 'downloads', 0.009165),
     ('ca', 'app_store', 'revenue', 0.026612), ('ca', 'google_play', 'revenue', 0.014330),
    ('au', 'app_store', 'downloads', 0.006721), ('au', 'google_play', 'downloads', 0.005499),
     ('au', 'app_store', 'revenue', 0.020880), ('au', 'google_play', 'revenue', 0.009826),
    ('de', 'app_store', 'downloads', 0.007739), ('de', 'google_play', 'downloads', 0.012627),
     ('de', 'app_store', 'revenue', 0.025333), ('de', 'google_play', 'revenue', 0.020727),
    ('fr', 'app_store', 'downloads', 0.006415), ('fr', 'google_play', 'downloads', 0.011914),
     ('fr', 'app_store', 'revenue', 0.014074), ('fr', 'google_play', 'revenue', 0.011515),
    ('jp', 'app_store', 'downloads', 0.013238), ('jp', 'google_play', 'downloads', 0.007128),
     ('jp', 'app_store', 'revenue', 0.038383), ('jp', 'google_play', 'revenue', 0.012794),
    ('kr', 'app_store', 'downloads', 0.002037), ('kr', 'google_play', 'downloads', 0.006110),
     ('kr', 'app_store', 'revenue', 0.006141), ('kr', 'google_play', 'revenue', 0.009212),
    ('br', 'app_store', 'downloads', 0.010998), ('br', 'google_play', 'downloads', 0.080652),
     ('br', 'app_store', 'revenue', 0.007165), ('br', 'google_play', 'revenue', 0.013306),
    ('mx', 'app_store', 'downloads', 0.012220), ('mx', 'google_play', 'downloads', 0.048880),
     ('mx', 'app_store', 'revenue', 0.008188), ('mx', 'google_play', 'revenue', 0.012282),
    ('ph', 'app_store', 'downloads', 0.008554), ('ph', 'google_play', 'downloads', 0.062729),
     ('ph', 'app_store', 'revenue', 0.005374), ('ph', 'google_play', 'revenue', 0.009980),
    ('in', 'app_store', 'downloads', 0.003564), ('in', 'google_play', 'downloads', 0.067719),
     ('in', 'app_store', 'revenue', 0.001228), ('in', 'google_play', 'revenue', 0.002866),
    ('id', 'app_store', 'downloads', 0.008147), ('id', 'google_play', 'downloads', 0.093686),
     ('id', 'app_store', 'revenue', 0.006141), ('id', 'google_play', 'revenue', 0.014330),
    ('th', 'app_store', 'downloads', 0.012729), ('th', 'google_play', 'downloads', 0.038187),
     ('th', 'app_store', 'revenue', 0.009212), ('th', 'google_play', 'revenue', 0.011259),
    ('es', 'app_store', 'downloads', 0.004582), ('es', 'google_play', 'downloads', 0.010692),
     ('es', 'app_store', 'revenue', 0.007677), ('es', 'google_play', 'revenue', 0.007677),
    ('it', 'app_store', 'downloads', 0.003666), ('it', 'google_play', 'downloads', 0.008554),
     ('it', 'app_store', 'revenue', 0.006141), ('it', 'google_play', 'revenue', 0.006141),
    ('vn', 'app_store', 'downloads', 0.006110), ('vn', 'google_play', 'downloads', 0.034623),
     ('vn', 'app_store', 'revenue', 0.002866), ('vn', 'google_play', 'revenue', 0.005322),
    ('tr', 'app_store', 'downloads', 0.004582), ('tr', 'google_play', 'downloads', 0.025967),
     ('tr', 'app_store', 'revenue', 0.004094), ('tr', 'google_play', 'revenue', 0.006141),
    ('eg', 'app_store', 'downloads', 0.002037), ('eg', 'google_play', 'downloads', 0.023422),
     ('eg', 'app_store', 'revenue', 0.000921), ('eg', 'google_play', 'revenue', 0.002149),
    ('sa', 'app_store', 'downloads', 0.004582), ('sa', 'google_play', 'downloads', 0.010692),
     ('sa', 'app_store', 'revenue', 0.015353), ('sa', 'google_play', 'revenue', 0.010235),
    ('my', 'app_store', 'downloads', 0.004073), ('my', 'google_play', 'downloads', 0.016293),
     ('my', 'app_store', 'revenue', 0.004606), ('my', 'google_play', 'revenue', 0.005629),
    ('tw', 'app_store', 'downloads', 0.005499), ('tw', 'google_play', 'downloads', 0.006721),
     ('tw', 'app_store', 'revenue', 0.012282), ('tw', 'google_play', 'revenue', 0.008188),
    ('co', 'app_store', 'downloads', 0.004582), ('co', 'google_play', 'downloads', 0.025967),
     ('co', 'app_store', 'revenue', 0.002866), ('co', 'google_play', 'revenue', 0.005322),
    ('ar', 'app_store', 'downloads', 0.002037), ('ar', 'google_play', 'downloads', 0.018330),
     ('ar', 'app_store', 'revenue', 0.001791), ('ar', 'google_play', 'revenue', 0.003327),
    ('pk', 'app_store', 'downloads', 0.001018), ('pk', 'google_play', 'downloads', 0.019348),
     ('pk', 'app_store', 'revenue', 0.000614), ('pk', 'google_play', 'revenue', 0.001433),
    ('ng', 'app_store', 'downloads', 0.001018), ('ng', 'google_play', 'downloads', 0.019348),
     ('ng', 'app_store', 'revenue', 0.000614), ('ng', 'google_play', 'revenue', 0.001433),
    ('pl', 'app_store', 'downloads', 0.002037), ('pl', 'google_play', 'downloads', 0.008147),
     ('pl', 'app_store', 'revenue', 0.003685), ('pl', 'google_play', 'revenue', 0.004504),
    ('nl', 'app_store', 'downloads', 0.002037), ('nl', 'google_play', 'downloads', 0.003055),
     ('nl', 'app_store', 'revenue', 0.006141), ('nl', 'google_play', 'revenue', 0.004094),
    ('ae', 'app_store', 'downloads', 0.003208), ('ae', 'google_play', 'downloads', 0.003921),
     ('ae', 'app_store', 'revenue', 0.009980), ('ae', 'google_play', 'revenue', 0.005374),
    ('cl', 'app_store', 'downloads', 0.002037), ('cl', 'google_play', 'downloads', 0.008147),
     ('cl', 'app_store', 'revenue', 0.002047), ('cl', 'google_play', 'revenue', 0.003071);

INSERT INTO core.estimate_settings VALUES
    ('b_prior_log_sd', 0.7, 'Prior sd of log b around the published-totals scale b_scale: a fitted scale is shrunk toward it like a toward the paper.'),
    ('calibration_log_sd', 0.1, 'Log-sd of the calibration of a fitted scale (ratings per download, country weights) beyond its statistical error; enters the standard error of log b and the bands.'),
    ('min_curve_log_sd', 0.15, 'Floor of the scatter of true values around a fitted curve (log scale).'),
    ('flag_factor', 3, 'A week whose estimated category total (tracked countries) differs from the published total times the tracked share by more than this factor, or moves by more than this factor from the previous week without a matching change in the inputs, is flagged, alerted and held to the published scale.');

UPDATE core.estimate_settings
SET value = 0.5, description = 'Log-scale sigma of a prior-only (published-totals) curve: a 90% band of x/÷ 2.3 (the scale is per country and store since 0008).'
WHERE name = 'prior_log_sigma';

ALTER TABLE core.estimate_params ADD COLUMN flagged BOOLEAN;
COMMENT ON COLUMN core.estimate_params.flagged IS 'True on a check_published row whose week failed the published check (inputs.flag_reason says why) and on the curves held to the published scale because of it.';

-- ops.alerts with the new kind (DuckDB cannot alter a CHECK constraint: copy, drop, rename)
CREATE TABLE ops.alerts_next (
    alert_key        VARCHAR     NOT NULL,
    target           VARCHAR     NOT NULL CHECK (target IN ('ops', 'webhook', 'slack', 'email')),
    kind             VARCHAR     NOT NULL CHECK (kind IN ('validation_failed', 'stale_source', 'estimates_flagged')),
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
INSERT INTO ops.alerts_next SELECT * FROM ops.alerts;
DROP TABLE ops.alerts;
ALTER TABLE ops.alerts_next RENAME TO alerts;
COMMENT ON TABLE ops.alerts IS 'One row per alert and target: validation failures, stale sources and flagged estimate weeks, sent at most once per target (dedupe on alert_key).';
COMMENT ON COLUMN ops.alerts.alert_key IS 'sha256 of (kind, sorted batch ids, sorted failed expectations[, source and UTC day for stale_source]); natural key with target. Stable across retries of the same failure.';
COMMENT ON COLUMN ops.alerts.target IS 'ops (this log itself) | webhook | slack | email (natural key part). Never the URL or address: those are secrets.';
COMMENT ON COLUMN ops.alerts.kind IS 'validation_failed | stale_source | estimates_flagged (a week whose estimates failed the published check; one key per week).';
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
