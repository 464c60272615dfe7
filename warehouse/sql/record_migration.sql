INSERT INTO ops.schema_version (version, name, applied_at) VALUES ($version, $name, current_timestamp);
