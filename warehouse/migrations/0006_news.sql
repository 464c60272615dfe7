-- 0006_news: the news source (Google News searches and industry feeds; dramatrack/pipeline/stage_news.py).
--   * core.news_articles: one row per story, keyed by canonical URL, upserted by every news batch that saw it;
--   * core.news_mentions: tracked apps named in a story's title or summary (union over every delivery);
--   * core.reported_metrics: figures the press reports (downloads, revenue, shares, users, market size, ranks);
--   * marts.news_share_of_voice and marts.reported_figures_latest: rebuilt by warehouse/marts/90_news.sql.
-- Loads (warehouse/news_loader.py) never delete: a story's content comes from the earliest batch that saw it
-- (snapshot_date, then batch_id), mentions and figures are the union over batches, so loading batches again
-- or in any order gives the same tables.

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.news_articles (
    canonical_url   VARCHAR     PRIMARY KEY,
    url             VARCHAR     NOT NULL,
    title           VARCHAR     NOT NULL,
    publisher       VARCHAR,
    publisher_url   VARCHAR,
    published_at    TIMESTAMPTZ,
    language        VARCHAR,
    lang            VARCHAR,
    summary         VARCHAR,
    source_feed     VARCHAR,
    source_feeds    JSON,
    deliveries      INTEGER,
    guid            VARCHAR,
    edition         VARCHAR,
    fetched_at      TIMESTAMPTZ,
    first_batch_id  VARCHAR     NOT NULL,
    first_seen_date DATE        NOT NULL,
    last_seen_date  DATE        NOT NULL
);
COMMENT ON TABLE core.news_articles IS 'One row per news story (deduplicated across the searches and feeds of a batch: same canonical URL, or near-identical titles within 72 hours). Content comes from the earliest batch that saw the story (first_seen_date, then first_batch_id); re-loading a batch is idempotent.';
COMMENT ON COLUMN core.news_articles.canonical_url IS 'Natural key: the target URL normalised by transforms.urls.canonical_url (an old-style Google News link is decoded offline; an opaque one stays the Google link).';
COMMENT ON COLUMN core.news_articles.url IS 'The link as the feed gave it (a news.google.com redirect for Google News).';
COMMENT ON COLUMN core.news_articles.title IS 'Headline, without the " - Publisher" Google News appends.';
COMMENT ON COLUMN core.news_articles.publisher IS 'Publisher (Google News <source>, or the industry feed''s title).';
COMMENT ON COLUMN core.news_articles.publisher_url IS 'Publisher home page as the feed gives it.';
COMMENT ON COLUMN core.news_articles.published_at IS 'Publication time (UTC) from pubDate / published / updated; NULL if unreadable.';
COMMENT ON COLUMN core.news_articles.language IS 'Language the feed declares (en-US, zh-CN, en-GB...), else the edition''s.';
COMMENT ON COLUMN core.news_articles.lang IS 'Primary language subtag of language: en | zh (the language of marts.news_share_of_voice).';
COMMENT ON COLUMN core.news_articles.summary IS 'Description / summary as plain text.';
COMMENT ON COLUMN core.news_articles.source_feed IS 'The delivery kept: gnews:<edition>:<query> or feed:<url>.';
COMMENT ON COLUMN core.news_articles.source_feeds IS 'JSON list of every search and feed of the batch that delivered the story.';
COMMENT ON COLUMN core.news_articles.deliveries IS 'Number of feed items of the batch that carried the story.';
COMMENT ON COLUMN core.news_articles.guid IS 'RSS guid / Atom id of the delivery kept.';
COMMENT ON COLUMN core.news_articles.edition IS 'News edition of the batch (Google News hl: en-US, zh-CN).';
COMMENT ON COLUMN core.news_articles.fetched_at IS 'When the response of the delivery kept was served (UTC): its HTTP Date header, else the fetch time (a replay keeps the original time).';
COMMENT ON COLUMN core.news_articles.first_batch_id IS 'The news batch the content comes from (news:<date>:<edition>).';
COMMENT ON COLUMN core.news_articles.first_seen_date IS 'Earliest snapshot date of a loaded batch that saw the story.';
COMMENT ON COLUMN core.news_articles.last_seen_date IS 'Latest snapshot date of a loaded batch that saw the story.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.news_mentions (
    canonical_url VARCHAR NOT NULL,
    app_key       VARCHAR NOT NULL,
    field         VARCHAR NOT NULL CHECK (field IN ('title', 'summary', 'text')),
    matched       VARCHAR NOT NULL,
    PRIMARY KEY (canonical_url, app_key, field)
);
COMMENT ON TABLE core.news_mentions IS 'A tracked app named in one field of a story (transforms.news_mentions), over every delivery of the story in every loaded batch.';
COMMENT ON COLUMN core.news_mentions.canonical_url IS 'The story (core.news_articles; natural key part).';
COMMENT ON COLUMN core.news_mentions.app_key IS 'The catalog app named (core.apps; natural key part).';
COMMENT ON COLUMN core.news_mentions.field IS 'title | summary (| text, the article body, not fetched yet) (natural key part).';
COMMENT ON COLUMN core.news_mentions.matched IS 'The name as written (first occurrence; the smallest across deliveries).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE core.reported_metrics (
    canonical_url VARCHAR NOT NULL,
    figure_key    VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL CHECK (subject IN ('app', 'apps', 'market')),
    subject_key   VARCHAR NOT NULL,
    app_key       VARCHAR,
    app_name      VARCHAR,
    metric        VARCHAR NOT NULL CHECK (metric IN ('downloads', 'revenue', 'market_share', 'users', 'market_size', 'rank')),
    value         DOUBLE  NOT NULL,
    currency      VARCHAR,
    period        VARCHAR,
    sentence      VARCHAR NOT NULL,
    unit_text     VARCHAR,
    PRIMARY KEY (canonical_url, figure_key)
);
COMMENT ON TABLE core.reported_metrics IS 'Figures a story reports in its headline or summary (transforms.news_metrics.extract_metrics): one row per distinct figure per story, over every delivery.';
COMMENT ON COLUMN core.reported_metrics.canonical_url IS 'The story (core.news_articles; natural key part).';
COMMENT ON COLUMN core.reported_metrics.figure_key IS 'subject_key|metric|value|currency|period (natural key part).';
COMMENT ON COLUMN core.reported_metrics.subject IS 'app (one tracked app) | apps (a figure shared by several apps) | market (market-wide).';
COMMENT ON COLUMN core.reported_metrics.subject_key IS 'The app_key, the app keys joined with +, or market.';
COMMENT ON COLUMN core.reported_metrics.app_key IS 'The app when subject = app, else NULL.';
COMMENT ON COLUMN core.reported_metrics.app_name IS 'Catalog display name(s) as the extractor gives them (ReelShort, ReelShort+DramaBox); NULL for the market.';
COMMENT ON COLUMN core.reported_metrics.metric IS 'downloads | revenue | market_share | users | market_size | rank.';
COMMENT ON COLUMN core.reported_metrics.value IS 'Counts and ranks as numbers; market_share as a fraction in [0, 1]; money in currency units.';
COMMENT ON COLUMN core.reported_metrics.currency IS 'ISO 4217 code for revenue and market_size (USD, CNY...); NULL otherwise.';
COMMENT ON COLUMN core.reported_metrics.period IS 'Period the figure covers: 2025-08, 2025-Q1, 2025-H1, 2025; NULL if the text names none.';
COMMENT ON COLUMN core.reported_metrics.sentence IS 'The sentence the figure was read from.';
COMMENT ON COLUMN core.reported_metrics.unit_text IS 'The figure as written: $48.74 million, 1.2亿, 45.68%, No. 1.';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.news_share_of_voice (
    week_start       DATE    NOT NULL,
    iso_week         VARCHAR NOT NULL,
    lang             VARCHAR NOT NULL,
    app_key          VARCHAR NOT NULL,
    app_name         VARCHAR,
    articles         INTEGER NOT NULL,
    title_articles   INTEGER NOT NULL,
    mentions         INTEGER NOT NULL,
    articles_in_week INTEGER NOT NULL,
    share_of_voice   DOUBLE  NOT NULL,
    voice_rank       INTEGER NOT NULL,
    PRIMARY KEY (week_start, lang, app_key)
);
COMMENT ON TABLE marts.news_share_of_voice IS 'Press share of voice: stories naming each tracked app per ISO week (of publication, UTC; first_seen_date when unknown) and language. Rebuilt in full by warehouse/marts/90_news.sql.';
COMMENT ON COLUMN marts.news_share_of_voice.week_start IS 'Monday of the ISO week (natural key part).';
COMMENT ON COLUMN marts.news_share_of_voice.iso_week IS 'ISO week label, e.g. 2026-W45.';
COMMENT ON COLUMN marts.news_share_of_voice.lang IS 'Language of the stories: en | zh (natural key part).';
COMMENT ON COLUMN marts.news_share_of_voice.app_key IS 'The app (natural key part).';
COMMENT ON COLUMN marts.news_share_of_voice.app_name IS 'App name (core.apps).';
COMMENT ON COLUMN marts.news_share_of_voice.articles IS 'Stories naming the app (title or summary).';
COMMENT ON COLUMN marts.news_share_of_voice.title_articles IS 'Stories naming the app in the headline.';
COMMENT ON COLUMN marts.news_share_of_voice.mentions IS 'Mention rows (one per field naming the app) of those stories.';
COMMENT ON COLUMN marts.news_share_of_voice.articles_in_week IS 'Stories of the week and language naming any tracked app.';
COMMENT ON COLUMN marts.news_share_of_voice.share_of_voice IS 'articles / the sum of articles over all apps of the week and language (sums to 1 per week and language; a story naming two apps counts for both).';
COMMENT ON COLUMN marts.news_share_of_voice.voice_rank IS '1 = the most-covered app of the week and language (ties: the smaller app_key first).';

-- ---------------------------------------------------------------------------------------------------------
CREATE TABLE marts.reported_figures_latest (
    subject_key   VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    lang          VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,
    app_key       VARCHAR,
    app_name      VARCHAR,
    value         DOUBLE  NOT NULL,
    currency      VARCHAR,
    period        VARCHAR,
    unit_text     VARCHAR,
    sentence      VARCHAR NOT NULL,
    canonical_url VARCHAR NOT NULL,
    title         VARCHAR,
    publisher     VARCHAR,
    published_at  TIMESTAMPTZ,
    reports       INTEGER NOT NULL,
    PRIMARY KEY (subject_key, metric, lang)
);
COMMENT ON TABLE marts.reported_figures_latest IS 'The most recently reported figure per app (or app group, or the market), metric and press language: the figure of the latest-published story (then the latest period), with its source story and sentence. Rebuilt in full by warehouse/marts/90_news.sql.';
COMMENT ON COLUMN marts.reported_figures_latest.subject_key IS 'app_key, app keys joined with + (a shared figure), or market (natural key part).';
COMMENT ON COLUMN marts.reported_figures_latest.metric IS 'downloads | revenue | market_share | users | market_size | rank (natural key part).';
COMMENT ON COLUMN marts.reported_figures_latest.lang IS 'Language of the reporting stories: en | zh (natural key part).';
COMMENT ON COLUMN marts.reported_figures_latest.subject IS 'app | apps | market.';
COMMENT ON COLUMN marts.reported_figures_latest.app_key IS 'The app when subject = app, else NULL.';
COMMENT ON COLUMN marts.reported_figures_latest.app_name IS 'App name (core.apps; the extractor''s display names for a group; NULL for the market).';
COMMENT ON COLUMN marts.reported_figures_latest.value IS 'The figure: counts and ranks as numbers, shares as fractions, money in currency units.';
COMMENT ON COLUMN marts.reported_figures_latest.currency IS 'ISO 4217 code for money; NULL otherwise.';
COMMENT ON COLUMN marts.reported_figures_latest.period IS 'Period the figure covers (2025-08, 2025-Q1, 2025-H1, 2025), NULL if the story names none.';
COMMENT ON COLUMN marts.reported_figures_latest.unit_text IS 'The figure as written.';
COMMENT ON COLUMN marts.reported_figures_latest.sentence IS 'The sentence it was read from.';
COMMENT ON COLUMN marts.reported_figures_latest.canonical_url IS 'The source story (core.news_articles).';
COMMENT ON COLUMN marts.reported_figures_latest.title IS 'Headline of the source story.';
COMMENT ON COLUMN marts.reported_figures_latest.publisher IS 'Publisher of the source story.';
COMMENT ON COLUMN marts.reported_figures_latest.published_at IS 'Publication time of the source story (UTC).';
COMMENT ON COLUMN marts.reported_figures_latest.reports IS 'Distinct stories in the language reporting any figure of this subject and metric.';
