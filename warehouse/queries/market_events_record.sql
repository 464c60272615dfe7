-- Record one announced market event (ops.market_events); an event already recorded is left as it was.
-- Parameters: the columns of market_events.sql.
INSERT INTO ops.market_events (
    snapshot_date, store, country, chart, genre, store_app_id, kind, app_key, app_name, app_status, rank,
    prev_rank, prev_date, rank_change, batch_id
)
VALUES (
    CAST($snapshot_date AS DATE), $store, $country, $chart, $genre, $store_app_id, $kind, $app_key, $app_name,
    $app_status, $rank, $prev_rank, CAST($prev_date AS DATE), $rank_change, $batch_id
)
ON CONFLICT DO NOTHING;
