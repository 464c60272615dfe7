-- Replace the batch's chart scope: (snapshot_date, store, country, chart, genre) of every chart present in
-- staging_chart_entries (the store comes from the records: App Store and Google Play alike). app_key is
-- resolved through core.app_store_ids. Parameters: $snapshot_date.

DELETE FROM core.chart_entries AS ce
WHERE ce.snapshot_date = CAST($snapshot_date AS DATE)
  AND EXISTS (
      SELECT 1 FROM staging_chart_entries AS s
      WHERE s.store = ce.store AND s.country = ce.country AND s.chart = ce.chart AND s.genre = ce.genre
  );

INSERT INTO core.chart_entries (
    snapshot_date, store, country, chart, genre, rank, store_app_id, app_key, name, publisher, bundle_id,
    genre_name, release_date, price, currency, feed, score, installs_text
)
SELECT
    CAST($snapshot_date AS DATE),
    s.store, s.country, s.chart, s.genre, s.rank, s.store_app_id, ids.app_key, s.name, s.publisher,
    coalesce(s.bundle_id, ids.bundle_id),
    s.genre_name,
    TRY_CAST(substr(s.release_date, 1, 10) AS DATE),
    CAST(s.price AS DECIMAL(12, 2)),
    s.currency, s.feed, s.score, s.installs_text
FROM staging_chart_entries AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = s.store AND ids.store_app_id = s.store_app_id
ORDER BY s.store, s.country, s.chart, s.genre, s.rank;
