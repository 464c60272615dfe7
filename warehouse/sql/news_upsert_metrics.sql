-- Add the batch's reported figures (staging_news_metrics) to core.reported_metrics: the union over batches by
-- (canonical_url, figure_key); of the sentences a figure was read from, the smallest is kept with its unit_text and
-- source_text (the smallest of those on a tie), so the result is order-independent.

INSERT INTO core.reported_metrics (
    canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
    sentence, unit_text, source_text
)
SELECT canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
       sentence, unit_text, source_text
FROM (SELECT DISTINCT ON (canonical_url, figure_key) * FROM staging_news_metrics
      ORDER BY canonical_url, figure_key, sentence, unit_text, source_text)
ORDER BY canonical_url, figure_key
ON CONFLICT (canonical_url, figure_key) DO UPDATE SET
    unit_text = CASE WHEN excluded.sentence < sentence THEN excluded.unit_text ELSE unit_text END,
    source_text = CASE WHEN excluded.sentence < sentence THEN excluded.source_text
                       WHEN excluded.sentence = sentence THEN least(source_text, excluded.source_text)
                       ELSE coalesce(source_text, excluded.source_text) END,
    sentence  = least(sentence, excluded.sentence);
