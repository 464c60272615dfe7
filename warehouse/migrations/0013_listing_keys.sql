-- 0013_listing_keys: every name key and publisher key a store listing has carried, on any day and in any country.
-- The cross-store name match (resolve_products.sql) takes any of them: a listing named differently by country
-- or day (or on one badly served page) keeps the match its other names make, and the match no longer depends
-- on which batch of a day loaded last (the latest name alone did). Insert-only: evidence seen stays.

CREATE TABLE core.listing_keys (
    store        VARCHAR NOT NULL,
    store_app_id VARCHAR NOT NULL,
    key_kind     VARCHAR NOT NULL,
    key          VARCHAR NOT NULL,
    PRIMARY KEY (store, store_app_id, key_kind, key)
);
COMMENT ON TABLE core.listing_keys IS 'Every normalised name and publisher key a store listing has carried (the cross-store name match takes any pair of them).';
COMMENT ON COLUMN core.listing_keys.store IS 'app_store | google_play (with store_app_id: the listing, as in core.app_store_ids).';
COMMENT ON COLUMN core.listing_keys.store_app_id IS 'The listing''s id in its store.';
COMMENT ON COLUMN core.listing_keys.key_kind IS 'name | publisher.';
COMMENT ON COLUMN core.listing_keys.key IS 'The normalised key (name_key / publisher_key of a record of the listing).';

INSERT INTO core.listing_keys
SELECT DISTINCT store, store_app_id, 'name', name_key FROM core.app_store_ids WHERE coalesce(name_key, '') <> ''
UNION
SELECT DISTINCT store, store_app_id, 'publisher', publisher_key FROM core.app_store_ids
WHERE coalesce(publisher_key, '') <> '';
