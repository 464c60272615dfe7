-- Market events already announced on the given days (the dedupe of MARKET_EVENTS). Parameters: $dates (DATE[]).
SELECT snapshot_date::VARCHAR, store, country, chart, genre, store_app_id, kind
FROM ops.market_events
WHERE snapshot_date IN (SELECT unnest(CAST($dates AS DATE[])));
