-- Apply resolve_products.sql's result (resolved_listings): the listings' new product and why.
UPDATE core.app_store_ids AS t
SET app_key = r.app_key, mapped_by = r.mapped_by
FROM resolved_listings AS r
WHERE r.store = t.store AND r.store_app_id = t.store_app_id;
