-- Row counts of the batch just loaded (one row); app_metrics counts iTunes lookups and Play details. Parameters: $snapshot_date.
SELECT
    (SELECT count(*) FROM staging_chart_entries) AS chart_entries,
    (SELECT count(*) FROM core.chart_entries AS ce
      WHERE ce.snapshot_date = CAST($snapshot_date AS DATE) AND ce.app_key IS NULL
        AND EXISTS (SELECT 1 FROM staging_chart_entries AS s
                    WHERE s.store = ce.store AND s.country = ce.country
                      AND s.chart = ce.chart AND s.genre = ce.genre)) AS chart_entries_unresolved,
    (SELECT count(*) FROM (SELECT DISTINCT * FROM staging_app_lookups))
      + (SELECT count(*) FROM (SELECT DISTINCT * FROM staging_play_details)) AS app_metrics,
    (SELECT count(DISTINCT app_key) FROM staging_apps) AS apps,
    (SELECT count(*) FROM (SELECT DISTINCT store, store_app_id FROM staging_apps
                           WHERE store_app_id IS NOT NULL)) AS app_store_ids,
    (SELECT count(*) FROM staging_fetch_log) AS fetch_log;
