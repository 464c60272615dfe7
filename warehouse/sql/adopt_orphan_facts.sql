-- ... and then point at the listing's product (after adopt_orphan_listings.sql).
-- The days those facts lie on change for the marts too (ops.marts_pending_dates, read by the next refresh).
INSERT OR IGNORE INTO ops.marts_pending_dates
SELECT DISTINCT snapshot_date FROM core.chart_entries
JOIN core.app_store_ids AS ids ON ids.store = chart_entries.store AND ids.store_app_id = chart_entries.store_app_id
WHERE chart_entries.app_key IS NULL
UNION
SELECT DISTINCT snapshot_date FROM core.app_metrics
JOIN core.app_store_ids AS ids ON ids.store = app_metrics.store AND ids.store_app_id = app_metrics.store_app_id
WHERE app_metrics.app_key IS NULL;

UPDATE core.chart_entries SET app_key = ids.app_key
FROM core.app_store_ids AS ids
WHERE chart_entries.app_key IS NULL
  AND ids.store = chart_entries.store AND ids.store_app_id = chart_entries.store_app_id;

UPDATE core.app_metrics SET app_key = ids.app_key
FROM core.app_store_ids AS ids
WHERE app_metrics.app_key IS NULL
  AND ids.store = app_metrics.store AND ids.store_app_id = app_metrics.store_app_id;
