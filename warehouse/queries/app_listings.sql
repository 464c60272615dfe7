-- Every store listing of the given products (one product may be listed in both stores).
-- Parameters: $app_keys (VARCHAR[]).
SELECT app_key, store, store_app_id
FROM core.app_store_ids
WHERE app_key IN (SELECT unnest(CAST($app_keys AS VARCHAR[])))
ORDER BY app_key, store, store_app_id;
