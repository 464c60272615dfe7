-- The published checks of the refresh weeks and of the week before them (week-over-week moves).
SELECT window_start, store, country, measure, reference_value, estimated_value, flagged
FROM core.estimate_params
WHERE method = 'check_published'
  AND window_start >= (SELECT min(week_start) FROM refresh_weeks) - INTERVAL 7 DAY
  AND window_start <= (SELECT max(week_start) FROM refresh_weeks)
ORDER BY ALL;
