-- Upsert the catalog (staging_catalog_apps, staging_catalog_store_ids). The catalog is authoritative for its
-- apps' name and publisher; `verified` only ever turns true; seen dates are kept.
-- Catalog store ids (ios_id and android_package) always point at the catalog app (taking over a listing
-- first discovered in the charts as ios_<id> / gp_<package>); it becomes the listing's own key. An existing
-- listing keeps its product (app_key, mapped_by) here: sync_catalog then re-resolves the listings the change
-- touches (resolve_products.sql) and moves the facts of the listings whose product changed.

MERGE INTO core.apps AS a
USING (SELECT * FROM staging_catalog_apps) AS s
ON a.app_key = s.app_key
WHEN MATCHED THEN UPDATE SET
    name                  = s.name,
    publisher             = s.publisher,
    is_short_drama        = true,
    status                = 'catalog',
    classification_reason = s.classification_reason,
    verified              = s.verified OR a.verified  -- once confirmed (catalog or a load), stays confirmed
WHEN NOT MATCHED THEN INSERT
    (app_key, name, publisher, is_short_drama, status, classification_reason, first_seen_date, last_seen_date, verified)
    VALUES (s.app_key, s.name, s.publisher, true, 'catalog', s.classification_reason, NULL, NULL, s.verified);

MERGE INTO core.app_store_ids AS t
USING (SELECT * FROM staging_catalog_store_ids) AS s
ON t.store = s.store AND t.store_app_id = s.store_app_id
WHEN MATCHED THEN UPDATE SET
    own_app_key = s.app_key,
    bundle_id   = coalesce(s.bundle_id, t.bundle_id)
WHEN NOT MATCHED THEN INSERT (store, store_app_id, app_key, bundle_id, own_app_key, mapped_by)
    VALUES (s.store, s.store_app_id, s.app_key, s.bundle_id, s.app_key, 'own_key');
