-- A successful load resolves the open quarantines of what it loaded, however it came to load it (rerun,
-- back-fill, quarantine replay): each batch's own row and the rows of the items it loaded (staging_batches:
-- batch_id and `items`, the item batch ids — app pages, news searches — that loaded with it).
UPDATE ops.quarantine AS q
SET status = 'released', released_at = current_timestamp, resolved_by = r.loaded_by, resolution = r.resolution
FROM (
    SELECT batch_id AS quarantined, batch_id AS loaded_by, 'batch loaded' AS resolution FROM staging_batches
    UNION ALL
    SELECT unnest(items) AS quarantined, batch_id AS loaded_by, 'item loaded' AS resolution FROM staging_batches
) AS r
WHERE q.status = 'open' AND q.batch_id = r.quarantined;
