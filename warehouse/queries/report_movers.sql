-- Report table: the short-drama apps' biggest rank moves and new entrants (and re-entries) of the latest day,
-- for the selected store(s) and geography, from marts.rank_movers: the $movers biggest moves (|rank_change|,
-- then better rank) and the $movers best-ranked entrants.
-- Parameters: $store, $geo_level, $geo, $movers.
WITH sel AS (
    SELECT m.*
    FROM marts.rank_movers m
    LEFT JOIN core.countries c USING (country)
    WHERE m.is_short_drama
      AND ($store = 'both' OR m.store = $store)
      AND CASE $geo_level WHEN 'global' THEN true
                          WHEN 'region' THEN coalesce(c.region, 'other') = $geo
                          ELSE m.country = $geo END
),
latest AS (
    SELECT * FROM sel WHERE snapshot_date = (SELECT max(snapshot_date) FROM sel)
),
ranked AS (
    SELECT *,
           CASE WHEN movement IN ('new_entrant', 're_entry') THEN 'entrant' ELSE 'move' END AS kind,
           row_number() OVER (
               PARTITION BY movement IN ('new_entrant', 're_entry')
               ORDER BY CASE WHEN movement IN ('up', 'down') THEN -abs(rank_change) ELSE 0 END, rank,
                        store, country, chart, genre, store_app_id
           ) AS kind_position
    FROM latest
    WHERE movement IN ('up', 'down', 'new_entrant', 're_entry')
)
SELECT
    snapshot_date::VARCHAR AS snapshot_date,
    kind,
    kind_position,
    movement,
    app_name,
    app_key,
    store,
    country,
    chart,
    genre,
    rank,
    prev_rank,
    rank_change,
    prev_date::VARCHAR     AS prev_date,
    days_absent
FROM ranked
WHERE kind_position <= CAST($movers AS INTEGER)
ORDER BY kind = 'move', kind_position;
