-- The news marts, rebuilt in full on every build (full or incremental): they read only the news tables of core,
-- which are small, and a story published weeks ago can be first seen (and so change an old week) today, which
-- a snapshot-date scope could not express. Independent of the other marts and of the refresh scope tables.
--
-- marts.news_share_of_voice: per ISO week (of publication, UTC; first_seen_date when the date is unknown),
-- language (en | zh) and tracked app, the stories naming the app in their headline or summary, and its share
-- of all app-naming stories of that week and language.
--
-- marts.reported_figures_latest: per subject (app, app group or market), metric and language, the figure of
-- the latest-published story reporting one (then the latest period, then the larger value, then the story
-- URL, for determinism).

DELETE FROM marts.news_share_of_voice;

INSERT INTO marts.news_share_of_voice (
    week_start, iso_week, lang, app_key, app_name, articles, title_articles, mentions, articles_in_week,
    share_of_voice, voice_rank
)
WITH stories AS (
    SELECT canonical_url, coalesce(lang, 'unknown') AS lang,
           CAST(date_trunc('week', coalesce(CAST(timezone('UTC', published_at) AS DATE), first_seen_date)) AS DATE)
               AS week_start
    FROM core.news_articles
),
per_app AS (
    SELECT s.week_start, s.lang, m.app_key,
           count(DISTINCT m.canonical_url) AS articles,
           count(DISTINCT m.canonical_url) FILTER (WHERE m.field = 'title') AS title_articles,
           count(*) AS mentions
    FROM core.news_mentions AS m
    JOIN stories AS s USING (canonical_url)
    GROUP BY ALL
),
per_week AS (
    SELECT s.week_start, s.lang, count(DISTINCT m.canonical_url) AS articles_in_week
    FROM core.news_mentions AS m
    JOIN stories AS s USING (canonical_url)
    GROUP BY ALL
)
SELECT
    p.week_start,
    strftime(p.week_start, '%G-W%V') AS iso_week,
    p.lang,
    p.app_key,
    coalesce(a.name, p.app_key) AS app_name,
    p.articles,
    p.title_articles,
    p.mentions,
    w.articles_in_week,
    p.articles / sum(p.articles) OVER (PARTITION BY p.week_start, p.lang) AS share_of_voice,
    row_number() OVER (PARTITION BY p.week_start, p.lang ORDER BY p.articles DESC, p.app_key) AS voice_rank
FROM per_app AS p
JOIN per_week AS w USING (week_start, lang)
LEFT JOIN core.apps AS a USING (app_key)
ORDER BY p.week_start, p.lang, p.app_key;

DELETE FROM marts.reported_figures_latest;

INSERT INTO marts.reported_figures_latest (
    subject_key, metric, lang, subject, app_key, app_name, value, currency, period, unit_text, sentence,
    canonical_url, title, publisher, published_at, reports
)
WITH figures AS (
    SELECT r.*, coalesce(n.lang, 'unknown') AS lang, n.title, n.publisher, n.published_at,
           coalesce(n.published_at, CAST(n.first_seen_date AS TIMESTAMPTZ)) AS reported_at
    FROM core.reported_metrics AS r
    JOIN core.news_articles AS n USING (canonical_url)
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY subject_key, metric, lang
                              ORDER BY reported_at DESC, period DESC NULLS LAST, value DESC, canonical_url,
                                       figure_key) AS pick,
           count(DISTINCT canonical_url) OVER (PARTITION BY subject_key, metric, lang) AS reports
    FROM figures
)
SELECT
    r.subject_key, r.metric, r.lang, r.subject, r.app_key,
    CASE WHEN r.subject = 'app' THEN coalesce(a.name, r.app_name) ELSE r.app_name END AS app_name,
    r.value, r.currency, r.period, r.unit_text, r.sentence, r.canonical_url, r.title, r.publisher,
    r.published_at, r.reports
FROM ranked AS r
LEFT JOIN core.apps AS a ON a.app_key = r.app_key
WHERE r.pick = 1
ORDER BY r.subject_key, r.metric, r.lang;
