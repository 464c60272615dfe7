-- A successful load resolves the open quarantines of what it loaded (rerun, back-fill, quarantine replay):
-- the batch's own row and the rows of the items that loaded with it. Parameters: $batch_id, $items (list of
-- item batch ids).
UPDATE ops.quarantine
SET status = 'released', released_at = current_timestamp, resolved_by = $batch_id,
    resolution = CASE WHEN batch_id = $batch_id THEN 'batch loaded' ELSE 'item loaded' END
WHERE status = 'open' AND (batch_id = $batch_id OR list_contains(CAST($items AS VARCHAR[]), batch_id));
