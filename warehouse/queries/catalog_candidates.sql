-- Chart listings the classifier calls short drama (candidate) or waiting for a description (pending) that are not
-- catalog apps, with the evidence (listing_reason: which words, which fields), where and how high they charted.
SELECT ids.store, ids.store_app_id, ids.app_key, ids.listing_name AS name, ids.listing_publisher AS publisher,
       ids.listing_status AS status, ids.listing_reason AS evidence, ids.first_seen_date, ids.last_seen_date,
       min(ce.rank) AS best_rank,
       string_agg(DISTINCT ce.country, ',' ORDER BY ce.country) AS countries
FROM core.app_store_ids AS ids
JOIN core.apps AS a ON a.app_key = ids.app_key
LEFT JOIN core.chart_entries AS ce ON ce.store = ids.store AND ce.store_app_id = ids.store_app_id
WHERE ids.listing_status IN ('candidate', 'pending') AND a.status <> 'catalog'
GROUP BY ALL
ORDER BY ids.listing_status, best_rank NULLS LAST, ids.store, ids.store_app_id;
