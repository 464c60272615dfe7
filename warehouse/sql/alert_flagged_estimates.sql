-- Flagged published checks of the given weeks ($weeks): one row per week, store and measure.
SELECT CAST(window_start AS VARCHAR) AS week, store, measure, estimated_value, reference_value,
       json_extract_string(inputs, '$.flag_reason') AS reason
FROM core.estimate_params
WHERE method = 'check_published' AND flagged AND country = 'tracked'
  AND CAST(window_start AS VARCHAR) IN (SELECT unnest($weeks))
ORDER BY ALL;
