-- Keep derived app keys consistent with core.app_store_ids after a mapping changed (e.g. a chart-discovered
-- ios_<id> app was added to the catalog): re-point facts, widen seen dates, drop orphaned non-catalog apps.

UPDATE core.chart_entries SET app_key = ids.app_key
FROM core.app_store_ids AS ids
WHERE ids.store = chart_entries.store AND ids.store_app_id = chart_entries.store_app_id
  AND chart_entries.app_key IS DISTINCT FROM ids.app_key;

UPDATE core.app_metrics SET app_key = ids.app_key
FROM core.app_store_ids AS ids
WHERE ids.store = app_metrics.store AND ids.store_app_id = app_metrics.store_app_id
  AND app_metrics.app_key IS DISTINCT FROM ids.app_key;

UPDATE core.apps SET
    first_seen_date = least(apps.first_seen_date, seen.first_date),
    last_seen_date  = greatest(apps.last_seen_date, seen.last_date)
FROM (
    SELECT app_key, min(snapshot_date) AS first_date, max(snapshot_date) AS last_date
    FROM (
        SELECT app_key, snapshot_date FROM core.chart_entries WHERE app_key IS NOT NULL
        UNION ALL
        SELECT app_key, snapshot_date FROM core.app_metrics WHERE app_key IS NOT NULL
    )
    GROUP BY app_key
) AS seen
WHERE seen.app_key = apps.app_key
  AND (apps.first_seen_date IS DISTINCT FROM least(apps.first_seen_date, seen.first_date)
       OR apps.last_seen_date IS DISTINCT FROM greatest(apps.last_seen_date, seen.last_date));

DELETE FROM core.apps AS a
WHERE a.status <> 'catalog'
  AND NOT EXISTS (SELECT 1 FROM core.app_store_ids AS ids WHERE ids.app_key = a.app_key)
  AND NOT EXISTS (SELECT 1 FROM core.chart_entries AS ce WHERE ce.app_key = a.app_key)
  AND NOT EXISTS (SELECT 1 FROM core.app_metrics AS m WHERE m.app_key = a.app_key);
