-- Replace the App Store metrics scopes of the batches being loaded: (snapshot_date, 'app_store', country) for
-- every storefront present in staging_app_lookups (iTunes Lookup results; of two batches with the same scope,
-- the later one's lookups stand). Exact duplicate lookups collapse; conflicting ones fail the PK.
-- Parameters: $first_date, $last_date (the batches' days), $superseded (a scope is in several batches).

DELETE FROM core.app_metrics AS m
WHERE m.snapshot_date BETWEEN CAST($first_date AS DATE) AND CAST($last_date AS DATE)
  AND m.store = 'app_store'
  AND EXISTS (SELECT 1 FROM staging_app_lookups AS s
              WHERE s.snapshot_date = m.snapshot_date AND s.country = m.country);

INSERT INTO core.app_metrics (
    snapshot_date, store, country, store_app_id, app_key, name, seller, bundle_id, primary_genre, version,
    price, currency, user_rating_count, average_user_rating, user_rating_count_current_version,
    average_user_rating_current_version, current_version_release_date
)
SELECT DISTINCT
    s.snapshot_date,
    'app_store',
    s.country, s.track_id, ids.app_key, s.name, s.seller, s.bundle_id, s.primary_genre, s.version,
    CAST(s.price AS DECIMAL(12, 2)), s.currency,
    s.user_rating_count, s.average_user_rating,
    s.user_rating_count_current_version, s.average_user_rating_current_version,
    TRY_CAST(s.current_version_release_date AS TIMESTAMPTZ)
FROM staging_app_lookups AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = 'app_store' AND ids.store_app_id = s.track_id
WHERE NOT $superseded
   OR s.pos = (SELECT max(x.pos) FROM staging_app_lookups AS x
               WHERE x.snapshot_date = s.snapshot_date AND x.country = s.country)
ORDER BY ALL;
