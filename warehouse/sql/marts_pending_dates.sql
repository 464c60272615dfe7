-- Days a load re-keyed facts on (ops.marts_pending_dates): an incremental refresh adds them to its changed days.
SELECT snapshot_date FROM ops.marts_pending_dates ORDER BY snapshot_date;
