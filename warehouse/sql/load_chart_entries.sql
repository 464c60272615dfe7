-- Replace the chart scopes of the batches being loaded: (snapshot_date, store, country, chart, genre) of
-- every chart present in staging_chart_entries (App Store and Google Play alike; `pos` = the batch's place in
-- load order: of two batches with the same scope, the later one's chart stands). app_key is resolved
-- through core.app_store_ids. Parameters: $first_date, $last_date (the batches' days), $superseded (a scope
-- is in several batches). The rows go in by one of two INSERTs, so the usual load (no scope twice) does not
-- pay for finding each scope's last batch (DuckDB skips a statement's plan under a false `$superseded AND`;
-- merged into one `NOT $superseded OR ...` INSERT the 1M-row load bench went from 12.0 s to 16.8 s).
-- The rows go in in staging order, unsorted (a sort cost a third of the INSERT): a load task is one day and
-- one store, the batches come country by country with their charts in rank order, and the loader orders a
-- load of several days by day (staging), so each day's rows stay together for the date-range pruning.

DELETE FROM core.chart_entries AS ce
WHERE ce.snapshot_date BETWEEN CAST($first_date AS DATE) AND CAST($last_date AS DATE)
  AND EXISTS (
      SELECT 1 FROM staging_chart_entries AS s
      WHERE s.snapshot_date = ce.snapshot_date AND s.store = ce.store AND s.country = ce.country
        AND s.chart = ce.chart AND s.genre = ce.genre
  );

INSERT INTO core.chart_entries (
    snapshot_date, store, country, chart, genre, rank, store_app_id, app_key, name, publisher, bundle_id,
    genre_name, release_date, price, currency, feed, score, installs_text
)
SELECT
    s.snapshot_date, s.store, s.country, s.chart, s.genre, s.rank, s.store_app_id, ids.app_key, s.name,
    s.publisher, coalesce(s.bundle_id, ids.bundle_id),
    s.genre_name,
    TRY_CAST(substr(s.release_date, 1, 10) AS DATE),
    CAST(s.price AS DECIMAL(12, 2)),
    s.currency, s.feed, s.score, s.installs_text
FROM staging_chart_entries AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = s.store AND ids.store_app_id = s.store_app_id
WHERE NOT $superseded;

INSERT INTO core.chart_entries (
    snapshot_date, store, country, chart, genre, rank, store_app_id, app_key, name, publisher, bundle_id,
    genre_name, release_date, price, currency, feed, score, installs_text
)
SELECT
    s.snapshot_date, s.store, s.country, s.chart, s.genre, s.rank, s.store_app_id, ids.app_key, s.name,
    s.publisher, coalesce(s.bundle_id, ids.bundle_id),
    s.genre_name,
    TRY_CAST(substr(s.release_date, 1, 10) AS DATE),
    CAST(s.price AS DECIMAL(12, 2)),
    s.currency, s.feed, s.score, s.installs_text
FROM staging_chart_entries AS s
LEFT JOIN core.app_store_ids AS ids ON ids.store = s.store AND ids.store_app_id = s.store_app_id
WHERE $superseded  -- of two batches with the same scope, the later one's chart
  AND s.pos = (SELECT max(x.pos) FROM staging_chart_entries AS x
               WHERE x.snapshot_date = s.snapshot_date AND x.store = s.store AND x.country = s.country
                 AND x.chart = s.chart AND x.genre = s.genre);
