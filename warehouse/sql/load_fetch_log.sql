-- Index the batch's archived responses (staging_fetch_log); a record already indexed is left as it is.
-- Parameters: $batch_id, $source.
INSERT INTO ops.fetch_log (
    warc_path, warc_offset, batch_id, source, url, method, status, host, fetched_at, content_type,
    body_bytes, body_sha1, request_body_sha1, warc_length, tags
)
SELECT
    warc_path, warc_offset, $batch_id, $source, url, method, status, host,
    CAST(fetched_at AS TIMESTAMPTZ), content_type, body_bytes, body_sha1, request_body_sha1, warc_length,
    CAST(tags AS JSON)
FROM staging_fetch_log
ORDER BY warc_path, warc_offset
ON CONFLICT DO NOTHING;
