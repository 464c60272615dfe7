-- Upsert the batch's apps (staging_apps) and their store ids. Parameters: $snapshot_date.
-- Rules: a 'catalog' app is never downgraded (its descriptive fields belong to sync_catalog; a load may only
-- confirm `verified` and widen first/last_seen_date). Other apps take the record of the latest snapshot
-- (ties: the later load), so backfilling an old day does not overwrite newer data. first_seen_date is the
-- minimum snapshot date seen, last_seen_date the maximum.

MERGE INTO core.apps AS a
USING (
    SELECT
        s.app_key, s.name, s.publisher, s.is_short_drama, s.status, s.classification_reason, s.verified,
        CAST($snapshot_date AS DATE) AS seen_date,
        coalesce(e.status = 'catalog', false) AS existing_is_catalog,
        (s.status = 'catalog' AND coalesce(e.status <> 'catalog', true))
            OR (coalesce(e.status <> 'catalog', true)
                AND (e.last_seen_date IS NULL OR CAST($snapshot_date AS DATE) >= e.last_seen_date)) AS take_new
    FROM (
        -- one record per product: prefer catalog > candidate > other, then a fixed order
        SELECT *
        FROM staging_apps
        QUALIFY row_number() OVER (
            PARTITION BY app_key
            ORDER BY CASE status WHEN 'catalog' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END,
                     store, store_app_id, name
        ) = 1
    ) AS s
    LEFT JOIN core.apps AS e USING (app_key)
) AS s
ON a.app_key = s.app_key
WHEN MATCHED THEN UPDATE SET
    name                  = CASE WHEN s.take_new THEN s.name ELSE a.name END,
    publisher             = CASE WHEN s.take_new THEN coalesce(s.publisher, a.publisher) ELSE a.publisher END,
    is_short_drama        = CASE WHEN s.take_new THEN s.is_short_drama ELSE a.is_short_drama END,
    status                = CASE WHEN s.take_new THEN s.status ELSE a.status END,
    classification_reason = CASE WHEN s.take_new THEN s.classification_reason ELSE a.classification_reason END,
    verified              = CASE WHEN s.existing_is_catalog THEN a.verified OR s.verified
                                 WHEN s.take_new THEN s.verified
                                 ELSE a.verified END,
    first_seen_date       = least(a.first_seen_date, s.seen_date),
    last_seen_date        = greatest(a.last_seen_date, s.seen_date)
WHEN NOT MATCHED THEN INSERT
    (app_key, name, publisher, is_short_drama, status, classification_reason, first_seen_date, last_seen_date, verified)
    VALUES (s.app_key, s.name, s.publisher, s.is_short_drama, s.status, s.classification_reason,
            s.seen_date, s.seen_date, s.verified);

-- Store ids: a listing mapped to a catalog app stays there unless the new owner is a catalog app too.
MERGE INTO core.app_store_ids AS t
USING (
    SELECT
        s.store, s.store_app_id, s.bundle_id,
        CASE WHEN owner.status = 'catalog' AND coalesce(claimant.status <> 'catalog', true)
             THEN cur.app_key ELSE s.app_key END AS app_key
    FROM (
        SELECT staging_apps.*
        FROM staging_apps
        LEFT JOIN core.apps AS a USING (app_key)
        WHERE store_app_id IS NOT NULL
        QUALIFY row_number() OVER (
            PARTITION BY store, store_app_id
            ORDER BY CASE a.status WHEN 'catalog' THEN 0 ELSE 1 END, app_key
        ) = 1
    ) AS s
    LEFT JOIN core.app_store_ids AS cur USING (store, store_app_id)
    LEFT JOIN core.apps AS owner ON owner.app_key = cur.app_key
    LEFT JOIN core.apps AS claimant ON claimant.app_key = s.app_key
) AS s
ON t.store = s.store AND t.store_app_id = s.store_app_id
WHEN MATCHED THEN UPDATE SET
    app_key   = s.app_key,
    bundle_id = coalesce(s.bundle_id, t.bundle_id)
WHEN NOT MATCHED THEN INSERT (store, store_app_id, app_key, bundle_id)
    VALUES (s.store, s.store_app_id, s.app_key, s.bundle_id);
