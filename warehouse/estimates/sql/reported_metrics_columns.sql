-- Which columns core.reported_metrics has (none if the table does not exist yet).
SELECT column_name FROM duckdb_columns()
WHERE schema_name = 'core' AND table_name = 'reported_metrics'
ORDER BY column_name;
