-- Upsert the store listings of the batches being loaded (batch_listings: the rows of stage_listings.sql,
-- which applied the batches in load order). Each listing keeps its own key and its own latest description.
-- A new listing starts as its own product; an existing one keeps its product (app_key, mapped_by) here:
-- when its identity changed, the loader re-resolves it (resolve_products.sql) in the same transaction.
MERGE INTO core.app_store_ids AS t
USING batch_listings AS s
ON t.store = s.store AND t.store_app_id = s.store_app_id
WHEN MATCHED THEN UPDATE SET
    own_app_key            = s.own_app_key,
    bundle_id              = s.bundle_id,
    listing_name           = s.listing_name,
    listing_publisher      = s.listing_publisher,
    name_key               = s.name_key,
    publisher_key          = s.publisher_key,
    listing_is_short_drama = s.listing_is_short_drama,
    listing_status         = s.listing_status,
    listing_reason         = s.listing_reason,
    listing_evidence       = s.listing_evidence,
    listing_verified       = s.listing_verified,
    first_seen_date        = s.first_seen_date,
    last_seen_date         = s.last_seen_date
WHEN NOT MATCHED THEN INSERT (
    store, store_app_id, app_key, bundle_id, own_app_key, mapped_by, listing_name, listing_publisher,
    name_key, publisher_key, listing_is_short_drama, listing_status, listing_reason, listing_verified,
    first_seen_date, last_seen_date, listing_evidence
) VALUES (
    s.store, s.store_app_id, s.own_app_key, s.bundle_id, s.own_app_key, 'own_key', s.listing_name,
    s.listing_publisher, s.name_key, s.publisher_key, s.listing_is_short_drama, s.listing_status,
    s.listing_reason, s.listing_verified, s.first_seen_date, s.last_seen_date, s.listing_evidence
);
