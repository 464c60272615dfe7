-- The catalog's overrides (staging_overrides) replace core.store_id_overrides wholesale: an override removed
-- from catalog/apps.yaml stops applying at the next sync.
DELETE FROM core.store_id_overrides;

INSERT INTO core.store_id_overrides (store, store_app_id, app_key)
SELECT store, store_app_id, app_key FROM staging_overrides ORDER BY store, store_app_id;
