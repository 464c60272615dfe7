-- Replace the refresh weeks' fits with the staged ones (staged_estimate_params: run.py's fits).
DELETE FROM core.estimate_params
WHERE method <> 'check_reported'
  AND ((SELECT full_rebuild FROM refresh_mode) OR window_start IN (SELECT week_start FROM refresh_weeks));

INSERT INTO core.estimate_params BY NAME
SELECT * REPLACE (CAST(inputs AS JSON) AS inputs)
FROM staged_estimate_params;
