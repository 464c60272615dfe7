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

-- Store listings: each keeps its own key (a listing owned by a catalog app stays with it unless the new
-- claimant is a catalog app too) and its own latest description (latest snapshot wins; ties: the later load).
-- app_key is set to the own key here; warehouse/sql/resolve_products.sql then applies overrides and
-- cross-store name matches, in the same transaction.
MERGE INTO core.app_store_ids AS t
USING (
    SELECT
        s.store, s.store_app_id, s.bundle_id,
        CASE WHEN owner.status = 'catalog' AND coalesce(claimant.status <> 'catalog', true)
             THEN cur.own_app_key ELSE s.app_key END AS own_app_key,
        cur.last_seen_date IS NULL OR CAST($snapshot_date AS DATE) >= cur.last_seen_date AS take_new,
        s.name, s.publisher, s.name_key, s.publisher_key, s.is_short_drama, s.status,
        s.classification_reason, s.verified,
        CAST($snapshot_date AS DATE) AS seen_date
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
    LEFT JOIN core.apps AS owner ON owner.app_key = cur.own_app_key
    LEFT JOIN core.apps AS claimant ON claimant.app_key = s.app_key
) AS s
ON t.store = s.store AND t.store_app_id = s.store_app_id
WHEN MATCHED THEN UPDATE SET
    app_key                = s.own_app_key,
    own_app_key            = s.own_app_key,
    mapped_by              = 'own_key',
    bundle_id              = coalesce(s.bundle_id, t.bundle_id),
    listing_name           = CASE WHEN s.take_new THEN s.name ELSE t.listing_name END,
    listing_publisher      = CASE WHEN s.take_new AND s.publisher IS NOT NULL THEN s.publisher
                                  ELSE t.listing_publisher END,
    name_key               = CASE WHEN s.take_new THEN s.name_key ELSE t.name_key END,
    publisher_key          = CASE WHEN s.take_new AND s.publisher IS NOT NULL THEN s.publisher_key
                                  ELSE t.publisher_key END,
    listing_is_short_drama = CASE WHEN s.take_new THEN s.is_short_drama ELSE t.listing_is_short_drama END,
    listing_status         = CASE WHEN s.take_new THEN s.status ELSE t.listing_status END,
    listing_reason         = CASE WHEN s.take_new THEN s.classification_reason ELSE t.listing_reason END,
    listing_verified       = CASE WHEN s.take_new THEN s.verified ELSE t.listing_verified END,
    first_seen_date        = least(t.first_seen_date, s.seen_date),
    last_seen_date         = greatest(t.last_seen_date, s.seen_date)
WHEN NOT MATCHED THEN INSERT (
    store, store_app_id, app_key, bundle_id, own_app_key, mapped_by, listing_name, listing_publisher,
    name_key, publisher_key, listing_is_short_drama, listing_status, listing_reason, listing_verified,
    first_seen_date, last_seen_date
) VALUES (
    s.store, s.store_app_id, s.own_app_key, s.bundle_id, s.own_app_key, 'own_key', s.name, s.publisher,
    s.name_key, s.publisher_key, s.is_short_drama, s.status, s.classification_reason, s.verified,
    s.seen_date, s.seen_date
);
