-- The verdict on each catalog store id checked on the load's days, from core.catalog_checks (every storefront
-- of that day loaded so far, so the order batches load in does not matter), applied to core.app_store_ids and
-- core.apps. Inputs: staging_catalog_ids (store, store_app_id, app_key, market, confirmed, verified: every catalog
-- id), staging_catalog_apps_meta (app_key, market), $days (the load's snapshot dates).
--   missing : in the storefronts of the id's market (china: cn; overseas: every other) no lookup / details page
--             returned it that day; a market with no storefront checked that day gives no verdict;
--   content : the reasons of the storefronts that returned it (genre, publisher, no short-drama signal).
-- An id is judged on its latest checked day among $days, and only if that day is not before its checked_date (a
-- back-fill loaded after a later day leaves the later verdict). excluded = suspect AND NOT confirmed; the days whose chart
-- entries change side are queued for the next marts refresh (ops.marts_pending_dates).

CREATE OR REPLACE TEMP TABLE catalog_verdicts AS
WITH obs AS (
    SELECT c.*, m.app_key AS catalog_key, m.market, m.confirmed, m.verified,
           CASE WHEN m.market = 'china' THEN c.country = 'cn' ELSE c.country <> 'cn' END AS relevant,
           max(c.snapshot_date) OVER (PARTITION BY c.store, c.store_app_id) AS last_day
    FROM core.catalog_checks AS c
    JOIN staging_catalog_ids AS m USING (store, store_app_id)
    WHERE c.snapshot_date IN (SELECT unnest($days::DATE[]))
),
per_id AS (
    SELECT store, store_app_id, any_value(catalog_key) AS app_key, any_value(confirmed) AS confirmed,
           any_value(verified) AS verified, any_value(last_day) AS checked_date,
           count(*) FILTER (WHERE relevant) AS relevant_checks,
           coalesce(bool_or(found) FILTER (WHERE relevant), false) AS found_relevant,
           string_agg(DISTINCT country, ', ' ORDER BY country) FILTER (WHERE relevant AND NOT found) AS missing_in,
           list_sort(list(DISTINCT reasons) FILTER (WHERE found AND reasons IS NOT NULL)) AS content
    FROM obs
    WHERE snapshot_date = last_day
    GROUP BY store, store_app_id
)
SELECT p.store, p.store_app_id, p.app_key, p.confirmed, p.checked_date,
       CASE WHEN p.relevant_checks > 0 AND NOT p.found_relevant
                THEN (CASE WHEN p.verified THEN 'verified id stopped resolving: ' ELSE '' END)
                     || 'no listing in ' || p.missing_in
            WHEN len(p.content) > 0 THEN array_to_string(p.content, ' | ') END AS reason,
       p.relevant_checks > 0 AND NOT p.found_relevant AS missing,
       coalesce(i.suspect, false) AS was_suspect
FROM per_id AS p
LEFT JOIN core.app_store_ids AS i USING (store, store_app_id);

UPDATE core.app_store_ids AS i SET
    suspect        = v.reason IS NOT NULL,
    suspect_reason = v.reason,
    checked_date   = v.checked_date
FROM catalog_verdicts AS v
WHERE i.store = v.store AND i.store_app_id = v.store_app_id
  AND (i.checked_date IS NULL OR v.checked_date >= i.checked_date);  -- a later day's verdict is never undone by an
                                                                     -- earlier day loaded after it (back-fills)

UPDATE core.app_store_ids AS i SET confirmed = m.confirmed
FROM staging_catalog_ids AS m
WHERE i.store = m.store AND i.store_app_id = m.store_app_id AND i.confirmed IS DISTINCT FROM m.confirmed;

UPDATE core.apps AS a SET market = m.market
FROM staging_catalog_apps_meta AS m
WHERE a.app_key = m.app_key AND a.market <> m.market;

CREATE OR REPLACE TEMP TABLE catalog_exclusion_changes AS
SELECT store, store_app_id, coalesce(suspect AND NOT confirmed, false) AS excluded
FROM core.app_store_ids
WHERE coalesce(suspect AND NOT confirmed, false) <> coalesce(excluded, false);

INSERT OR IGNORE INTO ops.marts_pending_dates
SELECT DISTINCT ce.snapshot_date
FROM core.chart_entries AS ce
JOIN catalog_exclusion_changes AS x USING (store, store_app_id);

UPDATE core.app_store_ids AS i SET excluded = x.excluded
FROM catalog_exclusion_changes AS x
WHERE i.store = x.store AND i.store_app_id = x.store_app_id;

UPDATE core.apps AS a SET
    suspect        = s.suspect,
    suspect_reason = s.reason
FROM (
    SELECT a2.app_key,
           coalesce(bool_or(i.excluded), false) AS suspect,
           string_agg(i.store || ' ' || i.store_app_id || ': ' || i.suspect_reason, ' || '
                      ORDER BY i.store, i.store_app_id) FILTER (WHERE i.excluded) AS reason
    FROM core.apps AS a2
    LEFT JOIN core.app_store_ids AS i ON i.app_key = a2.app_key
    WHERE a2.app_key IN (SELECT app_key FROM staging_catalog_apps_meta)
    GROUP BY a2.app_key
) AS s
WHERE a.app_key = s.app_key AND (a.suspect <> s.suspect OR a.suspect_reason IS DISTINCT FROM s.reason);
