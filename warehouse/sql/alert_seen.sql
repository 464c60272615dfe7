-- Targets that already received an alert (status 'sent'): a retry of the same failure skips them.
-- Parameters: $alert_key.
SELECT target
FROM ops.alerts
WHERE alert_key = $alert_key AND status = 'sent'
ORDER BY target;
