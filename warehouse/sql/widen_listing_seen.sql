-- Listings a batch has facts of but no app record for (batch_fact_listings: store, store_app_id and the
-- first and last day of such facts) were seen on those days too; returns the ones that exist, with their
-- product and first day seen (the loader re-resolves a listing now dated earlier: the first day seen decides
-- which key a cross-store name match keeps). (Listings with a record are upserted with the batch's day by
-- upsert_listings.sql.)
UPDATE core.app_store_ids AS t SET
    first_seen_date = least(t.first_seen_date, f.first_date),
    last_seen_date  = greatest(t.last_seen_date, f.last_date)
FROM batch_fact_listings AS f
WHERE f.store = t.store AND f.store_app_id = t.store_app_id
RETURNING store, store_app_id, app_key, first_seen_date;
