-- Index the archived responses of the batches being loaded (staging_fetch_log: each row with its batch_id,
-- source and pos, the batch's place in load order); a record already indexed, or indexed by an earlier
-- batch of the same load, is left as it is. Parameters: $repeated (a record is in several rows).
INSERT INTO ops.fetch_log (
    warc_path, warc_offset, batch_id, source, url, method, status, host, fetched_at, content_type,
    body_bytes, body_sha1, request_body_sha1, warc_length, tags
)
SELECT
    warc_path, warc_offset, batch_id, source, url, method, status, host,
    CAST(fetched_at AS TIMESTAMPTZ), content_type, body_bytes, body_sha1, request_body_sha1, warc_length,
    CAST(tags AS JSON)
FROM staging_fetch_log
QUALIFY NOT $repeated OR row_number() OVER (PARTITION BY warc_path, warc_offset ORDER BY pos) = 1
ORDER BY warc_path, warc_offset
ON CONFLICT DO NOTHING;
