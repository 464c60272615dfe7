-- Add the batch's app mentions (staging_news_mentions) to core.news_mentions: the union over batches, so a story
-- keeps every app any delivery named. matched keeps the smallest spelling seen (order-independent).

INSERT INTO core.news_mentions (canonical_url, app_key, field, matched)
SELECT canonical_url, app_key, field, min(matched)
FROM staging_news_mentions
GROUP BY canonical_url, app_key, field
ORDER BY canonical_url, app_key, field
ON CONFLICT (canonical_url, app_key, field) DO UPDATE SET matched = least(matched, excluded.matched);
