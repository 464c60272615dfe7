-- Facts follow their listing to its new product (resolved_listings: listings whose app_key changed). Scans the
-- fact tables, so the loader runs it only when a listing that already had facts changed product (a catalog
-- app claimed it, or a cross-store name match merged it), not for every batch.
UPDATE core.chart_entries SET app_key = r.app_key
FROM resolved_listings AS r
WHERE r.store = chart_entries.store AND r.store_app_id = chart_entries.store_app_id
  AND chart_entries.app_key IS DISTINCT FROM r.app_key;

UPDATE core.app_metrics SET app_key = r.app_key
FROM resolved_listings AS r
WHERE r.store = app_metrics.store AND r.store_app_id = app_metrics.store_app_id
  AND app_metrics.app_key IS DISTINCT FROM r.app_key;
