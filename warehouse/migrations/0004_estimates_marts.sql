-- 0004_estimates_marts: the rank → downloads / revenue estimation model and the marts built on it.
--   * seeds: core.countries (country → region), core.estimate_priors (Garg & Telang 2013 shapes),
--     core.estimate_settings (the model's fixed knobs), core.market_totals (published short-drama totals);
--   * core.estimate_params: every fit (one ISO week per fit window), with its inputs and residuals;
--   * core.app_estimates: per app, chart and day, the estimated downloads or revenue with a band;
--   * marts.download_trends, marts.rank_movers, marts.market_share_top.
-- The method is written down in docs/methodology.md; docs/marts.md is generated from these comments.

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.countries (
    country VARCHAR PRIMARY KEY,
    region  VARCHAR NOT NULL,
    name    VARCHAR
);
COMMENT ON TABLE core.countries IS 'Seed: the region of each storefront country, for the region and global groups of marts.market_share_top. A country missing here falls in region other.';
COMMENT ON COLUMN core.countries.country IS 'ISO 3166 alpha-2, lower case (natural key).';
COMMENT ON COLUMN core.countries.region IS 'north_america | europe | east_asia | southeast_asia | south_asia | latin_america | oceania.';
COMMENT ON COLUMN core.countries.name IS 'Country name in English.';

INSERT INTO core.countries (country, region, name) VALUES
    ('us', 'north_america', 'United States'), ('ca', 'north_america', 'Canada'),
    ('gb', 'europe', 'United Kingdom'), ('de', 'europe', 'Germany'), ('fr', 'europe', 'France'),
    ('es', 'europe', 'Spain'), ('it', 'europe', 'Italy'),
    ('jp', 'east_asia', 'Japan'), ('kr', 'east_asia', 'South Korea'),
    ('id', 'southeast_asia', 'Indonesia'), ('th', 'southeast_asia', 'Thailand'),
    ('ph', 'southeast_asia', 'Philippines'),
    ('in', 'south_asia', 'India'),
    ('br', 'latin_america', 'Brazil'), ('mx', 'latin_america', 'Mexico'),
    ('au', 'oceania', 'Australia');

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.estimate_priors (
    store            VARCHAR NOT NULL CHECK (store IN ('app_store', 'google_play')),
    measure          VARCHAR NOT NULL CHECK (measure IN ('downloads', 'revenue')),
    a_prior          DOUBLE  NOT NULL,
    a_prior_sd       DOUBLE  NOT NULL,
    b_reference      DOUBLE,
    b_reference_unit VARCHAR,
    source           VARCHAR NOT NULL,
    PRIMARY KEY (store, measure)
);
COMMENT ON TABLE core.estimate_priors IS 'Seed: prior power-law shapes d(r) = b r^(-a) per store and measure (Garg & Telang 2013). The fit of each week shrinks toward a_prior with weight 1/a_prior_sd^2.';
COMMENT ON COLUMN core.estimate_priors.store IS 'app_store | google_play (natural key, with measure).';
COMMENT ON COLUMN core.estimate_priors.measure IS 'downloads (top-free and top-paid charts) | revenue (top-grossing charts) (natural key, with store).';
COMMENT ON COLUMN core.estimate_priors.a_prior IS 'Prior mean of the rank exponent a.';
COMMENT ON COLUMN core.estimate_priors.a_prior_sd IS 'Prior standard deviation of a: how far the data may move a before it outweighs the paper.';
COMMENT ON COLUMN core.estimate_priors.b_reference IS 'The paper''s scale b (historical, for reference only: scales are recalibrated; never used in estimates).';
COMMENT ON COLUMN core.estimate_priors.b_reference_unit IS 'Unit and context of b_reference.';
COMMENT ON COLUMN core.estimate_priors.source IS 'Where the prior comes from.';

INSERT INTO core.estimate_priors VALUES
    ('app_store', 'downloads', 0.944, 0.15, 52958, 'downloads/day, US iPhone top paid, 2011',
     'Garg & Telang 2013: iPhone paid a_p = 0.944 (no free-chart value published; the same shape is assumed)'),
    ('app_store', 'revenue', 0.860, 0.15, 126666, 'USD/day, US iPhone top grossing, 2011',
     'Garg & Telang 2013: iPhone grossing a_g = 0.860'),
    ('google_play', 'downloads', 0.985, 0.15, NULL, NULL, 'Garg & Telang 2013: Android (2012) a_p = 0.985'),
    ('google_play', 'revenue', 1.165, 0.15, NULL, NULL, 'Garg & Telang 2013: Android (2012) a_g = 1.165');

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.estimate_settings (
    name        VARCHAR PRIMARY KEY,
    value       DOUBLE  NOT NULL,
    description VARCHAR NOT NULL
);
COMMENT ON TABLE core.estimate_settings IS 'Seed: the fixed knobs of the estimation model and the marts (changing one needs a full rebuild: build_marts(conn)).';
COMMENT ON COLUMN core.estimate_settings.name IS 'Setting name (natural key).';
COMMENT ON COLUMN core.estimate_settings.value IS 'Setting value.';
COMMENT ON COLUMN core.estimate_settings.description IS 'What the setting does.';

INSERT INTO core.estimate_settings VALUES
    ('band_z', 1.645, 'Half-width of the confidence band in log-sigmas: low/high = est * exp(-/+ band_z * sigma) (90% band).'),
    ('tail_fraction', 0.5, 'An unranked app-day is estimated as tail_fraction * d(N+1), N = the chart''s depth that day; low = 0, high = d(N+1).'),
    ('min_points', 8, 'Fewest app observations (with positive growth) for a chart-week fit of its own; fewer: pooled or prior.'),
    ('min_rank_span', 3, 'The observed ranks must span at least this ratio (max/min) for a fit of its own.'),
    ('prior_log_sigma', 1.0, 'Log-scale sigma of a prior-only (published-totals) curve: a 90% band of x/÷ 5.2.'),
    ('rho_prior', 0.01, 'Ratings per download used for iOS when Google Play gives no ratio for the week.'),
    ('rho_min_listings', 3, 'Fewest Google Play listings with install growth for a fitted ratings-per-download ratio.'),
    ('rho_min_installs', 1000, 'A listing counts toward the ratio only if it gained at least this many installs in the week.'),
    ('max_gap_days', 7, 'Growth between two snapshots of an app is used only if they are at most this many days apart.'),
    ('new_entrant_absent_days', 7, 'marts.rank_movers: an app back in a chart after at least this many days absent is a new entrant.');

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.market_totals (
    figure_id     VARCHAR PRIMARY KEY,
    period_start  DATE    NOT NULL,
    period_end    DATE    NOT NULL,
    scope         VARCHAR NOT NULL CHECK (scope IN ('global', 'us')),
    metric        VARCHAR NOT NULL CHECK (metric IN ('downloads', 'revenue')),
    value         DOUBLE  NOT NULL,
    unit          VARCHAR NOT NULL,
    vendor        VARCHAR NOT NULL,
    basis         VARCHAR,
    use_for_scale BOOLEAN NOT NULL
);
COMMENT ON TABLE core.market_totals IS 'Seed: published short-drama market totals (shared/reference/market_figures.md). The latest use_for_scale figure ending on or before a fit week scales the prior-only curves and is the published check in core.estimate_params.';
COMMENT ON COLUMN core.market_totals.figure_id IS 'Stable id of the figure (natural key).';
COMMENT ON COLUMN core.market_totals.period_start IS 'First day the figure covers.';
COMMENT ON COLUMN core.market_totals.period_end IS 'Last day the figure covers.';
COMMENT ON COLUMN core.market_totals.scope IS 'global | us.';
COMMENT ON COLUMN core.market_totals.metric IS 'downloads | revenue (USD, in-app purchases).';
COMMENT ON COLUMN core.market_totals.value IS 'The figure over the whole period; the daily rate is value / days in the period.';
COMMENT ON COLUMN core.market_totals.unit IS 'downloads | USD.';
COMMENT ON COLUMN core.market_totals.vendor IS 'Who published it (and via whom): vendors measure differently, keep it with the number.';
COMMENT ON COLUMN core.market_totals.basis IS 'What the figure covers, as published.';
COMMENT ON COLUMN core.market_totals.use_for_scale IS 'True if the figure may scale prior-only curves (medium-confidence figures are kept for reference only).';

INSERT INTO core.market_totals VALUES
    ('2024q1_global_revenue', DATE '2024-01-01', DATE '2024-03-31', 'global', 'revenue', 146e6, 'USD', 'Appfigures', '66 apps, global consumer spend', true),
    ('2025q1_global_revenue', DATE '2025-01-01', DATE '2025-03-31', 'global', 'revenue', 700e6, 'USD', 'Sensor Tower', 'global IAP', true),
    ('2025q1_global_downloads', DATE '2025-01-01', DATE '2025-03-31', 'global', 'downloads', 370e6, 'downloads', 'Sensor Tower', 'global downloads (> 370M)', true),
    ('2025q1_us_revenue', DATE '2025-01-01', DATE '2025-03-31', 'us', 'revenue', 350e6, 'USD', 'Sensor Tower', 'US IAP (49% of global)', true),
    ('2025m07_global_downloads', DATE '2025-07-01', DATE '2025-07-31', 'global', 'downloads', 108e6, 'downloads', 'industry tracker (medium confidence)', '256 apps', false),
    ('2025m07_global_revenue', DATE '2025-07-01', DATE '2025-07-31', 'global', 'revenue', 209e6, 'USD', 'industry tracker (medium confidence)', '256 apps, net revenue', false),
    ('2025m08_global_revenue', DATE '2025-08-01', DATE '2025-08-31', 'global', 'revenue', 196.4e6, 'USD', 'DataEye (press)', 'global IAP', true),
    ('2025m08_global_downloads', DATE '2025-08-01', DATE '2025-08-31', 'global', 'downloads', 120.1e6, 'downloads', 'DataEye (press)', 'global downloads', true),
    ('2025m08_us_revenue', DATE '2025-08-01', DATE '2025-08-31', 'us', 'revenue', 102e6, 'USD', 'Appfigures (press)', 'US short-drama revenue', true),
    ('2025q3_global_downloads', DATE '2025-07-01', DATE '2025-09-30', 'global', 'downloads', 308e6, 'downloads', 'Appfigures (press)', '298 apps, > 308M downloads', true),
    ('2025q3_global_revenue', DATE '2025-07-01', DATE '2025-09-30', 'global', 'revenue', 647e6, 'USD', 'Appfigures (press)', '298 apps, > $647M revenue', true),
    ('2025_global_downloads', DATE '2025-01-01', DATE '2025-12-31', 'global', 'downloads', 2.3e9, 'downloads', 'Sensor Tower', 'short-drama downloads in 2025', true);

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.estimate_params (
    window_start    DATE    NOT NULL,
    window_end      DATE    NOT NULL,
    store           VARCHAR NOT NULL,
    country         VARCHAR NOT NULL,
    chart           VARCHAR NOT NULL,
    genre           VARCHAR NOT NULL,
    measure         VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,
    a               DOUBLE,
    b               DOUBLE,
    sigma           DOUBLE,
    a_prior         DOUBLE,
    a_prior_sd      DOUBLE,
    b_scale         DOUBLE,
    a_fit           DOUBLE,
    b_fit           DOUBLE,
    a_fit_se        DOUBLE,
    r2              DOUBLE,
    n_obs           INTEGER NOT NULL,
    n_zero          INTEGER NOT NULL,
    rank_min        DOUBLE,
    rank_max        DOUBLE,
    reference_value DOUBLE,
    estimated_value DOUBLE,
    inputs          JSON    NOT NULL,
    obs_keys        VARCHAR[],
    obs_dates       DATE[],
    obs_ranks       DOUBLE[],
    obs_values      DOUBLE[],
    residuals       DOUBLE[],
    PRIMARY KEY (window_start, store, country, chart, genre, measure, method)
);
COMMENT ON TABLE core.estimate_params IS 'Every fit of the estimation model, one per chart curve (store, country, chart, genre) and ISO-week fit window, plus the iOS ratings-per-download ratio and the checks against published and reported figures. Rebuilt by warehouse/estimates (docs/methodology.md).';
COMMENT ON COLUMN core.estimate_params.window_start IS 'Monday of the ISO week the fit uses (natural key part); for check_reported rows the first day of the reported period.';
COMMENT ON COLUMN core.estimate_params.window_end IS 'Sunday of the fit week (last day whose data the fit uses); for check_reported rows the last day of the period.';
COMMENT ON COLUMN core.estimate_params.store IS 'app_store | google_play; all for the published and reported checks (natural key part).';
COMMENT ON COLUMN core.estimate_params.country IS 'Storefront country of the curve; all for the ratio; the check''s scope (all | us | non_us | global) for checks (natural key part).';
COMMENT ON COLUMN core.estimate_params.chart IS 'top-free | top-paid | top-grossing; all for the ratio; market_totals / reported_metrics for checks (natural key part).';
COMMENT ON COLUMN core.estimate_params.genre IS 'Chart genre as in core.chart_entries; all for the ratio and published checks; the app for reported checks (natural key part).';
COMMENT ON COLUMN core.estimate_params.measure IS 'downloads | revenue | ratings_per_download (natural key part).';
COMMENT ON COLUMN core.estimate_params.method IS 'fit (calibrated on this curve''s own data) | pooled (shape and scale of the same chart in other countries that week) | prior (paper shape, scale from published totals) | check_published | check_reported (natural key part).';
COMMENT ON COLUMN core.estimate_params.a IS 'Rank exponent a used by the estimates, d(r) = b r^(-a).';
COMMENT ON COLUMN core.estimate_params.b IS 'Scale b used by the estimates: downloads/day or USD/day at rank 1; for the ratio row, ratings per download.';
COMMENT ON COLUMN core.estimate_params.sigma IS 'Log-scale standard deviation of an app-day estimate around the curve; the band is est x/÷ exp(band_z sigma).';
COMMENT ON COLUMN core.estimate_params.a_prior IS 'Prior mean of a (core.estimate_priors).';
COMMENT ON COLUMN core.estimate_params.a_prior_sd IS 'Prior standard deviation of a.';
COMMENT ON COLUMN core.estimate_params.b_scale IS 'Scale from published totals for the week (what a prior-only curve uses), kept for comparison on every curve.';
COMMENT ON COLUMN core.estimate_params.a_fit IS 'Unshrunk log-log least-squares slope of this curve''s observations (NULL if too few).';
COMMENT ON COLUMN core.estimate_params.b_fit IS 'Unshrunk least-squares scale of this curve''s observations (NULL if too few).';
COMMENT ON COLUMN core.estimate_params.a_fit_se IS 'Standard error of a_fit.';
COMMENT ON COLUMN core.estimate_params.r2 IS 'R^2 of the calibrated curve on the log observations.';
COMMENT ON COLUMN core.estimate_params.n_obs IS 'Observations with positive growth used by the fit (app-days: growth pairs ending on a ranked day; listings for the ratio).';
COMMENT ON COLUMN core.estimate_params.n_zero IS 'Observations left out because their growth was zero (log undefined).';
COMMENT ON COLUMN core.estimate_params.rank_min IS 'Smallest observed rank.';
COMMENT ON COLUMN core.estimate_params.rank_max IS 'Largest observed rank.';
COMMENT ON COLUMN core.estimate_params.reference_value IS 'Checks: the published or reported figure as a daily rate.';
COMMENT ON COLUMN core.estimate_params.estimated_value IS 'Checks: the same quantity from the estimates, as a daily rate over the covered days.';
COMMENT ON COLUMN core.estimate_params.inputs IS 'JSON: the ground truth used, the settings, the ratio, the published figure and any fallback reason.';
COMMENT ON COLUMN core.estimate_params.obs_keys IS 'The observations'' app keys (listing ids for the ratio), in the order of obs_ranks.';
COMMENT ON COLUMN core.estimate_params.obs_dates IS 'The observations'' days (the end of each growth pair), in the order of obs_ranks.';
COMMENT ON COLUMN core.estimate_params.obs_ranks IS 'The observations'' ranks that day.';
COMMENT ON COLUMN core.estimate_params.obs_values IS 'The observations'' measured daily downloads (ratings per download for the ratio).';
COMMENT ON COLUMN core.estimate_params.residuals IS 'log(observed) - log(b r^(-a)) per observation (log(ratio / b) for the ratio).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.app_estimates (
    snapshot_date DATE     NOT NULL,
    store         VARCHAR  NOT NULL,
    country       VARCHAR  NOT NULL,
    chart         VARCHAR  NOT NULL,
    genre         VARCHAR  NOT NULL,
    app_key       VARCHAR  NOT NULL,
    measure       VARCHAR  NOT NULL,
    rank          SMALLINT,
    chart_depth   SMALLINT NOT NULL,
    basis         VARCHAR  NOT NULL CHECK (basis IN ('ranked', 'tail')),
    est_downloads DOUBLE,
    est_revenue   DOUBLE,
    low           DOUBLE   NOT NULL,
    high          DOUBLE   NOT NULL,
    sigma         DOUBLE   NOT NULL,
    method        VARCHAR  NOT NULL,
    window_start  DATE     NOT NULL,
    is_primary    BOOLEAN  NOT NULL,
    PRIMARY KEY (snapshot_date, store, country, chart, genre, app_key)
);
COMMENT ON TABLE core.app_estimates IS 'Estimated downloads (top-free, top-paid) or revenue (top-grossing) per app, chart and day from core.estimate_params: every charted app, plus a below-chart tail row for each short-drama app not ranked in a captured chart.';
COMMENT ON COLUMN core.app_estimates.snapshot_date IS 'Day (natural key part).';
COMMENT ON COLUMN core.app_estimates.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN core.app_estimates.country IS 'Storefront country (natural key part).';
COMMENT ON COLUMN core.app_estimates.chart IS 'Chart the estimate comes from (natural key part).';
COMMENT ON COLUMN core.app_estimates.genre IS 'Chart genre (natural key part).';
COMMENT ON COLUMN core.app_estimates.app_key IS 'Product (natural key part). A product with two listings in one chart takes its best rank.';
COMMENT ON COLUMN core.app_estimates.measure IS 'downloads | revenue.';
COMMENT ON COLUMN core.app_estimates.rank IS 'Rank in the chart that day; NULL for a tail row (not ranked).';
COMMENT ON COLUMN core.app_estimates.chart_depth IS 'N: the chart''s deepest rank captured that day.';
COMMENT ON COLUMN core.app_estimates.basis IS 'ranked: b rank^(-a) | tail: tail_fraction * d(N+1), between 0 and d(N+1).';
COMMENT ON COLUMN core.app_estimates.est_downloads IS 'Estimated downloads that day (measure downloads; NULL otherwise).';
COMMENT ON COLUMN core.app_estimates.est_revenue IS 'Estimated revenue that day, USD (measure revenue; NULL otherwise).';
COMMENT ON COLUMN core.app_estimates.low IS 'Low end of the band: est exp(-band_z sigma); 0 for a tail row.';
COMMENT ON COLUMN core.app_estimates.high IS 'High end of the band: est exp(band_z sigma); d(N+1) for a tail row.';
COMMENT ON COLUMN core.app_estimates.sigma IS 'Log-scale sigma of the curve used.';
COMMENT ON COLUMN core.app_estimates.method IS 'fit | pooled | prior: how the curve''s parameters were obtained.';
COMMENT ON COLUMN core.app_estimates.window_start IS 'Fit week of the parameters used (core.estimate_params.window_start).';
COMMENT ON COLUMN core.app_estimates.is_primary IS 'The one row per (day, store, country, app, measure) the marts use: the ranked row with the smallest sigma (overall charts first), else the tail row with the lowest high.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.download_trends (
    snapshot_date       DATE    NOT NULL,
    store               VARCHAR NOT NULL,
    country             VARCHAR NOT NULL,
    app_key             VARCHAR NOT NULL,
    region              VARCHAR NOT NULL,
    app_name            VARCHAR,
    est_downloads       DOUBLE,
    downloads_low       DOUBLE,
    downloads_high      DOUBLE,
    downloads_basis     VARCHAR,
    downloads_chart     VARCHAR,
    est_revenue         DOUBLE,
    revenue_low         DOUBLE,
    revenue_high        DOUBLE,
    revenue_basis       VARCHAR,
    best_rank           SMALLINT,
    best_rank_chart     VARCHAR,
    charts_ranked       INTEGER NOT NULL,
    downloads_7d        DOUBLE,
    downloads_28d       DOUBLE,
    days_7d             INTEGER NOT NULL,
    days_28d            INTEGER NOT NULL,
    revenue_7d          DOUBLE,
    revenue_28d         DOUBLE,
    wow_change          DOUBLE,
    min_installs        BIGINT,
    real_installs       BIGINT,
    milestones_crossed  VARCHAR[],
    PRIMARY KEY (snapshot_date, store, country, app_key)
);
COMMENT ON TABLE marts.download_trends IS 'Estimated daily downloads and revenue of every tracked (short-drama) app, per store, country and captured day, with bands, rolling sums, week-over-week change, best rank and install milestones. Built by warehouse/marts/incremental/10_download_trends.sql.';
COMMENT ON COLUMN marts.download_trends.snapshot_date IS 'Day (natural key part): every day the store''s charts were captured in the country.';
COMMENT ON COLUMN marts.download_trends.store IS 'app_store | google_play (natural key part); only stores where the app has a listing.';
COMMENT ON COLUMN marts.download_trends.country IS 'Storefront country (natural key part).';
COMMENT ON COLUMN marts.download_trends.app_key IS 'Short-drama product (natural key part).';
COMMENT ON COLUMN marts.download_trends.region IS 'Region of the country (core.countries; other if unknown).';
COMMENT ON COLUMN marts.download_trends.app_name IS 'Product name.';
COMMENT ON COLUMN marts.download_trends.est_downloads IS 'Estimated downloads that day (primary core.app_estimates row); NULL if no download chart was captured.';
COMMENT ON COLUMN marts.download_trends.downloads_low IS 'Low end of the downloads band.';
COMMENT ON COLUMN marts.download_trends.downloads_high IS 'High end of the downloads band.';
COMMENT ON COLUMN marts.download_trends.downloads_basis IS 'ranked (from a chart rank) | tail (not ranked: tail_fraction * d(N+1)).';
COMMENT ON COLUMN marts.download_trends.downloads_chart IS 'chart/genre the downloads estimate comes from.';
COMMENT ON COLUMN marts.download_trends.est_revenue IS 'Estimated revenue that day, USD; NULL if no grossing chart was captured.';
COMMENT ON COLUMN marts.download_trends.revenue_low IS 'Low end of the revenue band.';
COMMENT ON COLUMN marts.download_trends.revenue_high IS 'High end of the revenue band.';
COMMENT ON COLUMN marts.download_trends.revenue_basis IS 'ranked | tail, as for downloads.';
COMMENT ON COLUMN marts.download_trends.best_rank IS 'Best rank of the app in any captured chart of the store and country that day; NULL if unranked.';
COMMENT ON COLUMN marts.download_trends.best_rank_chart IS 'chart/genre of best_rank.';
COMMENT ON COLUMN marts.download_trends.charts_ranked IS 'Captured charts ranking the app that day.';
COMMENT ON COLUMN marts.download_trends.downloads_7d IS 'Sum of est_downloads over the 7 calendar days ending on the day (captured days only, see days_7d).';
COMMENT ON COLUMN marts.download_trends.downloads_28d IS 'Sum of est_downloads over the 28 calendar days ending on the day (captured days only, see days_28d).';
COMMENT ON COLUMN marts.download_trends.days_7d IS 'Days with an estimate in the 7-day window.';
COMMENT ON COLUMN marts.download_trends.days_28d IS 'Days with an estimate in the 28-day window.';
COMMENT ON COLUMN marts.download_trends.revenue_7d IS 'Sum of est_revenue over the 7 calendar days ending on the day.';
COMMENT ON COLUMN marts.download_trends.revenue_28d IS 'Sum of est_revenue over the 28 calendar days ending on the day.';
COMMENT ON COLUMN marts.download_trends.wow_change IS 'Week-over-week change of downloads: mean daily est over days t-6..t / mean over t-13..t-7 - 1; NULL unless both weeks have at least 4 days.';
COMMENT ON COLUMN marts.download_trends.min_installs IS 'Google Play install band lower bound that day (NULL for the App Store).';
COMMENT ON COLUMN marts.download_trends.real_installs IS 'Google Play exact install count that day (global; NULL for the App Store).';
COMMENT ON COLUMN marts.download_trends.milestones_crossed IS 'Install milestones crossed since the previous snapshot (at most max_gap_days earlier): band:<installs_text> when the Play band rose, installs:<1M|5M|10M|50M|100M|500M|1B|5B|10B> when real_installs crossed it.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.rank_movers (
    snapshot_date    DATE     NOT NULL,
    store            VARCHAR  NOT NULL,
    country          VARCHAR  NOT NULL,
    chart            VARCHAR  NOT NULL,
    genre            VARCHAR  NOT NULL,
    store_app_id     VARCHAR  NOT NULL,
    app_key          VARCHAR,
    app_name         VARCHAR,
    is_short_drama   BOOLEAN,
    rank             SMALLINT,
    prev_date        DATE,
    prev_rank        SMALLINT,
    rank_change      INTEGER,
    movement         VARCHAR  NOT NULL,
    last_seen_date   DATE,
    days_absent      INTEGER,
    mover_position   INTEGER,
    entrant_position INTEGER,
    PRIMARY KEY (snapshot_date, store, country, chart, genre, store_app_id)
);
COMMENT ON TABLE marts.rank_movers IS 'Rank movements per chart and day: every entry compared with the chart''s previous capture, plus the apps that dropped out. Built by warehouse/marts/incremental/20_rank_movers.sql.';
COMMENT ON COLUMN marts.rank_movers.snapshot_date IS 'Day (natural key part).';
COMMENT ON COLUMN marts.rank_movers.store IS 'app_store | google_play (natural key part).';
COMMENT ON COLUMN marts.rank_movers.country IS 'Storefront country (natural key part).';
COMMENT ON COLUMN marts.rank_movers.chart IS 'Chart (natural key part).';
COMMENT ON COLUMN marts.rank_movers.genre IS 'Chart genre (natural key part).';
COMMENT ON COLUMN marts.rank_movers.store_app_id IS 'Listing (natural key part).';
COMMENT ON COLUMN marts.rank_movers.app_key IS 'Product of the listing (NULL if unresolved).';
COMMENT ON COLUMN marts.rank_movers.app_name IS 'Product name (the chart''s name if the product is unknown).';
COMMENT ON COLUMN marts.rank_movers.is_short_drama IS 'The product is a short-drama app.';
COMMENT ON COLUMN marts.rank_movers.rank IS 'Rank that day; NULL for dropped.';
COMMENT ON COLUMN marts.rank_movers.prev_date IS 'The chart''s previous capture day (NULL on its first capture).';
COMMENT ON COLUMN marts.rank_movers.prev_rank IS 'Rank on prev_date (NULL if not in the chart then).';
COMMENT ON COLUMN marts.rank_movers.rank_change IS 'prev_rank - rank: positive = moved up.';
COMMENT ON COLUMN marts.rank_movers.movement IS 'up | down | same | new_entrant (first appearance in the chart within the data, or back after >= new_entrant_absent_days days absent) | re_entry (back after a shorter absence) | dropped (in the chart on prev_date, not today) | baseline (the chart''s first capture: nothing to compare).';
COMMENT ON COLUMN marts.rank_movers.last_seen_date IS 'The listing''s previous appearance in the chart before the day (NULL if none).';
COMMENT ON COLUMN marts.rank_movers.days_absent IS 'Calendar days between last_seen_date and the day, exclusive (NULL if never seen before).';
COMMENT ON COLUMN marts.rank_movers.mover_position IS '1 = the biggest move (|rank_change|, then better rank) among the up/down rows of the chart that day; NULL otherwise.';
COMMENT ON COLUMN marts.rank_movers.entrant_position IS '1 = the best-ranked new entrant or re-entry of the chart that day; NULL otherwise.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.market_share_top (
    basis            VARCHAR NOT NULL CHECK (basis IN ('chart_presence', 'estimated_downloads', 'estimated_revenue')),
    grain            VARCHAR NOT NULL CHECK (grain IN ('day', 'week', 'month')),
    period_start     DATE    NOT NULL,
    period_label     VARCHAR NOT NULL,
    store            VARCHAR NOT NULL,
    geo_level        VARCHAR NOT NULL CHECK (geo_level IN ('country', 'region', 'global')),
    geo              VARCHAR NOT NULL,
    chart            VARCHAR NOT NULL,
    genre            VARCHAR NOT NULL,
    app_key          VARCHAR NOT NULL,
    position         INTEGER NOT NULL,
    app_name         VARCHAR,
    value            DOUBLE  NOT NULL,
    value_low        DOUBLE,
    value_high       DOUBLE,
    share            DOUBLE  NOT NULL,
    apps_in_row      INTEGER NOT NULL,
    apps_in_group    INTEGER NOT NULL,
    countries_in_group INTEGER NOT NULL,
    stores_in_group  INTEGER NOT NULL,
    PRIMARY KEY (basis, grain, period_start, store, geo_level, geo, chart, genre, app_key)
);
COMMENT ON TABLE marts.market_share_top IS 'Market share of short-drama apps by basis (chart_presence | estimated_downloads | estimated_revenue), grain (day | ISO week | month) and geography (country | region | global): the top N apps of each group plus one others row; shares sum to 1 per group. Built by warehouse/marts/incremental/30_market_share_top.sql.';
COMMENT ON COLUMN marts.market_share_top.basis IS 'chart_presence: rank weights rank^(-0.944) (marts.market_share) | estimated_downloads | estimated_revenue: marts.download_trends (natural key part).';
COMMENT ON COLUMN marts.market_share_top.grain IS 'day | week (ISO, Monday start) | month (natural key part).';
COMMENT ON COLUMN marts.market_share_top.period_start IS 'The day, the Monday of the ISO week, or the first of the month (natural key part).';
COMMENT ON COLUMN marts.market_share_top.period_label IS 'YYYY-MM-DD | YYYY-Www (ISO week) | YYYY-MM.';
COMMENT ON COLUMN marts.market_share_top.store IS 'app_store | google_play | both (estimates: the two stores summed; chart_presence: as in marts.market_share) (natural key part).';
COMMENT ON COLUMN marts.market_share_top.geo_level IS 'country | region | global (natural key part).';
COMMENT ON COLUMN marts.market_share_top.geo IS 'The country code, the region (core.countries), or global (natural key part).';
COMMENT ON COLUMN marts.market_share_top.chart IS 'chart_presence: the chart; estimates: all (natural key part).';
COMMENT ON COLUMN marts.market_share_top.genre IS 'chart_presence: the genre (chart family for store both); estimates: all (natural key part).';
COMMENT ON COLUMN marts.market_share_top.app_key IS 'Short-drama product, or others for the apps outside the top N (natural key part).';
COMMENT ON COLUMN marts.market_share_top.position IS '1..N by value (ties: app_key); N+1 for others.';
COMMENT ON COLUMN marts.market_share_top.app_name IS 'Product name; Others for the others row.';
COMMENT ON COLUMN marts.market_share_top.value IS 'The app''s total in the group: rank-weight sum, estimated downloads, or estimated revenue (USD).';
COMMENT ON COLUMN marts.market_share_top.value_low IS 'Sum of the low ends of the bands (estimates only; bands add as if fully correlated).';
COMMENT ON COLUMN marts.market_share_top.value_high IS 'Sum of the high ends of the bands (estimates only).';
COMMENT ON COLUMN marts.market_share_top.share IS 'value / group total; sums to 1 per (basis, grain, period_start, store, geo_level, geo, chart, genre).';
COMMENT ON COLUMN marts.market_share_top.apps_in_row IS '1, or the number of apps folded into others.';
COMMENT ON COLUMN marts.market_share_top.apps_in_group IS 'Short-drama apps with a positive value in the group (before the top-N cut).';
COMMENT ON COLUMN marts.market_share_top.countries_in_group IS 'Countries contributing to the group.';
COMMENT ON COLUMN marts.market_share_top.stores_in_group IS 'Stores contributing to the group.';

-- ---------------------------------------------------------------------------------------------------------
-- marts.market_share (0001/0002) stays as it is; its two uncommented columns get a comment.
COMMENT ON COLUMN marts.market_share.app_name IS 'Product name (core.apps.name).';
COMMENT ON COLUMN marts.market_share.best_rank IS 'Best rank of the app in the group''s charts during the period.';
