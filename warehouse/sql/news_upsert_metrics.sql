-- Add the batch's reported figures (staging_news_metrics) to core.reported_metrics: the union over batches by
-- (canonical_url, figure_key); of the sentences a figure was read from, the smallest is kept (order-independent).

INSERT INTO core.reported_metrics (
    canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
    sentence, unit_text
)
SELECT canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
       sentence, unit_text
FROM (SELECT DISTINCT ON (canonical_url, figure_key) * FROM staging_news_metrics
      ORDER BY canonical_url, figure_key, sentence, unit_text)
ORDER BY canonical_url, figure_key
ON CONFLICT (canonical_url, figure_key) DO UPDATE SET
    unit_text = CASE WHEN excluded.sentence < sentence THEN excluded.unit_text ELSE unit_text END,
    sentence  = least(sentence, excluded.sentence);
