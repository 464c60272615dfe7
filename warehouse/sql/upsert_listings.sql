-- Upsert the store listings of the batches being loaded (batch_listings: the rows of stage_listings.sql,
-- which applied the batches in load order). Each listing keeps its own key and its own latest description.
-- A new listing starts as its own product; an existing one keeps its product (app_key, mapped_by) here:
-- when its identity changed, the loader re-resolves it (resolve_products.sql) in the same transaction.
-- Only what changes is written: a listing seen again with the same description gets its seen dates alone
-- (a daily load sees most listings again: updating every column of each cost more than the chart rows'
-- INSERT, at the COMMIT), an unchanged one nothing.
MERGE INTO core.app_store_ids AS t
USING batch_listings AS s
ON t.store = s.store AND t.store_app_id = s.store_app_id
WHEN MATCHED AND (
       t.own_app_key            IS DISTINCT FROM s.own_app_key
    OR t.bundle_id              IS DISTINCT FROM s.bundle_id
    OR t.listing_name           IS DISTINCT FROM s.listing_name
    OR t.listing_publisher      IS DISTINCT FROM s.listing_publisher
    OR t.name_key               IS DISTINCT FROM s.name_key
    OR t.publisher_key          IS DISTINCT FROM s.publisher_key
    OR t.listing_is_short_drama IS DISTINCT FROM s.listing_is_short_drama
    OR t.listing_status         IS DISTINCT FROM s.listing_status
    OR t.listing_reason         IS DISTINCT FROM s.listing_reason
    OR t.listing_evidence       IS DISTINCT FROM s.listing_evidence
    OR t.listing_verified       IS DISTINCT FROM s.listing_verified
) THEN UPDATE SET
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
WHEN MATCHED AND (
       t.first_seen_date IS DISTINCT FROM s.first_seen_date
    OR t.last_seen_date  IS DISTINCT FROM s.last_seen_date
) THEN UPDATE SET
    first_seen_date = s.first_seen_date,
    last_seen_date  = s.last_seen_date
WHEN NOT MATCHED THEN INSERT (
    store, store_app_id, app_key, bundle_id, own_app_key, mapped_by, listing_name, listing_publisher,
    name_key, publisher_key, listing_is_short_drama, listing_status, listing_reason, listing_verified,
    first_seen_date, last_seen_date, listing_evidence
) VALUES (
    s.store, s.store_app_id, s.own_app_key, s.bundle_id, s.own_app_key, 'own_key', s.listing_name,
    s.listing_publisher, s.name_key, s.publisher_key, s.listing_is_short_drama, s.listing_status,
    s.listing_reason, s.listing_verified, s.first_seen_date, s.last_seen_date, s.listing_evidence
);
