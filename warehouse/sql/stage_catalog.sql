-- What sync_catalog is about to change (staging_catalog_apps, staging_catalog_store_ids, staging_overrides
-- against the warehouse), so it re-resolves only what the change touches; no row: the warehouse is in sync
-- with the catalog. Read-only. One row per
--   'app':      catalog app that is new, or whose row upsert_catalog.sql changes;
--   'listing':  catalog store id whose listing is new (is_new), or gets another own key or bundle id, with
--               the listing's current own key, name group and product (old_app_key);
--   'override': override added, changed or removed, with the current one's app_key (old_app_key).
SELECT 'app' AS kind, s.app_key, NULL AS store, NULL AS store_app_id, false AS is_new,
       NULL AS old_own_app_key, NULL AS old_name_key, NULL AS old_publisher_key, NULL AS old_app_key
FROM staging_catalog_apps AS s
LEFT JOIN core.apps AS a USING (app_key)
WHERE a.app_key IS NULL
   OR a.status <> 'catalog' OR NOT a.is_short_drama OR (s.verified AND NOT a.verified)
   OR a.name IS DISTINCT FROM s.name OR a.publisher IS DISTINCT FROM s.publisher
   OR a.classification_reason IS DISTINCT FROM s.classification_reason
UNION ALL
SELECT 'listing', s.app_key, s.store, s.store_app_id, t.store IS NULL,
       t.own_app_key, t.name_key, t.publisher_key, t.app_key
FROM staging_catalog_store_ids AS s
LEFT JOIN core.app_store_ids AS t USING (store, store_app_id)
WHERE t.store IS NULL OR t.own_app_key IS DISTINCT FROM s.app_key
   OR (s.bundle_id IS NOT NULL AND t.bundle_id IS DISTINCT FROM s.bundle_id)
UNION ALL
SELECT 'override', n.app_key, store, store_app_id, false, NULL, NULL, NULL, o.app_key
FROM core.store_id_overrides AS o
FULL OUTER JOIN staging_overrides AS n USING (store, store_app_id)
WHERE o.store IS NULL OR n.store IS NULL OR o.app_key IS DISTINCT FROM n.app_key;
