-- Whether core.estimate_params has the flagged column yet (the report reads the flags only then).
SELECT count(*) > 0 AS has_flagged
FROM information_schema.columns
WHERE table_schema = 'core' AND table_name = 'estimate_params' AND column_name = 'flagged';
