-- Facts follow their listing to its new product (resolved_listings: listings whose app_key changed). Scans the
-- fact tables, so the loader runs it only when a listing that already had facts changed product (a catalog
-- app claimed it, or a cross-store name match merged it), not for every batch.
-- The days those facts lie on change for the marts too (ops.marts_pending_dates, read by the next refresh).
INSERT OR IGNORE INTO ops.marts_pending_dates
SELECT DISTINCT snapshot_date FROM core.chart_entries
JOIN resolved_listings AS r ON r.store = chart_entries.store AND r.store_app_id = chart_entries.store_app_id
WHERE chart_entries.app_key IS DISTINCT FROM r.app_key
UNION
SELECT DISTINCT snapshot_date FROM core.app_metrics
JOIN resolved_listings AS r ON r.store = app_metrics.store AND r.store_app_id = app_metrics.store_app_id
WHERE app_metrics.app_key IS DISTINCT FROM r.app_key;

UPDATE core.chart_entries SET app_key = r.app_key
FROM resolved_listings AS r
WHERE r.store = chart_entries.store AND r.store_app_id = chart_entries.store_app_id
  AND chart_entries.app_key IS DISTINCT FROM r.app_key;

UPDATE core.app_metrics SET app_key = r.app_key
FROM resolved_listings AS r
WHERE r.store = app_metrics.store AND r.store_app_id = app_metrics.store_app_id
  AND app_metrics.app_key IS DISTINCT FROM r.app_key;
