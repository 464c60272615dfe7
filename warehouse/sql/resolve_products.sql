-- One product across stores: which product each store listing belongs to. Read-only: returns the listings
-- whose product (app_key, mapped_by) must change, with their current app_key (old_app_key); the loader
-- applies them (apply_resolution.sql). Parameters: $all (every listing, as sync_catalog does), else only the
-- listings connected to resolve_seeds.
--
-- The result is a pure function of core.app_store_ids (own keys, name_key, publisher_key, first_seen_date),
-- core.store_id_overrides and which apps are catalog apps (core.apps), so it does not depend on the order
-- batches were loaded in, and re-running it changes nothing. A listing's product, in order of precedence:
--   1. an override (core.store_id_overrides) with a non-NULL app_key;
--   2. its own key (its catalog app, or the key the loader gave it) ...
--   3. ... renamed by a cross-store name match: an App Store listing and a Google Play listing with equal
--      name_key and publisher_key become one product when
--        - they are the only two listings with that (name_key, publisher_key) (ambiguous names never merge),
--        - neither has an override (an override with app_key NULL means "never merge this id by name"),
--        - their own keys differ and are not both catalog apps,
--        - the losing key (the non-catalog one; between two non-catalog keys the one seen later, then the
--          lexicographically larger) has no other listing, and the winning key has no listing, and receives
--          no other match, in the loser's store (a product has at most one listing per store after a match).
--      Both listings then belong to the winner: the catalog key, else the key seen first (the earliest
--      first_seen_date of its listings), else the lexicographically smaller key. So a product seen on an
--      earlier day keeps its key when a listing of the other store first shows up later and joins it: the
--      earlier days' facts are not re-keyed (nor left re-keyed or not depending on whether a batch of another
--      country that carried the newcomer loaded). Seen dates are the minimum day loaded, whatever the order.
-- A loser key has exactly one listing, so it is in one match at most and never wins another: no chains.
--
-- Incremental: a listing's product depends only on the listings that share its base key (override, else own
-- key) or its (name_key, publisher_key), on theirs, and so on. So resolving the connected component of the
-- listings whose identity changed (graph: listings -- their base key and their name group) gives exactly
-- what resolving every listing gives. resolve_seeds (store, store_app_id, own_app_key, name_key,
-- publisher_key, app_key) starts the component: the changed listings (by id: their current nodes; a listing
-- whose first_seen_date moved earlier is changed too) with their former own key and name group, and product
-- keys (app_key: a catalog app's, or a former override's). A listing's override never changes in a load, so
-- its former base key is its current one (sync_catalog seeds a changed override's former key).
WITH RECURSIVE
catalog_key AS (
    SELECT app_key FROM core.apps WHERE status = 'catalog'
),
listing AS (
    SELECT
        ids.store, ids.store_app_id, ids.app_key AS old_app_key, ids.mapped_by AS old_mapped_by,
        ids.name_key, ids.publisher_key, ids.first_seen_date,
        o.store IS NOT NULL AS has_override,
        o.app_key AS override_key,
        coalesce(o.app_key, ids.own_app_key) AS base_key,
        coalesce(ids.name_key, '') <> '' AND coalesce(ids.publisher_key, '') <> '' AS named
    FROM core.app_store_ids AS ids
    LEFT JOIN core.store_id_overrides AS o USING (store, store_app_id)
),
edge AS (
    SELECT store, store_app_id, 'k:' || base_key AS node FROM listing WHERE NOT $all
    UNION ALL
    SELECT store, store_app_id, 'n:' || name_key || chr(31) || publisher_key FROM listing WHERE named AND NOT $all
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
key_seen AS (  -- a key's first day: its listings' earliest (every listing of a reached key is in the component)
    SELECT base_key, coalesce(min(first_seen_date), DATE '9999-12-31') AS first_seen
    FROM component
    GROUP BY base_key
),
candidate AS (
    SELECT c.*, coalesce(c.base_key IN (SELECT app_key FROM catalog_key), false) AS is_catalog, k.first_seen
    FROM component AS c
    JOIN key_seen AS k USING (base_key)
    WHERE NOT c.has_override AND c.named
    QUALIFY count(*) OVER (PARTITION BY c.name_key, c.publisher_key) = 2
),
matched AS (  -- i: the App Store listing, g: the Google Play one; ios_wins: i's key is the product's
    SELECT
        i.base_key AS ios_key, g.base_key AS play_key,
        CASE WHEN i.is_catalog OR g.is_catalog THEN i.is_catalog
             WHEN i.first_seen <> g.first_seen THEN i.first_seen < g.first_seen
             ELSE i.base_key < g.base_key END AS ios_wins
    FROM candidate AS i
    JOIN candidate AS g
      ON i.store = 'app_store' AND g.store = 'google_play'
     AND i.name_key = g.name_key AND i.publisher_key = g.publisher_key
    WHERE i.base_key <> g.base_key AND NOT (i.is_catalog AND g.is_catalog)
),
pair AS (
    SELECT
        CASE WHEN ios_wins THEN play_key ELSE ios_key END AS from_key,
        CASE WHEN ios_wins THEN ios_key ELSE play_key END AS to_key,
        CASE WHEN ios_wins THEN 'google_play' ELSE 'app_store' END AS from_store
    FROM matched
),
rename AS (
    SELECT p.from_key, p.to_key
    FROM pair AS p
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
