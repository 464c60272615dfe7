-- Google Play details pages (staging_play_details) into core.app_metrics: replace the scope
-- (snapshot_date, 'google_play', country, store_app_id) of every app of the batches being loaded (of two
-- batches with the same scope, the later one's page stands). Exact duplicates collapse; conflicting ones fail
-- the primary key. Parameters: $first_date, $last_date (the batches' days), $superseded (a scope is in
-- several batches).

DELETE FROM core.app_metrics AS m
WHERE m.snapshot_date BETWEEN CAST($first_date AS DATE) AND CAST($last_date AS DATE)
  AND m.store = 'google_play'
  AND EXISTS (SELECT 1 FROM staging_play_details AS s
              WHERE s.snapshot_date = m.snapshot_date AND s.country = m.country AND s.app_id = m.store_app_id);

INSERT INTO core.app_metrics (
    snapshot_date, store, country, store_app_id, app_key, name, seller, bundle_id, primary_genre, version,
    price, currency, user_rating_count, average_user_rating, user_rating_count_current_version,
    average_user_rating_current_version, current_version_release_date,
    developer, genre_id, installs_text, min_installs, real_installs, review_count,
    rating_histogram_1, rating_histogram_2, rating_histogram_3, rating_histogram_4, rating_histogram_5,
    updated_at, released_text
)
SELECT DISTINCT
    s.snapshot_date,
    'google_play',
    s.country, s.app_id, ids.app_key, s.title, NULL, s.app_id, s.genre, s.version,
    NULL, NULL, s.ratings, s.score, NULL, NULL, NULL,
    s.developer, s.genre_id, s.installs_text, s.min_installs, s.real_installs, s.reviews,
    s.histogram_1, s.histogram_2, s.histogram_3, s.histogram_4, s.histogram_5,
    TRY_CAST(s.updated AS TIMESTAMPTZ), s.released
FROM staging_play_details AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = 'google_play' AND ids.store_app_id = s.app_id
WHERE NOT $superseded
   OR s.pos = (SELECT max(x.pos) FROM staging_play_details AS x
               WHERE x.snapshot_date = s.snapshot_date AND x.country = s.country AND x.app_id = s.app_id)
ORDER BY ALL;
