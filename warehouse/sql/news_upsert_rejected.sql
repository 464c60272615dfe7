-- Add the batch's rejected figures (staging_news_rejected) to core.reported_metrics_rejected: the union over
-- batches by (canonical_url, figure_key); the smallest sentence and the first batch are kept (order-independent).

INSERT INTO core.reported_metrics_rejected (
    canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
    sentence, unit_text, source_text, reason, first_batch_id
)
SELECT canonical_url, figure_key, subject, subject_key, app_key, app_name, metric, value, currency, period,
       sentence, unit_text, source_text, rejected_reason, $batch_id
FROM (SELECT DISTINCT ON (canonical_url, figure_key) * FROM staging_news_rejected
      ORDER BY canonical_url, figure_key, sentence, unit_text, source_text)
ORDER BY canonical_url, figure_key
ON CONFLICT (canonical_url, figure_key) DO UPDATE SET
    unit_text      = CASE WHEN excluded.sentence < sentence THEN excluded.unit_text ELSE unit_text END,
    source_text    = CASE WHEN excluded.sentence < sentence THEN excluded.source_text
                          WHEN excluded.sentence = sentence THEN least(source_text, excluded.source_text)
                          ELSE source_text END,
    sentence       = least(sentence, excluded.sentence),
    reason         = CASE WHEN excluded.first_batch_id < first_batch_id THEN excluded.reason ELSE reason END,
    first_batch_id = least(first_batch_id, excluded.first_batch_id);
