-- Replace the batch's metrics scope: (snapshot_date, 'app_store', country) for every storefront present in
-- staging_app_lookups (iTunes Lookup results). Exact duplicate lookups collapse; conflicting ones fail the PK.
-- Parameters: $snapshot_date.

DELETE FROM core.app_metrics AS m
WHERE m.snapshot_date = CAST($snapshot_date AS DATE)
  AND m.store = 'app_store'
  AND m.country IN (SELECT DISTINCT country FROM staging_app_lookups);

INSERT INTO core.app_metrics (
    snapshot_date, store, country, store_app_id, app_key, name, seller, bundle_id, primary_genre, version,
    price, currency, user_rating_count, average_user_rating, user_rating_count_current_version,
    average_user_rating_current_version, current_version_release_date
)
SELECT DISTINCT
    CAST($snapshot_date AS DATE),
    'app_store',
    s.country, s.track_id, ids.app_key, s.name, s.seller, s.bundle_id, s.primary_genre, s.version,
    CAST(s.price AS DECIMAL(12, 2)), s.currency,
    s.user_rating_count, s.average_user_rating,
    s.user_rating_count_current_version, s.average_user_rating_current_version,
    TRY_CAST(s.current_version_release_date AS TIMESTAMPTZ)
FROM staging_app_lookups AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = 'app_store' AND ids.store_app_id = s.track_id
ORDER BY ALL;
