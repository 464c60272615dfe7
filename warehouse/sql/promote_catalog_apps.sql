-- A staged record with status 'catalog' makes its app a catalog app (rare: sync_catalog normally created it
-- first). The app takes the description of the batch's record of it (catalog records first by store, store
-- id, name; a publisher only if the record has one) and keeps it from then on (derive_products.sql never
-- downgrades a catalog app); its seen dates widen to the batch's day. Run for one batch at a time.
MERGE INTO core.apps AS a
USING (
    SELECT * FROM staging_apps
    WHERE status = 'catalog'
    QUALIFY row_number() OVER (PARTITION BY app_key ORDER BY store, store_app_id, name) = 1
) AS s
ON a.app_key = s.app_key
WHEN MATCHED AND a.status <> 'catalog' THEN UPDATE SET
    name                  = s.name,
    publisher             = coalesce(s.publisher, a.publisher),
    is_short_drama        = s.is_short_drama,
    status                = 'catalog',
    classification_reason = s.classification_reason,
    verified              = s.verified,
    first_seen_date       = least(a.first_seen_date, s.snapshot_date),
    last_seen_date        = greatest(a.last_seen_date, s.snapshot_date)
WHEN NOT MATCHED THEN INSERT
    (app_key, name, publisher, is_short_drama, status, classification_reason, first_seen_date, last_seen_date, verified)
    VALUES (s.app_key, s.name, s.publisher, s.is_short_drama, 'catalog', s.classification_reason,
            s.snapshot_date, s.snapshot_date, s.verified);
