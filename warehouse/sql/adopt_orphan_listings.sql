-- Facts loaded while their listing did not exist yet (app_key NULL: no record of the app in that batch) widen
-- the listing's seen dates once it exists; returns their products. Run after listings were created. Cheap
-- when there is no such fact: DuckDB skips row groups without NULL app_key by their statistics.
UPDATE core.app_store_ids SET
    first_seen_date = least(app_store_ids.first_seen_date, seen.first_date),
    last_seen_date  = greatest(app_store_ids.last_seen_date, seen.last_date)
FROM (
    SELECT store, store_app_id, min(snapshot_date) AS first_date, max(snapshot_date) AS last_date
    FROM (
        SELECT store, store_app_id, snapshot_date FROM core.chart_entries WHERE app_key IS NULL
        UNION ALL
        SELECT store, store_app_id, snapshot_date FROM core.app_metrics WHERE app_key IS NULL
    )
    GROUP BY store, store_app_id
) AS seen
WHERE seen.store = app_store_ids.store AND seen.store_app_id = app_store_ids.store_app_id
RETURNING app_key;
