SELECT version, name FROM ops.schema_version ORDER BY version;
