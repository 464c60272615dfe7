-- The last loaded exact install count of every Google Play app per country before a day
-- (validation checks installs do not fall between snapshots). Parameter: $snapshot_date.
SELECT country, store_app_id, real_installs
FROM core.app_metrics
WHERE store = 'google_play' AND snapshot_date < $snapshot_date AND real_installs IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY country, store_app_id ORDER BY snapshot_date DESC) = 1;
