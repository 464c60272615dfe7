-- Every product: the apps and the products of every listing (sync_catalog re-derives them all).
SELECT app_key FROM core.apps
UNION
SELECT app_key FROM core.app_store_ids
ORDER BY app_key;
