-- 0008_country_weights: each country's weight in the short-drama category, and estimates held to the published totals.
--   * core.country_weights: the share of the worldwide short-drama category (downloads | revenue) that each
--     country and store holds. Global figures (Google Play exact installs, published totals) cover every
--     country; a run tracks a few, so it needs each tracked country's weight and an explicit untracked rest of
--     the world (1 - the tracked weights). Approximate: the US share of revenue is published (47-49 %, Sensor
--     Tower / Appfigures 2025); the others follow the vendors' country rankings and store mixes and are
--     assumptions to be revised as figures are published (docs/methodology.md, "Country weights").
--   * core.estimate_settings: the knobs of the new steps.
--   * core.estimate_params.flagged: a week whose estimated category total disagrees with the published one (its
--     alert kind, estimates_flagged, joins ops.alerts' CHECK in 0011, which rebuilds that table once for both kinds).

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
    ('us', 'app_store', 'downloads', 0.067837), ('us', 'google_play', 'downloads', 0.055503),
     ('us', 'app_store', 'revenue', 0.328520), ('us', 'google_play', 'revenue', 0.140794),
    ('gb', 'app_store', 'downloads', 0.011860), ('gb', 'google_play', 'downloads', 0.011860),
     ('gb', 'app_store', 'revenue', 0.026399), ('gb', 'google_play', 'revenue', 0.014215),
    ('ca', 'app_store', 'downloads', 0.008539), ('ca', 'google_play', 'downloads', 0.008539),
     ('ca', 'app_store', 'revenue', 0.023466), ('ca', 'google_play', 'revenue', 0.012635),
    ('au', 'app_store', 'downloads', 0.006262), ('au', 'google_play', 'downloads', 0.005123),
     ('au', 'app_store', 'revenue', 0.018412), ('au', 'google_play', 'revenue', 0.008664),
    ('de', 'app_store', 'downloads', 0.007211), ('de', 'google_play', 'downloads', 0.011765),
     ('de', 'app_store', 'revenue', 0.022338), ('de', 'google_play', 'revenue', 0.018276),
    ('fr', 'app_store', 'downloads', 0.005977), ('fr', 'google_play', 'downloads', 0.011101),
     ('fr', 'app_store', 'revenue', 0.012410), ('fr', 'google_play', 'revenue', 0.010153),
    ('jp', 'app_store', 'downloads', 0.012334), ('jp', 'google_play', 'downloads', 0.006641),
     ('jp', 'app_store', 'revenue', 0.033845), ('jp', 'google_play', 'revenue', 0.011282),
    ('kr', 'app_store', 'downloads', 0.001898), ('kr', 'google_play', 'downloads', 0.005693),
     ('kr', 'app_store', 'revenue', 0.005415), ('kr', 'google_play', 'revenue', 0.008123),
    ('br', 'app_store', 'downloads', 0.010247), ('br', 'google_play', 'downloads', 0.075142),
     ('br', 'app_store', 'revenue', 0.006318), ('br', 'google_play', 'revenue', 0.011733),
    ('mx', 'app_store', 'downloads', 0.011385), ('mx', 'google_play', 'downloads', 0.045541),
     ('mx', 'app_store', 'revenue', 0.007220), ('mx', 'google_play', 'revenue', 0.010830),
    ('ph', 'app_store', 'downloads', 0.007970), ('ph', 'google_play', 'downloads', 0.058444),
     ('ph', 'app_store', 'revenue', 0.004738), ('ph', 'google_play', 'revenue', 0.008800),
    ('in', 'app_store', 'downloads', 0.003321), ('in', 'google_play', 'downloads', 0.063093),
     ('in', 'app_store', 'revenue', 0.001083), ('in', 'google_play', 'revenue', 0.002527),
    ('id', 'app_store', 'downloads', 0.007590), ('id', 'google_play', 'downloads', 0.087287),
     ('id', 'app_store', 'revenue', 0.005415), ('id', 'google_play', 'revenue', 0.012635),
    ('th', 'app_store', 'downloads', 0.011860), ('th', 'google_play', 'downloads', 0.035579),
     ('th', 'app_store', 'revenue', 0.008123), ('th', 'google_play', 'revenue', 0.009928),
    ('es', 'app_store', 'downloads', 0.004269), ('es', 'google_play', 'downloads', 0.009962),
     ('es', 'app_store', 'revenue', 0.006769), ('es', 'google_play', 'revenue', 0.006769),
    ('it', 'app_store', 'downloads', 0.003416), ('it', 'google_play', 'downloads', 0.007970),
     ('it', 'app_store', 'revenue', 0.005415), ('it', 'google_play', 'revenue', 0.005415),
    ('vn', 'app_store', 'downloads', 0.005693), ('vn', 'google_play', 'downloads', 0.032258),
     ('vn', 'app_store', 'revenue', 0.002527), ('vn', 'google_play', 'revenue', 0.004693),
    ('tr', 'app_store', 'downloads', 0.004269), ('tr', 'google_play', 'downloads', 0.024194),
     ('tr', 'app_store', 'revenue', 0.003610), ('tr', 'google_play', 'revenue', 0.005415),
    ('eg', 'app_store', 'downloads', 0.001898), ('eg', 'google_play', 'downloads', 0.021822),
     ('eg', 'app_store', 'revenue', 0.000812), ('eg', 'google_play', 'revenue', 0.001895),
    ('sa', 'app_store', 'downloads', 0.004269), ('sa', 'google_play', 'downloads', 0.009962),
     ('sa', 'app_store', 'revenue', 0.013538), ('sa', 'google_play', 'revenue', 0.009025),
    ('my', 'app_store', 'downloads', 0.003795), ('my', 'google_play', 'downloads', 0.015180),
     ('my', 'app_store', 'revenue', 0.004061), ('my', 'google_play', 'revenue', 0.004964),
    ('tw', 'app_store', 'downloads', 0.005123), ('tw', 'google_play', 'downloads', 0.006262),
     ('tw', 'app_store', 'revenue', 0.010830), ('tw', 'google_play', 'revenue', 0.007220),
    ('co', 'app_store', 'downloads', 0.004269), ('co', 'google_play', 'downloads', 0.024194),
     ('co', 'app_store', 'revenue', 0.002527), ('co', 'google_play', 'revenue', 0.004693),
    ('ar', 'app_store', 'downloads', 0.001898), ('ar', 'google_play', 'downloads', 0.017078),
     ('ar', 'app_store', 'revenue', 0.001579), ('ar', 'google_play', 'revenue', 0.002933),
    ('pk', 'app_store', 'downloads', 0.000949), ('pk', 'google_play', 'downloads', 0.018027),
     ('pk', 'app_store', 'revenue', 0.000542), ('pk', 'google_play', 'revenue', 0.001264),
    ('ng', 'app_store', 'downloads', 0.000949), ('ng', 'google_play', 'downloads', 0.018027),
     ('ng', 'app_store', 'revenue', 0.000542), ('ng', 'google_play', 'revenue', 0.001264),
    ('pl', 'app_store', 'downloads', 0.001898), ('pl', 'google_play', 'downloads', 0.007590),
     ('pl', 'app_store', 'revenue', 0.003249), ('pl', 'google_play', 'revenue', 0.003971),
    ('nl', 'app_store', 'downloads', 0.001898), ('nl', 'google_play', 'downloads', 0.002846),
     ('nl', 'app_store', 'revenue', 0.005415), ('nl', 'google_play', 'revenue', 0.003610),
    ('ae', 'app_store', 'downloads', 0.002989), ('ae', 'google_play', 'downloads', 0.003653),
     ('ae', 'app_store', 'revenue', 0.008800), ('ae', 'google_play', 'revenue', 0.004738),
    ('cl', 'app_store', 'downloads', 0.001898), ('cl', 'google_play', 'downloads', 0.007590),
     ('cl', 'app_store', 'revenue', 0.001805), ('cl', 'google_play', 'revenue', 0.002708),
    ('se', 'app_store', 'downloads', 0.001281), ('se', 'google_play', 'downloads', 0.001565),
     ('se', 'app_store', 'revenue', 0.003249), ('se', 'google_play', 'revenue', 0.002166),
    ('no', 'app_store', 'downloads', 0.000949), ('no', 'google_play', 'downloads', 0.000949),
     ('no', 'app_store', 'revenue', 0.002708), ('no', 'google_play', 'revenue', 0.001805),
    ('dk', 'app_store', 'downloads', 0.000949), ('dk', 'google_play', 'downloads', 0.000949),
     ('dk', 'app_store', 'revenue', 0.002166), ('dk', 'google_play', 'revenue', 0.001444),
    ('fi', 'app_store', 'downloads', 0.000759), ('fi', 'google_play', 'downloads', 0.001139),
     ('fi', 'app_store', 'revenue', 0.001489), ('fi', 'google_play', 'revenue', 0.001218),
    ('pt', 'app_store', 'downloads', 0.000949), ('pt', 'google_play', 'downloads', 0.002846),
     ('pt', 'app_store', 'revenue', 0.001805), ('pt', 'google_play', 'revenue', 0.001805),
    ('ch', 'app_store', 'downloads', 0.001044), ('ch', 'google_play', 'downloads', 0.000854),
     ('ch', 'app_store', 'revenue', 0.003520), ('ch', 'google_play', 'revenue', 0.001895),
    ('at', 'app_store', 'downloads', 0.000759), ('at', 'google_play', 'downloads', 0.001139),
     ('at', 'app_store', 'revenue', 0.001986), ('at', 'google_play', 'revenue', 0.001625),
    ('be', 'app_store', 'downloads', 0.001139), ('be', 'google_play', 'downloads', 0.001708),
     ('be', 'app_store', 'revenue', 0.001986), ('be', 'google_play', 'revenue', 0.001625),
    ('ie', 'app_store', 'downloads', 0.000949), ('ie', 'google_play', 'downloads', 0.000949),
     ('ie', 'app_store', 'revenue', 0.002166), ('ie', 'google_play', 'revenue', 0.001444),
    ('nz', 'app_store', 'downloads', 0.000949), ('nz', 'google_play', 'downloads', 0.000949),
     ('nz', 'app_store', 'revenue', 0.002166), ('nz', 'google_play', 'revenue', 0.001444),
    ('sg', 'app_store', 'downloads', 0.002087), ('sg', 'google_play', 'downloads', 0.001708),
     ('sg', 'app_store', 'revenue', 0.004693), ('sg', 'google_play', 'revenue', 0.002527),
    ('hk', 'app_store', 'downloads', 0.002087), ('hk', 'google_play', 'downloads', 0.001708),
     ('hk', 'app_store', 'revenue', 0.004693), ('hk', 'google_play', 'revenue', 0.002527),
    ('za', 'app_store', 'downloads', 0.000854), ('za', 'google_play', 'downloads', 0.004839),
     ('za', 'app_store', 'revenue', 0.001083), ('za', 'google_play', 'revenue', 0.001625),
    ('pe', 'app_store', 'downloads', 0.000949), ('pe', 'google_play', 'downloads', 0.008539),
     ('pe', 'app_store', 'revenue', 0.000948), ('pe', 'google_play', 'revenue', 0.001760),
    ('il', 'app_store', 'downloads', 0.000664), ('il', 'google_play', 'downloads', 0.001233),
     ('il', 'app_store', 'revenue', 0.001489), ('il', 'google_play', 'revenue', 0.001218),
    ('cz', 'app_store', 'downloads', 0.000474), ('cz', 'google_play', 'downloads', 0.001423),
     ('cz', 'app_store', 'revenue', 0.000903), ('cz', 'google_play', 'revenue', 0.000903),
    ('hu', 'app_store', 'downloads', 0.000380), ('hu', 'google_play', 'downloads', 0.001518),
     ('hu', 'app_store', 'revenue', 0.000812), ('hu', 'google_play', 'revenue', 0.000993),
    ('ro', 'app_store', 'downloads', 0.000569), ('ro', 'google_play', 'downloads', 0.003226),
     ('ro', 'app_store', 'revenue', 0.000722), ('ro', 'google_play', 'revenue', 0.001083),
    ('gr', 'app_store', 'downloads', 0.000380), ('gr', 'google_play', 'downloads', 0.001518),
     ('gr', 'app_store', 'revenue', 0.000812), ('gr', 'google_play', 'revenue', 0.000993),
    ('ua', 'app_store', 'downloads', 0.000759), ('ua', 'google_play', 'downloads', 0.003036),
     ('ua', 'app_store', 'revenue', 0.000722), ('ua', 'google_play', 'revenue', 0.001083),
    ('ke', 'app_store', 'downloads', 0.000190), ('ke', 'google_play', 'downloads', 0.003605),
     ('ke', 'app_store', 'revenue', 0.000271), ('ke', 'google_play', 'revenue', 0.000632),
    ('ma', 'app_store', 'downloads', 0.000380), ('ma', 'google_play', 'downloads', 0.003416),
     ('ma', 'app_store', 'revenue', 0.000271), ('ma', 'google_play', 'revenue', 0.000632),
    ('cn', 'app_store', 'downloads', 0.000000), ('cn', 'google_play', 'downloads', 0.000000),
     ('cn', 'app_store', 'revenue', 0.000000), ('cn', 'google_play', 'revenue', 0.000000);

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

