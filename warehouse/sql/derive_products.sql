-- Products (core.apps) of the batches being loaded, from their listings: the products the batches have
-- records of (staging_apps), and batch_products (app_key): the products of the batches' listings and the old
-- and new products of re-resolved listings (every product, when sync_catalog re-resolves everything).
--
-- A catalog app is never downgraded: it keeps its catalog description (sync_catalog's, or its record's when
-- promote_catalog_apps.sql made it one); a record may only confirm `verified` (each batch's record of the
-- product counts: the best status, catalog, candidate, other, then store, store id and name). Its seen dates
-- span its listings' (core.app_store_ids dates include the facts), else widen to the days its records were
-- loaded. Any other product is derived from its listings, so a listing moved to another product takes its
-- dates along: described by one representative listing (the best status: catalog, candidate, other; then
-- the latest snapshot, then store and store id), verified if any listing is, seen dates spanning theirs.
-- A non-catalog product no listing belongs to any more (merged away, or its claim was refused) is deleted.
-- Only what changes is written (most products of a daily load change their seen dates alone).
MERGE INTO core.apps AS a
USING (
    WITH staged AS (  -- the products the batches have records of, and the days of those records
        SELECT app_key, min(snapshot_date) AS first_date, max(snapshot_date) AS last_date
        FROM staging_apps
        GROUP BY app_key
    ),
    record AS (  -- each batch's record of a catalog app (only catalog apps read `verified` off their records)
        SELECT
            app_key,
            arg_min_null(verified, {
                s: CASE status WHEN 'catalog' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END, store: store,
                no_id: store_app_id IS NULL, id: coalesce(store_app_id, ''), no_name: name IS NULL,
                name: coalesce(name, '')
            }) AS verified
        FROM staging_apps
        WHERE app_key IN (SELECT app_key FROM core.apps WHERE status = 'catalog')
        GROUP BY pos, app_key
    ),
    confirmed AS (
        SELECT app_key, bool_or(verified) AS verified
        FROM record
        GROUP BY app_key
    ),
    product AS (
        SELECT app_key FROM staged
        UNION
        SELECT app_key FROM batch_products
    ),
    listed AS (
        SELECT
            ids.app_key,
            arg_min(
                {name: coalesce(ids.listing_name, ids.store_app_id), publisher: ids.listing_publisher,
                 is_short_drama: coalesce(ids.listing_is_short_drama, false),
                 status: coalesce(ids.listing_status, 'other'), reason: ids.listing_reason},
                {s: CASE ids.listing_status WHEN 'catalog' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END,
                 undated: ids.last_seen_date IS NULL, days: coalesce(DATE '2000-01-01' - ids.last_seen_date, 0),
                 store: ids.store, id: ids.store_app_id}
            ) AS rep,
            bool_or(coalesce(ids.listing_verified, false)) AS verified,
            min(ids.first_seen_date) AS first_seen_date,
            max(ids.last_seen_date) AS last_seen_date
        FROM core.app_store_ids AS ids
        WHERE ids.app_key IN (SELECT app_key FROM product)
        GROUP BY ids.app_key
    )
    SELECT
        p.app_key,
        coalesce(e.status = 'catalog', false) AS catalog,
        l.app_key IS NULL AS unlisted,
        l.rep,
        CASE WHEN c.app_key IS NOT NULL THEN e.verified OR c.verified ELSE e.verified END AS catalog_verified,
        l.verified,
        CASE WHEN l.app_key IS NOT NULL THEN l.first_seen_date
             ELSE least(e.first_seen_date, s.first_date) END AS first_seen_date,
        CASE WHEN l.app_key IS NOT NULL THEN l.last_seen_date
             ELSE greatest(e.last_seen_date, s.last_date) END AS last_seen_date
    FROM product AS p
    LEFT JOIN staged AS s ON s.app_key = p.app_key
    LEFT JOIN confirmed AS c ON c.app_key = p.app_key
    LEFT JOIN core.apps AS e ON e.app_key = p.app_key
    LEFT JOIN listed AS l ON l.app_key = p.app_key
) AS s
ON a.app_key = s.app_key
WHEN MATCHED AND s.catalog THEN UPDATE SET
    verified        = s.catalog_verified,
    first_seen_date = s.first_seen_date,
    last_seen_date  = s.last_seen_date
WHEN MATCHED AND s.unlisted THEN DELETE
WHEN MATCHED AND (
       a.name                  IS DISTINCT FROM s.rep.name
    OR a.publisher             IS DISTINCT FROM s.rep.publisher
    OR a.is_short_drama        IS DISTINCT FROM s.rep.is_short_drama
    OR a.status                IS DISTINCT FROM s.rep.status
    OR a.classification_reason IS DISTINCT FROM s.rep.reason
    OR a.verified              IS DISTINCT FROM s.verified
) THEN UPDATE SET
    name                  = s.rep.name,
    publisher             = s.rep.publisher,
    is_short_drama        = s.rep.is_short_drama,
    status                = s.rep.status,
    classification_reason = s.rep.reason,
    verified              = s.verified,
    first_seen_date       = s.first_seen_date,
    last_seen_date        = s.last_seen_date
WHEN MATCHED AND (
       a.first_seen_date IS DISTINCT FROM s.first_seen_date
    OR a.last_seen_date  IS DISTINCT FROM s.last_seen_date
) THEN UPDATE SET
    first_seen_date = s.first_seen_date,
    last_seen_date  = s.last_seen_date
WHEN NOT MATCHED AND NOT s.unlisted THEN INSERT
    (app_key, name, publisher, is_short_drama, status, classification_reason, first_seen_date, last_seen_date, verified)
    VALUES (s.app_key, s.rep.name, s.rep.publisher, s.rep.is_short_drama, s.rep.status, s.rep.reason,
            s.first_seen_date, s.last_seen_date, s.verified);
