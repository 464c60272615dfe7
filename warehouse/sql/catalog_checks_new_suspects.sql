-- The catalog ids that became suspect with this load (one alert each, dramatrack/catalog_check.py): not suspect
-- before, suspect now, and either not confirmed by a person or no longer resolving at all.
SELECT store, store_app_id, app_key, reason, missing, checked_date
FROM catalog_verdicts
WHERE reason IS NOT NULL AND NOT was_suspect AND (NOT confirmed OR missing)
ORDER BY store, store_app_id;
