-- 0008_reported_metrics_rejected: reported figures the plausibility suite (expectations/suites.py,
-- reported_figures_plausible) rejected — a revenue or download figure below the floor, a share above 1, a rank
-- above the maximum, more users than the world's internet population, a sentence not in the article. Their
-- article, mentions and other figures load as usual; marts.reported_figures_latest reads only
-- core.reported_metrics, so it shows only figures that passed. Both tables keep the text each figure was read
-- from (source_text: the headline and summary of that delivery), so the "sentence in the article" check can be
-- repeated on the warehouse.

ALTER TABLE core.reported_metrics ADD COLUMN source_text VARCHAR;
COMMENT ON COLUMN core.reported_metrics.source_text IS 'The headline and summary (of the delivery) the figure was read from, whitespace collapsed; NULL for figures loaded before migration 0008.';

CREATE TABLE core.reported_metrics_rejected (
    canonical_url VARCHAR NOT NULL,
    figure_key    VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,
    subject_key   VARCHAR NOT NULL,
    app_key       VARCHAR,
    app_name      VARCHAR,
    metric        VARCHAR NOT NULL,
    value         DOUBLE,
    currency      VARCHAR,
    period        VARCHAR,
    sentence      VARCHAR NOT NULL,
    unit_text     VARCHAR,
    source_text   VARCHAR,
    reason        VARCHAR NOT NULL,
    first_batch_id VARCHAR NOT NULL,
    PRIMARY KEY (canonical_url, figure_key)
);
COMMENT ON TABLE core.reported_metrics_rejected IS 'Figures read from a story that failed the plausibility suite (reported_figures_plausible), with the reason; never in core.reported_metrics or the marts. Union over batches; the first batch that rejected a figure is kept.';
COMMENT ON COLUMN core.reported_metrics_rejected.canonical_url IS 'The story (core.news_articles; natural key part).';
COMMENT ON COLUMN core.reported_metrics_rejected.figure_key IS 'subject_key|metric|value|currency|period (natural key part).';
COMMENT ON COLUMN core.reported_metrics_rejected.subject IS 'app | apps | market.';
COMMENT ON COLUMN core.reported_metrics_rejected.subject_key IS 'The app_key, the app keys joined with +, or market.';
COMMENT ON COLUMN core.reported_metrics_rejected.app_key IS 'The app when subject = app, else NULL.';
COMMENT ON COLUMN core.reported_metrics_rejected.app_name IS 'Display name(s) as the extractor gives them.';
COMMENT ON COLUMN core.reported_metrics_rejected.metric IS 'downloads | revenue | market_share | users | market_size | rank.';
COMMENT ON COLUMN core.reported_metrics_rejected.value IS 'The value as extracted (implausible: see reason).';
COMMENT ON COLUMN core.reported_metrics_rejected.currency IS 'ISO 4217 code for money, else NULL.';
COMMENT ON COLUMN core.reported_metrics_rejected.period IS 'Period the figure was read as covering, NULL if none.';
COMMENT ON COLUMN core.reported_metrics_rejected.sentence IS 'The sentence it was read from.';
COMMENT ON COLUMN core.reported_metrics_rejected.unit_text IS 'The figure as written.';
COMMENT ON COLUMN core.reported_metrics_rejected.source_text IS 'The headline and summary the figure was read from.';
COMMENT ON COLUMN core.reported_metrics_rejected.reason IS 'Why it was rejected: the failed plausibility checks, joined with "; ".';
COMMENT ON COLUMN core.reported_metrics_rejected.first_batch_id IS 'The news batch that first rejected it.';
