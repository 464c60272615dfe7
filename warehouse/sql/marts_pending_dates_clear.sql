-- The refresh that just ran (in the same transaction) covered every pending day.
DELETE FROM ops.marts_pending_dates;
