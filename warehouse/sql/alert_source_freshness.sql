-- Per source: the latest loaded batch (when, which, which day) and the latest attempt of any status.
-- Freshness is judged on loaded_at: when the pipeline last loaded something of the source.
SELECT
    source,
    max(loaded_at) FILTER (WHERE status = 'loaded')                      AS last_loaded_at,
    arg_max(batch_id, loaded_at) FILTER (WHERE status = 'loaded')        AS last_loaded_batch_id,
    CAST(arg_max(snapshot_date, loaded_at) FILTER (WHERE status = 'loaded') AS VARCHAR) AS last_loaded_snapshot_date,
    max(loaded_at)                                                       AS last_attempt_at
FROM ops.load_batches
GROUP BY source
ORDER BY source;
