-- A load's catalog-id observations (staging_catalog_checks, dramatrack/catalog_check.py) replace their
-- (snapshot_date, store, country) scope of core.catalog_checks: re-checking a day gives the same rows.
DELETE FROM core.catalog_checks AS c
USING (SELECT DISTINCT snapshot_date, store, country FROM staging_catalog_checks) AS s
WHERE c.snapshot_date = s.snapshot_date AND c.store = s.store AND c.country = s.country;

INSERT INTO core.catalog_checks
    (snapshot_date, store, store_app_id, country, app_key, found, name, publisher, genre, reasons)
SELECT snapshot_date, store, store_app_id, country, app_key, found, name, publisher, genre, reasons
FROM staging_catalog_checks;
