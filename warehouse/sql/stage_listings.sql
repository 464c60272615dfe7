-- The store listings of the batches being loaded (staging_apps; `pos` = the batch's place in load order) as
-- upsert_listings.sql will write them: one row per listing, the batches applied in load order, beside the
-- listing's current identity and product, so the loader knows which listings to re-resolve
-- (resolve_products.sql) and which products to re-derive (derive_products.sql). Read-only.
-- Parameters: $deduplicate (true when a batch holds several records of one listing), $one_day (true when
-- all the batches are of one day).
--
-- Per batch, several records of one listing: the catalog claimant first, then the smallest app_key. Then,
-- batch after batch:
--   * a listing owned by a catalog app stays with it unless the claimant is a catalog app too (own_app_key):
--     so the last catalog claimant's key, else the current own key if it is a catalog app's, else the last
--     claimant's key;
--   * the description follows the latest snapshot (ties: the later batch): a record replaces it (take_new)
--     when its day is no earlier than every day the listing was seen on before; the publisher (and its
--     key) only when the record has one; the bundle id whenever the record has one;
--   * the classification (short drama, status, reason) accumulates evidence: of the take_new records, one
--     resting on a description wins over a name-only one (then the later batch), and a name-only record
--     never replaces a classification that rested on a description (listing_evidence);
--   * first_seen_date / last_seen_date: the minimum / maximum day seen.
-- core.apps tells catalog apps: when a batch makes an app a catalog app (promoted: a catalog record of an
-- app that is not one yet), the loader runs promote_catalog_apps.sql first, one batch at a time.
--   identity_changed: the listing is new, or its own key, name_key or publisher_key changes, or its
--     first_seen_date moves earlier (a back-fill: which of two matched keys is the product's depends on it);
--   app_key: the listing's product before re-resolution (its own key when new).
WITH record AS (
    SELECT
        s.*,
        coalesce(a.status = 'catalog', false) AS claimant_is_catalog,
        s.status = 'catalog' AND coalesce(a.status <> 'catalog', true) AS promotes
    FROM staging_apps AS s
    LEFT JOIN core.apps AS a USING (app_key)
    WHERE s.store_app_id IS NOT NULL
    QUALIFY NOT $deduplicate
         OR row_number() OVER (
                PARTITION BY s.pos, s.store, s.store_app_id ORDER BY NOT claimant_is_catalog, s.app_key
            ) = 1
),
step AS (
    SELECT
        r.*,
        cur.store IS NULL AS is_new,
        CASE WHEN $one_day THEN cur.last_seen_date  -- every batch of the same day: no earlier batch is later
             ELSE greatest(cur.last_seen_date, max(r.snapshot_date) OVER (
                      PARTITION BY r.store, r.store_app_id ORDER BY r.pos
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) END AS seen_before,
        seen_before IS NULL OR r.snapshot_date >= seen_before AS take_new
    FROM record AS r
    LEFT JOIN core.app_store_ids AS cur USING (store, store_app_id)
),
folded AS (
    SELECT
        store, store_app_id,
        any_value(is_new) AS is_new,
        arg_max({name: name, name_key: name_key, verified: verified}, pos) FILTER (WHERE take_new) AS rec,
        -- the classification: a record resting on a description beats a name-only one, then the later batch
        -- (evidence rank, pos) as one BIGINT: a struct key took DuckDB's slow arg_max path
        arg_max({is_short_drama: is_short_drama, status: status, reason: classification_reason,
                 evidence: evidence},
                (CASE evidence WHEN 'catalog' THEN 2 WHEN 'description' THEN 1 ELSE 0 END) * 4294967296 + pos)
            FILTER (WHERE take_new) AS cls,
        arg_max({publisher: publisher, publisher_key: publisher_key}, pos)
            FILTER (WHERE take_new AND publisher IS NOT NULL) AS pub,
        arg_max(bundle_id, pos) AS bundle_id,
        arg_max(app_key, pos) FILTER (WHERE claimant_is_catalog) AS last_catalog_claimant,
        arg_max(app_key, pos) AS last_claimant,
        min(snapshot_date) AS first_seen,
        max(snapshot_date) AS last_seen
    FROM step
    GROUP BY store, store_app_id
),
promotions AS (  -- apart, over the few promoting records: a DISTINCT list in `folded` grouped every record again
    SELECT store, store_app_id, list(DISTINCT app_key) AS promoted
    FROM step
    WHERE promotes
    GROUP BY store, store_app_id
),
listing AS (
    SELECT
        f.store, f.store_app_id, f.is_new, pr.promoted,
        coalesce(f.bundle_id, cur.bundle_id) AS bundle_id,
        coalesce(f.last_catalog_claimant, CASE WHEN o.status = 'catalog' THEN cur.own_app_key END, f.last_claimant)
            AS own_app_key,
        CASE WHEN f.rec IS NULL THEN cur.listing_name ELSE f.rec.name END AS listing_name,
        CASE WHEN f.pub IS NULL THEN cur.listing_publisher ELSE f.pub.publisher END AS listing_publisher,
        CASE WHEN f.rec IS NULL THEN cur.name_key ELSE f.rec.name_key END AS name_key,
        CASE WHEN f.pub IS NULL THEN cur.publisher_key ELSE f.pub.publisher_key END AS publisher_key,
        CASE WHEN f.keep_cls THEN cur.listing_is_short_drama ELSE f.cls.is_short_drama END
            AS listing_is_short_drama,
        CASE WHEN f.keep_cls THEN cur.listing_status ELSE f.cls.status END AS listing_status,
        CASE WHEN f.keep_cls THEN cur.listing_reason ELSE f.cls.reason END AS listing_reason,
        CASE WHEN f.keep_cls THEN cur.listing_evidence ELSE f.cls.evidence END AS listing_evidence,
        CASE WHEN f.rec IS NULL THEN cur.listing_verified ELSE f.rec.verified END AS listing_verified,
        least(cur.first_seen_date, f.first_seen) AS first_seen_date,
        greatest(cur.last_seen_date, f.last_seen) AS last_seen_date,
        cur.app_key AS old_app_key,
        cur.own_app_key AS old_own_app_key,
        cur.name_key AS old_name_key,
        cur.publisher_key AS old_publisher_key,
        cur.first_seen_date AS old_first_seen_date
    FROM (
        -- evidence already seen stays: a name-only classification (say the app page failed that day) never
        -- replaces one that rested on a description; it only classifies a listing nothing better described
        SELECT f.*, f.cls IS NULL
                    OR CASE f.cls.evidence WHEN 'catalog' THEN 2 WHEN 'description' THEN 1 ELSE 0 END
                       < CASE c.listing_evidence WHEN 'catalog' THEN 2 WHEN 'description' THEN 1 ELSE 0 END
                   AS keep_cls
        FROM folded AS f
        LEFT JOIN core.app_store_ids AS c USING (store, store_app_id)
    ) AS f
    LEFT JOIN core.app_store_ids AS cur USING (store, store_app_id)
    LEFT JOIN core.apps AS o ON o.app_key = cur.own_app_key
    LEFT JOIN promotions AS pr ON pr.store = f.store AND pr.store_app_id = f.store_app_id
)
SELECT
    *,
    coalesce(old_app_key, own_app_key) AS app_key,
    is_new
        OR own_app_key IS DISTINCT FROM old_own_app_key
        OR name_key IS DISTINCT FROM old_name_key
        OR publisher_key IS DISTINCT FROM old_publisher_key
        OR first_seen_date IS DISTINCT FROM old_first_seen_date AS identity_changed
FROM listing;
