-- Upsert the batch's stories (staging_news_articles) into core.news_articles by canonical_url, order-independent:
-- the content comes from the earliest batch that saw a story ((snapshot_date, batch_id) smallest; the same batch
-- again replaces it), first_seen_date is the minimum and last_seen_date the maximum snapshot date.
-- Parameters: $batch_id, $snapshot_date.

UPDATE core.news_articles AS a SET
    url             = s.url,
    title           = s.title,
    publisher       = s.publisher,
    publisher_url   = s.publisher_url,
    published_at    = CAST(s.published_at AS TIMESTAMPTZ),
    language        = s.language,
    lang            = s.lang,
    summary         = s.summary,
    source_feed     = s.source_feed,
    source_feeds    = CAST(s.source_feeds AS JSON),
    deliveries      = s.deliveries,
    guid            = s.guid,
    edition         = s.edition,
    fetched_at      = CAST(s.fetched_at AS TIMESTAMPTZ),
    first_batch_id  = $batch_id,
    first_seen_date = CAST($snapshot_date AS DATE)
FROM staging_news_articles AS s
WHERE a.canonical_url = s.canonical_url
  AND (CAST($snapshot_date AS DATE) < a.first_seen_date
       OR (CAST($snapshot_date AS DATE) = a.first_seen_date AND $batch_id <= a.first_batch_id));

INSERT INTO core.news_articles (
    canonical_url, url, title, publisher, publisher_url, published_at, language, lang, summary, source_feed,
    source_feeds, deliveries, guid, edition, fetched_at, first_batch_id, first_seen_date, last_seen_date
)
SELECT
    s.canonical_url, s.url, coalesce(s.title, ''), s.publisher, s.publisher_url,
    CAST(s.published_at AS TIMESTAMPTZ), s.language, s.lang, s.summary, s.source_feed,
    CAST(s.source_feeds AS JSON), s.deliveries, s.guid, s.edition, CAST(s.fetched_at AS TIMESTAMPTZ),
    $batch_id, CAST($snapshot_date AS DATE), CAST($snapshot_date AS DATE)
FROM (SELECT DISTINCT ON (canonical_url) * FROM staging_news_articles ORDER BY canonical_url, url) AS s
ORDER BY s.canonical_url
ON CONFLICT (canonical_url) DO NOTHING;

UPDATE core.news_articles AS a
SET last_seen_date = greatest(a.last_seen_date, CAST($snapshot_date AS DATE))
FROM staging_news_articles AS s
WHERE a.canonical_url = s.canonical_url AND a.last_seen_date < CAST($snapshot_date AS DATE);
