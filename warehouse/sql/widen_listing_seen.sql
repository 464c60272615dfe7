-- Widen each listing's first/last seen dates by its facts (chart entries and metrics of its store id), so a
-- product's seen dates can always be re-derived from its listings (warehouse/sql/resolve_products.sql).
UPDATE core.app_store_ids SET
    first_seen_date = least(app_store_ids.first_seen_date, seen.first_date),
    last_seen_date  = greatest(app_store_ids.last_seen_date, seen.last_date)
FROM (
    SELECT store, store_app_id, min(snapshot_date) AS first_date, max(snapshot_date) AS last_date
    FROM (
        SELECT store, store_app_id, snapshot_date FROM core.chart_entries
        UNION ALL
        SELECT store, store_app_id, snapshot_date FROM core.app_metrics
    )
    GROUP BY store, store_app_id
) AS seen
WHERE seen.store = app_store_ids.store AND seen.store_app_id = app_store_ids.store_app_id
  AND (app_store_ids.first_seen_date IS DISTINCT FROM least(app_store_ids.first_seen_date, seen.first_date)
       OR app_store_ids.last_seen_date IS DISTINCT FROM greatest(app_store_ids.last_seen_date, seen.last_date));
