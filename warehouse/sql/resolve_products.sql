-- One product across stores: recompute which product every store listing belongs to, then derive the
-- non-catalog products from their listings. Runs inside load_batch's and sync_catalog's transaction, after the
-- listings were upserted. Everything below is a pure function of core.app_store_ids (own keys, name_key,
-- publisher_key, listing_* fields), core.store_id_overrides and which apps are catalog apps, so the result
-- does not depend on the order batches were loaded in, and re-running it changes nothing.
--
-- A listing's product, in order of precedence:
--   1. an override (core.store_id_overrides) with a non-NULL app_key;
--   2. its own key (its catalog app, or the key the loader gave it) ...
--   3. ... renamed by a cross-store name match: an App Store listing and a Google Play listing with equal
--      name_key and publisher_key become one product when
--        - they are the only two listings with that (name_key, publisher_key) (ambiguous names never merge),
--        - neither has an override (an override with app_key NULL means "never merge this id by name"),
--        - their own keys differ and are not both catalog apps,
--        - the losing key (the non-catalog one; between two non-catalog keys the lexicographically larger)
--          has no other listing, and the winning key has no listing, and receives no other match, in the
--          loser's store (a product has at most one listing per store after a match).
--      Both listings then belong to the winner: the catalog key, else the lexicographically smaller key.
-- A loser key has exactly one listing, so it is in one match at most and never wins another: no chains.

UPDATE core.app_store_ids AS t
SET app_key = r.app_key, mapped_by = r.mapped_by
FROM (
    WITH listing AS (
        SELECT
            ids.store, ids.store_app_id, ids.name_key, ids.publisher_key,
            o.store IS NOT NULL AS has_override,
            o.app_key AS override_key,
            coalesce(o.app_key, ids.own_app_key) AS base_key
        FROM core.app_store_ids AS ids
        LEFT JOIN core.store_id_overrides AS o USING (store, store_app_id)
    ),
    key_listings AS (
        SELECT base_key, store, count(*) AS n FROM listing GROUP BY base_key, store
    ),
    candidate AS (
        SELECT l.*, coalesce(a.status = 'catalog', false) AS is_catalog
        FROM listing AS l
        LEFT JOIN core.apps AS a ON a.app_key = l.base_key
        WHERE NOT l.has_override AND coalesce(l.name_key, '') <> '' AND coalesce(l.publisher_key, '') <> ''
        QUALIFY count(*) OVER (PARTITION BY l.name_key, l.publisher_key) = 2
    ),
    pair AS (
        SELECT
            CASE WHEN g.is_catalog THEN i.base_key WHEN i.is_catalog THEN g.base_key
                 ELSE greatest(i.base_key, g.base_key) END AS from_key,
            CASE WHEN g.is_catalog THEN g.base_key WHEN i.is_catalog THEN i.base_key
                 ELSE least(i.base_key, g.base_key) END AS to_key,
            CASE WHEN g.is_catalog THEN 'app_store' WHEN i.is_catalog THEN 'google_play'
                 WHEN i.base_key > g.base_key THEN 'app_store' ELSE 'google_play' END AS from_store
        FROM candidate AS i
        JOIN candidate AS g
          ON i.store = 'app_store' AND g.store = 'google_play'
         AND i.name_key = g.name_key AND i.publisher_key = g.publisher_key
        WHERE i.base_key <> g.base_key AND NOT (i.is_catalog AND g.is_catalog)
    ),
    rename AS (
        SELECT p.from_key, p.to_key
        FROM pair AS p
        WHERE (SELECT sum(n) FROM key_listings AS k WHERE k.base_key = p.from_key) = 1
          AND NOT EXISTS (SELECT 1 FROM key_listings AS k WHERE k.base_key = p.to_key AND k.store = p.from_store)
        QUALIFY count(*) OVER (PARTITION BY p.to_key, p.from_store) = 1
    )
    SELECT
        l.store, l.store_app_id,
        CASE WHEN l.override_key IS NOT NULL THEN l.override_key ELSE coalesce(rn.to_key, l.base_key) END AS app_key,
        CASE WHEN l.override_key IS NOT NULL THEN 'override'
             WHEN rn.to_key IS NOT NULL THEN 'name_match'
             ELSE 'own_key' END AS mapped_by
    FROM listing AS l
    LEFT JOIN rename AS rn ON rn.from_key = l.base_key
) AS r
WHERE r.store = t.store AND r.store_app_id = t.store_app_id
  AND (t.app_key IS DISTINCT FROM r.app_key OR t.mapped_by IS DISTINCT FROM r.mapped_by);

-- Products from their listings. A catalog app keeps its catalog description (and verified flag); any
-- product's seen dates span its listings' (core.app_store_ids dates include the facts:
-- warehouse/sql/widen_listing_seen.sql), so a listing moved to another product takes its dates along. Any
-- other product takes its description from one representative listing: the best status (catalog,
-- candidate, other), then the latest snapshot, then store and store id; verified if any listing is.
MERGE INTO core.apps AS a
USING (
    SELECT
        ids.app_key,
        coalesce(ids.listing_name, ids.store_app_id) AS name,
        ids.listing_publisher AS publisher,
        coalesce(ids.listing_is_short_drama, false) AS is_short_drama,
        coalesce(ids.listing_status, 'other') AS status,
        ids.listing_reason AS classification_reason,
        bool_or(coalesce(ids.listing_verified, false)) OVER product AS verified,
        min(ids.first_seen_date) OVER product AS first_seen_date,
        max(ids.last_seen_date) OVER product AS last_seen_date
    FROM core.app_store_ids AS ids
    WINDOW product AS (PARTITION BY ids.app_key)
    QUALIFY row_number() OVER (
        PARTITION BY ids.app_key
        ORDER BY CASE ids.listing_status WHEN 'catalog' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END,
                 ids.last_seen_date DESC NULLS LAST, ids.store, ids.store_app_id
    ) = 1
) AS s
ON a.app_key = s.app_key
WHEN MATCHED AND a.status = 'catalog' THEN UPDATE SET
    first_seen_date = s.first_seen_date,
    last_seen_date  = s.last_seen_date
WHEN MATCHED THEN UPDATE SET
    name                  = s.name,
    publisher             = s.publisher,
    is_short_drama        = s.is_short_drama,
    status                = s.status,
    classification_reason = s.classification_reason,
    verified              = s.verified,
    first_seen_date       = s.first_seen_date,
    last_seen_date        = s.last_seen_date
WHEN NOT MATCHED THEN INSERT
    (app_key, name, publisher, is_short_drama, status, classification_reason, first_seen_date, last_seen_date, verified)
    VALUES (s.app_key, s.name, s.publisher, s.is_short_drama, s.status, s.classification_reason,
            s.first_seen_date, s.last_seen_date, s.verified);

-- A non-catalog product no listing belongs to any more (merged away, or its claim was refused) is gone.
DELETE FROM core.apps AS a
WHERE a.status <> 'catalog'
  AND NOT EXISTS (SELECT 1 FROM core.app_store_ids AS ids WHERE ids.app_key = a.app_key);
