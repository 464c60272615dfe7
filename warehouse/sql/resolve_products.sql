-- One product across stores: which product each store listing belongs to. Read-only: returns the listings
-- whose product (app_key, mapped_by) must change, with their current app_key (old_app_key); the loader
-- applies them (apply_resolution.sql). Parameters: $all (every listing, as sync_catalog does), else only the
-- listings connected to resolve_seeds.
--
-- The result is a pure function of core.app_store_ids (own keys, name_key, publisher_key), core.listing_keys (every
-- name and publisher key a listing has carried), core.store_id_overrides and which apps are catalog apps
-- (core.apps), so it does not depend on the order batches were loaded in, and re-running it changes nothing.
-- A listing's name groups: every (name key, publisher key) pair of a name it has carried (on any day, in any
-- country) with a publisher it has carried, its current pair included. A listing's product, in order of
-- precedence:
--   1. an override (core.store_id_overrides) with a non-NULL app_key;
--   2. its own key (its catalog app, or the key the loader gave it) ...
--   3. ... renamed by a cross-store name match: an App Store listing and a Google Play listing sharing a name
--      group become one product when
--        - they are the only two listings of that group (ambiguous names never merge), and neither shares
--          such a two-listing group with a third listing (one listing, one match: its names never point two
--          ways),
--        - neither has an override (an override with app_key NULL means "never merge this id by name"),
--        - their own keys differ and are not both catalog apps,
--        - the losing key (the non-catalog one; between two non-catalog keys the lexicographically larger)
--          has no other listing, and the winning key has no listing, and receives no other match, in the
--          loser's store (a product has at most one listing per store after a match).
--      Both listings then belong to the winner: the catalog key, else the lexicographically smaller key.
-- A loser key has exactly one listing, so it is in one match at most and never wins another: no chains.
--
-- Incremental: a listing's product depends only on the listings that share its base key (override, else own
-- key) or one of its name groups, on theirs, and so on. So resolving the connected component of the
-- listings whose identity changed (graph: listings -- their base key and their name group) gives exactly
-- what resolving every listing gives. resolve_seeds (store, store_app_id, own_app_key, name_key,
-- publisher_key, app_key) starts the component: the changed listings (by id: their current nodes) with their
-- former own key and name group, and product keys (app_key: a catalog app's, or a former override's). A
-- listing's override never changes in a load, so its former base key is its current one (sync_catalog seeds
-- a changed override's former key).
WITH RECURSIVE
catalog_key AS (
    SELECT app_key FROM core.apps WHERE status = 'catalog'
),
listing AS (
    SELECT
        ids.store, ids.store_app_id, ids.app_key AS old_app_key, ids.mapped_by AS old_mapped_by,
        ids.name_key, ids.publisher_key,
        o.store IS NOT NULL AS has_override,
        o.app_key AS override_key,
        coalesce(o.app_key, ids.own_app_key) AS base_key
    FROM core.app_store_ids AS ids
    LEFT JOIN core.store_id_overrides AS o USING (store, store_app_id)
),
known_key AS (
    SELECT store, store_app_id, key_kind, key FROM core.listing_keys
    UNION
    SELECT store, store_app_id, 'name', name_key FROM listing WHERE coalesce(name_key, '') <> ''
    UNION
    SELECT store, store_app_id, 'publisher', publisher_key FROM listing WHERE coalesce(publisher_key, '') <> ''
),
name_group AS (  -- every (name, publisher) pair of a listing
    SELECT n.store, n.store_app_id, n.key AS name_key, p.key AS publisher_key
    FROM known_key AS n
    JOIN known_key AS p ON p.store = n.store AND p.store_app_id = n.store_app_id AND p.key_kind = 'publisher'
    WHERE n.key_kind = 'name'
),
edge AS (
    SELECT store, store_app_id, 'k:' || base_key AS node FROM listing WHERE NOT $all
    UNION ALL
    SELECT store, store_app_id, 'n:' || name_key || chr(31) || publisher_key FROM name_group WHERE NOT $all
),
seed_node AS (
    SELECT e.node FROM edge AS e JOIN resolve_seeds USING (store, store_app_id)
    UNION ALL
    SELECT unnest([
        'k:' || own_app_key,
        CASE WHEN coalesce(name_key, '') <> '' AND coalesce(publisher_key, '') <> ''
             THEN 'n:' || name_key || chr(31) || publisher_key END,
        'k:' || app_key
    ]) FROM resolve_seeds
),
reach(node) AS (
    SELECT node FROM seed_node
    UNION
    SELECT e2.node
    FROM reach
    JOIN edge AS e1 USING (node)
    JOIN edge AS e2 ON e2.store = e1.store AND e2.store_app_id = e1.store_app_id
),
component AS (
    SELECT * FROM listing AS l
    WHERE $all
       OR EXISTS (SELECT 1 FROM edge AS e JOIN reach USING (node)
                  WHERE e.store = l.store AND e.store_app_id = l.store_app_id)
),
key_listings AS (
    SELECT base_key, store, count(*) AS n FROM component GROUP BY base_key, store
),
candidate AS (  -- the name groups of the listings that may merge by name, where exactly two listings meet
    SELECT c.store, c.store_app_id, c.base_key, ng.name_key, ng.publisher_key,
           coalesce(c.base_key IN (SELECT app_key FROM catalog_key), false) AS is_catalog
    FROM component AS c
    JOIN name_group AS ng USING (store, store_app_id)
    WHERE NOT c.has_override
    QUALIFY count(*) OVER (PARTITION BY ng.name_key, ng.publisher_key) = 2
),
pair AS (
    SELECT DISTINCT
        i.store_app_id AS app_store_id,
        g.store_app_id AS google_play_id,
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
single_pair AS (  -- a listing whose names pair it with two listings of the other store is ambiguous: no merge
    SELECT * FROM pair
    QUALIFY count(*) OVER (PARTITION BY app_store_id) = 1 AND count(*) OVER (PARTITION BY google_play_id) = 1
),
rename AS (
    SELECT p.from_key, p.to_key
    FROM single_pair AS p
    WHERE (SELECT sum(n) FROM key_listings AS k WHERE k.base_key = p.from_key) = 1
      AND NOT EXISTS (SELECT 1 FROM key_listings AS k WHERE k.base_key = p.to_key AND k.store = p.from_store)
    QUALIFY count(*) OVER (PARTITION BY p.to_key, p.from_store) = 1
),
resolved AS (
    SELECT
        l.store, l.store_app_id, l.old_app_key, l.old_mapped_by,
        CASE WHEN l.override_key IS NOT NULL THEN l.override_key ELSE coalesce(rn.to_key, l.base_key) END AS app_key,
        CASE WHEN l.override_key IS NOT NULL THEN 'override'
             WHEN rn.to_key IS NOT NULL THEN 'name_match'
             ELSE 'own_key' END AS mapped_by
    FROM component AS l
    LEFT JOIN rename AS rn ON rn.from_key = l.base_key
)
SELECT store, store_app_id, old_app_key, app_key, mapped_by
FROM resolved
WHERE app_key IS DISTINCT FROM old_app_key OR mapped_by IS DISTINCT FROM old_mapped_by
ORDER BY store, store_app_id;
